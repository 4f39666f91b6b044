"""The entry points planners call: :func:`solve`, :func:`compare`, :func:`travel_matrix`.

A thin facade: the district computes and keeps its travel-time matrix and forecast
(:meth:`layout_opt.District.travel_matrix`, :meth:`layout_opt.District.forecast`), the
model package builds and solves the layout model and returns plain tables, and
:class:`layout_opt.Plan` wraps them with their views; :func:`compare` is
:func:`layout_opt.kpis.compare`.

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

from .demand import Forecast
from .diagnose import explain_infeasible, presolve_checks
from .district import District
from .errors import InfeasibleError
from .kpis import KPI_ROWS, compare, plan_kpis
from .model.plan import extract_plan
from .model.problem import PlanningProblem
from .model.solve import solve_problem
from .plan import Plan
from .scenario import Scenario
from .schema import BANDS
from .travel import TravelMatrix

__all__ = ["KPI_ROWS", "compare", "demand_forecast", "plan_kpis", "solve", "travel_matrix"]

logger = logging.getLogger(__name__)


def travel_matrix(district: District, scenario: Scenario | None = None) -> TravelMatrix:
    """Village x school minutes for ``district``; see :meth:`layout_opt.District.travel_matrix`.

    Re-solving with another scenario reuses the matrix unless the walking speed or the
    longest trip changes.
    """
    return district.travel_matrix(scenario)


def demand_forecast(district: District, scenario: Scenario | None = None) -> Forecast:
    """The school-age forecast for ``district``; see :meth:`layout_opt.District.forecast`."""
    return district.forecast(scenario)


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
    tables = extract_plan(problem, report, district, scenario)
    return Plan.from_tables(tables, district, scenario, travel=travel, demand=demand)


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
