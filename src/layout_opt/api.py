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
import multiprocessing
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager

import numpy as np
import pandas as pd

from .attendance import infer_attendance
from .buses import agreement, bus_costs, calibrate, route_plan
from .demand import Forecast
from .diagnose import explain_infeasible, presolve_checks
from .district import District
from .errors import SolverStoppedError
from .kpis import KPI_ROWS, compare, plan_kpis
from .model.plan import extract_plan
from .model.problem import PlanningProblem
from .model.solve import PlanState, solve_problem
from .plan import Plan
from .scenario import Scenario
from .schema import BANDS
from .sensitivity import sensitivity as sensitivity_rows
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
    route_buses: bool = True,
    sensitivity: bool = False,
    workers: int | None = None,
    map_tasks: Callable | None = None,
) -> Plan:
    """Plan the school network of ``district`` under ``scenario``.

    Parameters
    ----------
    district : District
        From :func:`layout_opt.load_district` or :mod:`layout_opt.examples`.  Its
        ``enrolment`` (today's attendance) is where the plan starts; without one, an
        attendance consistent with the villages' pupils and the schools' enrolment is
        derived (:func:`layout_opt.attendance.infer_attendance`).
    scenario : Scenario, optional
        Rules and numbers; the policy defaults if omitted.
    travel : TravelMatrix, optional
        Minutes and kilometres from villages to schools; computed from the roads (and
        cached) if omitted.
    demand : numpy.ndarray, optional
        Pupils ``(years, villages, 12)``; the cohort forecast (cached) if omitted.
    forbidden_pairs : pandas.DataFrame, optional
        ``village_id, band, school_id`` that may not be used (e.g. from
        :func:`layout_opt.routing.forbidden_pairs`).
    route_buses : bool
        Route the school buses of every plan year (when the district has roads) and
        re-solve with the routed fleet until the model's bus cost and the routed one
        agree (:mod:`layout_opt.buses`); the routes are in :attr:`Plan.buses`.
    sensitivity : bool
        Also re-solve with each price group at -50 % and +50 %
        (:func:`layout_opt.sensitivity.sensitivity`) into ``summary["sensitivity"]``.
    workers : int, optional
        Processes that solve units and route years side by side (default: the
        scenario's ``threads``; 1 solves in this process).  The plan does not depend on
        it.
    map_tasks : callable, optional
        ``map_tasks(function, arguments) -> results``: run the tasks elsewhere (e.g. a
        Dask client's ``map`` and ``gather``); overrides ``workers``.  ``arguments`` is
        an iterable (the unit solves build each model as its task is drawn), the results a
        list in its order.

    Returns
    -------
    Plan

    Raises
    ------
    layout_opt.InfeasibleError
        When no plan satisfies the rules, with the reasons in a planner's words.
    layout_opt.SolverStoppedError
        When a unit's solve stops at ``time_limit_s`` before it finds any plan (nothing
        is proven about the rules then).
    ValueError
        When the scenario's years do not fit the district's base year
        (:meth:`Scenario.check_years`), before any work.

    Notes
    -----
    The travel-time matrix and the forecast are cached on ``district``: re-solving the
    same district under another scenario reuses them.  ``plan.summary["solver"]`` has
    the status, bound and gap; ``plan.check()`` re-verifies the rules from the inputs, and
    a plan that breaks one is marked (``summary["check"]``) and logged as an error.

    Examples
    --------
    >>> import layout_opt as lo
    >>> district = lo.examples.synthetic_district(n_towns=2, villages_per_town=6, seed=2)
    >>> plan = lo.solve(district, lo.Scenario(years=(2024,), closure_target=2, time_limit_s=20))
    >>> plan.summary["solver"]["status"], plan.check().empty
    ('optimal', True)
    >>> plan.summary["closures"]["small_schools"] >= 2
    True

    Another scenario on the same district reuses its travel-time matrix:

    >>> more = lo.solve(district, plan.scenario.replace(name="keep", closure_target=0, school_cost_yuan_per_year=0))
    >>> more.travel is plan.travel
    True

    Rules that no plan can meet raise an error that says which rule must give:

    >>> lo.solve(district, plan.scenario.replace(day_limit_lower_primary_min=5))
    Traceback (most recent call last):
    ...
    layout_opt.errors.InfeasibleError: No plan satisfies the rules of this scenario:
      - In 2024, ... village(s) have no school for grades 1-3 within 5 min by day...
    """
    scenario = scenario or Scenario()
    scenario.check_years(district.base_year)
    travel = travel or travel_matrix(district, scenario)
    if demand is None:
        demand = demand_forecast(district, scenario).for_years(scenario.years)
    attendance = district.enrolment
    if attendance is None:
        logger.warning("the district has no attendance table (enrolment.csv): today's attendance is derived")
        attendance = infer_attendance(district.villages, district.schools, travel)
    problem = PlanningProblem.from_district(district, scenario, travel, demand, attendance)
    presolve_checks(problem)
    forbidden = (
        _pair_indices(problem, forbidden_pairs) if forbidden_pairs is not None and len(forbidden_pairs) else None
    )
    with _task_runner(workers if workers is not None else scenario.threads, map_tasks) as run:
        solve_args = dict(
            time_limit_s=scenario.time_limit_s, backend=scenario.backend, seed=scenario.seed, forbidden_pairs=forbidden
        )
        report = solve_problem(problem, map_tasks=run, **solve_args)
        if report.status == "infeasible":
            raise explain_infeasible(problem, report)
        if report.status == "no_solution":
            raise SolverStoppedError(
                [u.unit.label(problem) for u in report.units if not u.result.has_plan], scenario.time_limit_s
            )
        tables = extract_plan(problem, report, district, scenario)
        buses: dict = {}
        bus_rounds: list[dict] = []
        if route_buses and district.roads is not None:
            problem, report, tables, buses, bus_rounds = _bus_loop(
                problem, report, tables, district, scenario, run, solve_args
            )
        rows = None
        if sensitivity:
            rows = sensitivity_rows(
                problem,
                report,
                district,
                map_tasks=run,
                time_limit_s=scenario.time_limit_s,
                backend=scenario.backend,
                forbidden_pairs=forbidden,
            )
        zone_rule = None
        if scenario.price_zone_rule and scenario.catchment_zones != "district":
            zone_rule = _price_zone_rule(district, scenario, travel, demand, attendance, report, run, solve_args)
    summary = tables.summary
    summary["buses"] = _bus_summary(problem, tables, buses, bus_rounds)
    if zone_rule is not None:
        summary["zone_rule"] = zone_rule
    if rows is not None:
        summary["sensitivity"] = rows
    summary["solver"]["seconds"] = round(report.seconds, 1)
    plan = Plan.from_tables(tables, district, scenario, travel=travel, demand=demand, buses=buses)
    violations = plan.check()
    summary["check"] = {"violations": int(len(violations))}
    if len(violations):
        summary["solver"]["status"] = "breaks rules"
        logger.error("the plan breaks %d rule(s): %s", len(violations), "; ".join(violations["message"].head(5)))
    return plan


