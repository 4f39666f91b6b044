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

import numpy as np
import pandas as pd

from .demand import forecast
from .district import District
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
            district._cache[key] = straight_line_matrix(district.villages, district.schools, cutoff_min=scenario.longest_trip_min)
        else:
            district._cache[key] = travel_time_matrix(district.roads, district.villages, district.schools, cutoff_min=scenario.longest_trip_min, walk_speed_kmh=scenario.walk_speed_kmh)
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
    """
    from .diagnose import explain_infeasible, presolve_checks

    scenario = scenario or Scenario()
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
    report = solve_problem(problem, time_limit_s=scenario.time_limit_s, gap_target=scenario.gap_target, backend=scenario.backend, seed=scenario.seed, threads=scenario.threads, forbidden_pairs=forbidden, closure_target=target)
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
        r = solve_model(model, backend=scenario.backend, time_limit_s=scenario.time_limit_s / 3, gap_target=0.0, seed=scenario.seed, threads=scenario.threads)
        if r.has_plan:
            last = model.index["open"][:, -1]
            kept = int(round(sum(r.values[i] for i in last if i >= 0)))
            best = n_forced + int((last >= 0).sum()) - kept
    logger.info("the rules allow at most %d closures", best)
    return best


def plan_kpis(plan: Plan) -> pd.Series:
    """The comparison figures of one plan (the rows of :func:`compare`)."""
    s = plan.summary
    out = {
        "closures": s["closures"]["total"],
        "added seats": s["added"]["seats"],
    }
    for lv, n in s["added"]["seats_by_level"].items():
        out[f"added seats {lv}"] = n
    out["added classrooms"] = s["added"]["classrooms"]
    out["added beds"] = s["added"]["beds"]
    out["capital cost (M yuan)"] = round(s["costs_yuan"]["capital"] / 1e6, 2)
    last = str(s["years"][-1])
    for band, t in s["travel_min"].items():
        out[f"travel mean {band} (min)"] = t["mean"]
        out[f"travel p95 {band} (min)"] = t["p95"]
    out["boarders"] = s["pupils"][last]["boarding"]
    out["objective (M yuan)"] = round(s["costs_yuan"]["objective"] / 1e6, 3)
    out["gap (%)"] = None if s["solver"]["gap"] is None else round(100 * s["solver"]["gap"], 3)
    return pd.Series(out, name=s["scenario"]["name"])


def compare(plans: dict[str, Plan]) -> pd.DataFrame:
    """Key figures of several plans side by side.

    Parameters
    ----------
    plans : dict of str to Plan
        Label -> plan.

    Returns
    -------
    pandas.DataFrame
        One column per plan; rows: closures, added seats (total and by level), added
        classrooms, added beds, capital cost, mean and p95 travel by band (last year),
        boarders, objective, gap.

    Examples
    --------
    >>> import layout_opt as lo
    >>> d = lo.examples.synthetic_district(n_towns=2, villages_per_town=6, seed=2)
    >>> base = lo.Scenario(years=(2024,), closure_target=2, time_limit_s=20)
    >>> table = lo.compare({"2 closures": lo.solve(d, base), "3 closures": lo.solve(d, base.replace(closure_target=3))})
    >>> int(table.loc["closures", "3 closures"])
    3
    """
    cols = {name: plan_kpis(p) for name, p in plans.items()}
    return pd.DataFrame(cols)
