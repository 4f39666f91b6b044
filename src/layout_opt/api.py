"""The entry points planners call: :func:`solve`, :func:`compare`, :func:`travel_matrix`.

Examples
--------
>>> import layout_opt as lo
>>> district = lo.examples.synthetic_district(n_towns=2, villages_per_town=6, seed=2)
>>> plan = lo.solve(district, lo.Scenario(years=(2024,), closure_target=2, time_limit_s=20))
>>> plan.summary["closures"]["total"] >= 2
True
>>> plan.check().empty
True
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from .demand import forecast
from .district import District
from .errors import InfeasibleError
from .model.plan import Plan, extract_plan
from .model.problem import PlanningProblem
from .model.solve import solve_problem
from .scenario import Scenario
from .schema import BANDS
from .travel import TravelMatrix, travel_time_matrix

logger = logging.getLogger(__name__)


def travel_matrix(district: District, scenario: Scenario | None = None) -> TravelMatrix:
    """Village x school minutes for ``district`` (cached on the district).

    Re-solving with another scenario reuses the matrix unless the walking speed or the
    longest trip changes.
    """
    scenario = scenario or Scenario()
    key = ("travel", scenario.walk_speed_kmh, scenario.longest_trip_min)
    if key not in district._cache:
        if district.roads is None:
            from .travel import straight_line_matrix

            logger.warning("no road network: travel times are straight-line estimates")
            district._cache[key] = straight_line_matrix(
                district.villages, district.schools, cutoff_min=scenario.longest_trip_min
            )
        else:
            district._cache[key] = travel_time_matrix(
                district.roads,
                district.villages,
                district.schools,
                cutoff_min=scenario.longest_trip_min,
                walk_speed_kmh=scenario.walk_speed_kmh,
            )
    return district._cache[key]


def demand_forecast(district: District, scenario: Scenario | None = None):
    """The school-age forecast for ``district`` (cached on the district)."""
    scenario = scenario or Scenario()
    params = scenario.forecast_params()
    key = ("forecast", params)
    if key not in district._cache:
        district._cache[key] = forecast(district.villages, district.base_year, params)
    return district._cache[key]


def solve(
    district: District,
    scenario: Scenario | None = None,
    *,
    travel: TravelMatrix | None = None,
    demand: np.ndarray | None = None,
    forbidden_pairs: pd.DataFrame | None = None,
) -> Plan:
    """Plan the school network of ``district`` under ``scenario``.

    Parameters
    ----------
    district : District
        From :func:`layout_opt.load_district` or :mod:`layout_opt.examples`.
    scenario : Scenario, optional
        Rules and numbers; the policy defaults if omitted.
    travel : TravelMatrix, optional
        Minutes from villages to schools; computed from the roads (and cached) if omitted.
    demand : numpy.ndarray, optional
        Pupils ``(years, villages, 12)``; the cohort forecast (cached) if omitted.
    forbidden_pairs : pandas.DataFrame, optional
        ``village_id, band, school_id`` that may not be used (e.g. from
        :func:`layout_opt.routing.forbidden_pairs`).

    Returns
    -------
    Plan

    Raises
    ------
    layout_opt.InfeasibleError
        When no plan satisfies the rules, with the reasons in a planner's words.
    ValueError
        When the scenario's years do not fit the district's base year
        (:meth:`Scenario.check_years`), before any work.

    Notes
    -----
    The travel-time matrix and the forecast are cached on ``district``: re-solving the
    same district under another scenario reuses them (the matrix is recomputed only if
    the walking speed or the longest allowed trip changes, the forecast only if a
    forecast parameter does).  The solver's budget is ``scenario.time_limit_s``; the
    gap reached is in ``plan.summary["solver"]``.

    Examples
    --------
    >>> import layout_opt as lo
    >>> district = lo.examples.synthetic_district(n_towns=2, villages_per_town=6, seed=2)
    >>> plan = lo.solve(district, lo.Scenario(years=(2024,), closure_target=2, time_limit_s=20))
    >>> plan.summary["solver"]["status"] in ("optimal", "feasible"), plan.check().empty
    (True, True)
    >>> plan.closures[["name", "year", "pupils_moved"]].shape
    (2, 3)

    Another scenario on the same district reuses its travel-time matrix:

    >>> more = lo.solve(district, plan.scenario.replace(name="3 closures", closure_target=3))
    >>> more.travel is plan.travel, more.summary["closures"]["total"]
    (True, 3)

    Rules that no plan can meet raise an error that says which rule must give:

    >>> lo.solve(district, plan.scenario.replace(day_limit_lower_primary_min=5))
    Traceback (most recent call last):
    ...
    layout_opt.errors.InfeasibleError: No plan satisfies the rules of this scenario:
      - In 2024, 5 village(s) have no school for grades 1-3 within 5 min by day: ...
    """
    from .diagnose import explain_infeasible, presolve_checks

    scenario = scenario or Scenario()
    scenario.check_years(district.base_year)
    travel = travel or travel_matrix(district, scenario)
    if demand is None:
        demand = demand_forecast(district, scenario).for_years(scenario.years)
    problem = PlanningProblem.from_district(district, scenario, travel, demand=demand)
    presolve_checks(problem)
    forbidden = None
    if forbidden_pairs is not None and len(forbidden_pairs):
        forbidden = _pair_indices(problem, forbidden_pairs)
    target = None
    if scenario.closure_target == -1:
        target = _max_closures(problem, scenario, forbidden)
    report = solve_problem(
        problem,
        time_limit_s=scenario.time_limit_s,
        gap_target=scenario.gap_target,
        backend=scenario.backend,
        bound_method=scenario.bound_method,
        seed=scenario.seed,
        threads=scenario.threads,
        forbidden_pairs=forbidden,
        closure_target=target,
    )
    if not all(c.result.has_plan for c in report.components):
        raise explain_infeasible(problem, report)
    return extract_plan(problem, report, district, scenario, travel=travel, demand=demand)


def _pair_indices(problem: PlanningProblem, pairs: pd.DataFrame) -> pd.DataFrame:
    v = pd.Index(problem.village_ids).get_indexer(pairs["village_id"].astype(str))
    s = pd.Index(problem.school_ids).get_indexer(pairs["school_id"].astype(str))
    b = pairs["band"].map({b: i for i, b in enumerate(BANDS)}).to_numpy()
    ok = (v >= 0) & (s >= 0)
    return pd.DataFrame({"v": v[ok], "b": b[ok], "s": s[ok]})


def _max_closures(problem: PlanningProblem, scenario: Scenario, forbidden) -> int:
    """Phase one of "as many closures as the rules allow": the largest feasible count."""
    from .model.build import build_model, components
    from .model.solve import solve_model

    n_forced = int((problem.candidate & ~problem.available()[-1]).sum())
    best = n_forced
    for bands in components(problem):
        model = build_model(problem, bands=bands, forbidden_pairs=forbidden, maximize_closures=True, closure_target=0)
        if model.index["open"].max() < 0:
            continue
        r = solve_model(
            model,
            backend=scenario.backend,
            time_limit_s=scenario.time_limit_s / 3,
            gap_target=0.0,
            seed=scenario.seed,
            threads=scenario.threads,
        )
        if not r.has_plan:
            raise InfeasibleError(
                [
                    "Could not find how many closures the rules allow within the time limit "
                    f"({scenario.time_limit_s / 3:.0f} s for this step); allow more time or give a closure target."
                ]
            )
        if r.has_plan:
            last = model.index["open"][:, -1]
            kept = int(round(sum(r.values[i] for i in last if i >= 0)))
            best = n_forced + int((last >= 0).sum()) - kept
    logger.info("the rules allow at most %d closures", best)
    return best


#: Rows of :func:`compare` and :meth:`Plan.kpis`, in order (travel rows per planned band).
KPI_ROWS: tuple[str, ...] = (
    "closures",
    "added seats",
    "added seats primary",
    "added seats junior",
    "added seats senior",
    "added classrooms",
    "added beds",
    "capital cost (M yuan)",
    "new-school cost (M yuan)",
    *(f"travel {stat} {band} (min)" for band in BANDS for stat in ("mean", "p95")),
    "day pupils",
    "boarders",
    "objective (M yuan)",
    "gap (%)",
)


def plan_kpis(plan: Plan) -> pd.Series:
    """The comparison figures of one plan (the rows of :func:`compare`).

    Returns
    -------
    pandas.Series
        Named after the scenario, indexed by ``kpi`` (:data:`KPI_ROWS`, travel rows of
        the planned bands only), object dtype holding plain ints and floats so that
        counts print without decimals; NaN where a figure is unknown (the gap of a plan
        without a bound).  Counts and travel are those of the last plan year, seats,
        classrooms, beds and costs cumulative.
    """
    s = plan.summary
    last = str(s["years"][-1])
    out: dict[str, Any] = {
        "closures": int(s["closures"]["total"]),
        "added seats": int(s["added"]["seats"]),
    }
    for lv in ("primary", "junior", "senior"):
        out[f"added seats {lv}"] = int(s["added"]["seats_by_level"].get(lv, 0))
    out["added classrooms"] = int(s["added"]["classrooms"])
    out["added beds"] = int(s["added"]["beds"])
    out["capital cost (M yuan)"] = round(s["costs_yuan"]["capital"] / 1e6, 2)
    out["new-school cost (M yuan)"] = round(s["costs_yuan"].get("planned_projects", 0.0) / 1e6, 2)
    for band in BANDS:
        t = s["travel_min"].get(band)
        if t is not None:
            out[f"travel mean {band} (min)"] = float(t["mean"])
            out[f"travel p95 {band} (min)"] = float(t["p95"])
    out["day pupils"] = int(s["pupils"][last]["day"])
    out["boarders"] = int(s["pupils"][last]["boarding"])
    out["objective (M yuan)"] = round(s["costs_yuan"]["objective"] / 1e6, 3)
    gap = s["solver"]["gap"]
    out["gap (%)"] = float("nan") if gap is None else round(100 * gap, 3)
    series = pd.Series(out, name=s["scenario"]["name"], dtype=object)
    series.index.name = "kpi"
    return series


def compare(plans: Mapping[str, Plan] | Iterable[Plan]) -> pd.DataFrame:
    """Key figures of several plans side by side.

    Parameters
    ----------
    plans : dict of str to Plan, or a list of Plan
        Label -> plan; a list is labelled by the scenario names (made unique with
        ``#2``, ``#3``... where two plans share a name).

    Returns
    -------
    pandas.DataFrame
        One column per plan, one row per figure (:data:`KPI_ROWS`): closures; added
        seats in total and by level (primary, junior, senior); added classrooms and beds;
        capital cost of classrooms and beds and the cost of the planned new schools the
        plan opens (million yuan); mean and p95 one-way travel minutes by band; day
        pupils and boarders; the objective (million yuan) and the solver's gap (%).
        Travel, day pupils and boarders are those of each plan's last year; a band a plan
        does not plan has NaN travel.  Values are plain numbers in an object frame (counts
        print without decimals); ``compare(...).T`` has one row per plan, ready to plot
        one figure against another.

    Examples
    --------
    >>> import layout_opt as lo
    >>> d = lo.examples.synthetic_district(n_towns=2, villages_per_town=6, seed=2)
    >>> base = lo.Scenario(years=(2024,), closure_target=2, time_limit_s=20)
    >>> table = lo.compare({"2 closures": lo.solve(d, base), "3 closures": lo.solve(d, base.replace(closure_target=3))})
    >>> table.loc["closures"].tolist()
    [2, 3]
    >>> table.index[:8].tolist()
    ['closures', 'added seats', 'added seats primary', 'added seats junior', 'added seats senior', 'added classrooms', 'added beds', 'capital cost (M yuan)']
    >>> trade_off = table.T[["closures", "travel mean lower_primary (min)"]]   # one row per plan
    >>> bool(trade_off.iloc[1, 1] >= trade_off.iloc[0, 1])                       # more closures, longer trips
    True
    """
    if isinstance(plans, Mapping):
        items = list(plans.items())
    else:
        items, seen = [], {}
        for p in plans:
            name = str(p.summary["scenario"]["name"])
            seen[name] = seen.get(name, 0) + 1
            items.append((name if seen[name] == 1 else f"{name} #{seen[name]}", p))
    if not items:
        raise ValueError("compare needs at least one plan")
    cols = [plan_kpis(p).rename(label) for label, p in items]
    table = pd.concat(cols, axis=1)
    order = [k for k in KPI_ROWS if k in table.index]
    table = table.loc[order].astype(object)
    return table.where(table.notna(), float("nan"))