@contextmanager
def _task_runner(workers: int, map_tasks: Callable | None) -> Iterator[Callable | None]:
    """How independent tasks run: the caller's ``map_tasks``, a process pool of
    ``workers``, or this process."""
    if map_tasks is not None:
        yield map_tasks
        return
    if workers <= 1:
        yield None
        return
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        yield lambda fn, args: list(pool.map(fn, args))


def _bus_loop(problem, report, tables, district, scenario, run, solve_args):
    """Route the plan's buses, re-calibrate the model's bus estimate and re-solve, until
    the model's bus cost and the routed one agree within ``bus_estimate_tolerance``."""
    rounds: list[dict] = []
    years = [int(y) for y in problem.years]
    for i in range(scenario.bus_calibration_rounds + 1):
        buses = route_plan(tables.assignments, district, scenario, map_tasks=run)
        costs = bus_costs(problem, tables.schools, tables.pupils, buses)
        model_yuan, routed_yuan = agreement(costs, problem.year_weight, years)
        diff = abs(model_yuan - routed_yuan) / max(routed_yuan, 1.0)
        rounds.append(
            {
                "round": i,
                "model_yuan": round(model_yuan, 2),
                "routed_yuan": round(routed_yuan, 2),
                "difference": round(diff, 6),
            }
        )
        logger.info(
            "buses, round %d: model %.4g yuan, routed %.4g yuan (%.1f %%)", i, model_yuan, routed_yuan, 100 * diff
        )
        if diff <= scenario.bus_estimate_tolerance or i == scenario.bus_calibration_rounds:
            break
        ppb, kmf = calibrate(problem, tables.pupils, buses)
        problem = problem.with_bus_calibration(ppb, kmf)
        report = solve_problem(problem, map_tasks=run, start=PlanState.from_report(problem, report), **solve_args)
        if report.status == "infeasible":  # pragma: no cover - the estimate changes costs only
            raise explain_infeasible(problem, report)
        tables = extract_plan(problem, report, district, scenario)
    return problem, report, tables, buses, rounds


def _bus_summary(problem, tables, buses: dict, rounds: list[dict]) -> dict:
    """Buses, bus-km, bused pupils and yearly cost, routed and estimated, per year."""
    out: dict = {"calibration": rounds}
    years = [int(y) for y in problem.years]
    costs = bus_costs(problem, tables.schools, tables.pupils, buses) if buses else None
    for y in years:
        st = tables.schools[tables.schools["year"] == y]
        entry = {
            "buses_model": round(float(st["buses"].sum()), 1),
            "pupils_bused": int(st["bused_pupils"].sum()),
            "transport_cost_model_yuan": round(float(st["transport_cost_yuan"].sum()), 2),
        }
        if y in buses:
            t = buses[y].totals
            entry |= {
                "buses_routed": int(t["buses"]),
                "bus_km_per_day": float(t["bus_km_per_day"]),
                "pupils_routed": int(t["pupils_bused"]),
                "violations": int(t["violations"]),
                "transport_cost_routed_yuan": round(float(costs.loc[costs["year"] == y, "cost_routed_yuan"].sum()), 2),
            }
        out[str(y)] = entry
    return out


#: Variables above which a unit of the zone price keeps the zoned plan instead of being
#: solved: Mengjin's district-wide primary unit (124,489 variables) needs 34 s for its LP
#: alone, and in the quarter of the time limit it had found no plan better than the
#: zoned one.
PRICE_MAX_VARIABLES = 50_000

#: Relative gap to which each unit of the zone price is solved (the plan itself: 1e-4).
#: The district-wide kindergarten unit of Mengjin (14,969 variables) reaches 0.04 % in
#: 6.9 s and 0.01 % only in 19 s, longer than the quarter of the time limit it gets; a
#: gap keeps the price the same from run to run, where the wall clock would not.
PRICE_GAP = 5e-4


def _price_zone_rule(district, scenario, travel, demand, attendance, zoned_report, run, solve_args) -> dict:
    """What the catchment-zone rule costs: the scenario solved with catchments across the
    district, started from the zoned plan (a plan of it too), each unit solved to
    :data:`PRICE_GAP` (with a quarter of the time limit as the safety net), against the
    zoned plan: the price is at least the zoned
    objective less the best district plan found, at most less its proven bound.  Units
    whose model is the same with and without zones (the senior high schools') keep
    their zoned plan, and so does a unit of more than :data:`PRICE_MAX_VARIABLES`
    variables (not solved: its LP alone takes longer than the time it would get)."""
    free = scenario.replace(catchment_zones="district")
    zoned_problem = zoned_report.positions.problem
    problem = PlanningProblem.from_district(district, free, travel, demand, attendance).with_bus_calibration(
        zoned_problem.pupils_per_bus, zoned_problem.bus_km_per_pupil_km
    )
    args = dict(solve_args, time_limit_s=solve_args["time_limit_s"] / 4, gap=PRICE_GAP)
    report = solve_problem(
        problem,
        map_tasks=run,
        start=PlanState.from_report(zoned_problem, zoned_report),
        known=zoned_report.units,
        start_only_above=PRICE_MAX_VARIABLES,
        **args,
    )
    out = {
        "zoned_objective_yuan": round(zoned_report.objective, 2),
        "district_status": report.status,
        "district_objective_yuan": round(report.objective, 2) if np.isfinite(report.objective) else None,
        "district_bound_yuan": round(report.bound, 2) if np.isfinite(report.bound) else None,
    }
    if np.isfinite(report.bound):
        out["price_at_most_yuan"] = round(zoned_report.objective - report.bound, 2)
    if np.isfinite(report.objective):
        out["price_at_least_yuan"] = round(max(zoned_report.objective - report.objective, 0.0), 2)
    return out


def _pair_indices(problem: PlanningProblem, pairs: pd.DataFrame) -> pd.DataFrame:
    v = pd.Index(problem.village_ids).get_indexer(pairs["village_id"].astype(str))
    s = pd.Index(problem.school_ids).get_indexer(pairs["school_id"].astype(str))
    b = pairs["band"].map({b: i for i, b in enumerate(BANDS)}).to_numpy()
    ok = (v >= 0) & (s >= 0)
    return pd.DataFrame({"v": v[ok], "b": b[ok], "s": s[ok]})
