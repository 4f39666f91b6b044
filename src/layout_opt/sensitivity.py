"""What moves the plan: the plan re-solved with one price at a time lower and higher.

The bureau's real decision weighs buses against beds against keeping small schools.
:func:`sensitivity` re-solves a plan's problem with each price group scaled (by default
to 50 % and 150 %) and reports, for each case, what the plan becomes: closures by year,
boarders, buses, pupils who change school, the money spent and the objective.  The price
groups (:data:`PRICE_GROUPS`):

* ``buses`` — the yearly cost of a bus and the cost per bus-km;
* ``boarding`` — a boarder's yearly living cost and the cost of a bed;
* ``running`` — the yearly cost of an open school and of a teacher;
* ``time`` — the value of pupils' travel time.

Each case starts from the plan itself (a plan of every case, since only prices change)
and is solved to a relative gap of :data:`SENSITIVITY_GAP`; the buses keep the plan's
calibrated estimate (no routing).  The rows are ``summary["sensitivity"]``.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable

from .model.plan import MOVE_REASONS, extract_tables
from .model.problem import PlanningProblem
from .model.solve import PlanState, SolveReport, solve_problem

logger = logging.getLogger(__name__)

#: Relative gap of the sensitivity solves.
SENSITIVITY_GAP = 1e-3

#: Price groups and the problem fields each scales.
PRICE_GROUPS: dict[str, tuple[str, ...]] = {
    "buses": ("bus_cost_yuan", "bus_km_cost_yuan"),
    "boarding": ("boarding_cost_yuan", "bed_cost_yuan"),
    "running": ("school_cost_yuan", "teacher_cost_yuan"),
    "time": ("value_per_min_yuan",),
}

#: Chinese names of the price groups, for the report.
PRICE_GROUPS_ZH: dict[str, str] = {
    "buses": "校车费用",
    "boarding": "寄宿费用",
    "running": "办学运行费用",
    "time": "出行时间价值",
}


def scaled(problem: PlanningProblem, group: str, factor: float) -> PlanningProblem:
    """``problem`` with the prices of ``group`` multiplied by ``factor``."""
    return dataclasses.replace(problem, **{name: getattr(problem, name) * factor for name in PRICE_GROUPS[group]})


def plan_figures(problem: PlanningProblem, report: SolveReport, district) -> dict:
    """The figures of a sensitivity row for one solved report."""
    t = extract_tables(problem, report, district)
    years = [int(y) for y in problem.years]
    last = years[-1]
    st, pu, mv, cl = t["schools"], t["pupils"], t["moves"], t["closures"]
    terms = report.terms()
    moved = mv[~mv["reason"].isin(["entrant", "arrival"])]
    return {
        "status": report.status,
        "objective_yuan": round(report.objective, 2),
        "money_yuan": round(sum(v for k, v in terms.items() if k != "travel"), 2),
        "boarders": int(pu.loc[(pu["year"] == last) & (pu["mode"] == "boarding"), "pupils"].sum()),
        "buses": round(float(st.loc[st["year"] == last, "buses"].sum()), 1),
        "closures_by_year": {str(y): int((cl["year"] == y).sum()) for y in years},
        "pupils_moved": int(moved["pupils"].sum()),
        "moves_by_reason": {r: int(mv.loc[mv["reason"] == r, "pupils"].sum()) for r in MOVE_REASONS},
    }


def sensitivity(
    problem: PlanningProblem,
    report: SolveReport,
    district,
    factors: tuple[float, ...] = (0.5, 1.5),
    groups: tuple[str, ...] = tuple(PRICE_GROUPS),
    map_tasks: Callable | None = None,
    time_limit_s: float = 60.0,
    backend: str = "highs",
    forbidden_pairs=None,
) -> list[dict]:
    """The plan re-solved with each price group scaled by each factor.

    Parameters
    ----------
    problem : PlanningProblem
        The problem the plan was solved from (its bus estimate calibrated).
    report : SolveReport
        The plan's solve.
    district : layout_opt.District
        The district.
    factors : tuple of float
        Multipliers of each price group (0.5 and 1.5: -50 % and +50 %).
    groups : tuple of str
        Price groups (:data:`PRICE_GROUPS`).
    map_tasks : callable, optional
        How the unit solves run (see :func:`layout_opt.model.solve.solve_problem`).
    time_limit_s : float
        Wall-clock safety limit of each unit solve, seconds.
    backend : str
        MIP backend.
    forbidden_pairs : pandas.DataFrame, optional
        As in the plan's solve.

    Returns
    -------
    list of dict
        A base row (``change`` 0) and one row per group and factor: ``parameter``,
        ``parameter_zh``, ``change`` (factor - 1), and the figures of
        :func:`plan_figures`.
    """
    start = PlanState.from_report(problem, report)
    rows = [{"parameter": "base", "parameter_zh": "基准", "change": 0.0, **plan_figures(problem, report, district)}]
    for group in groups:
        for factor in factors:
            p = scaled(problem, group, factor)
            r = solve_problem(
                p,
                time_limit_s=time_limit_s,
                backend=backend,
                forbidden_pairs=forbidden_pairs,
                start=start,
                gap=SENSITIVITY_GAP,
                map_tasks=map_tasks,
            )
            row = {"parameter": group, "parameter_zh": PRICE_GROUPS_ZH[group], "change": round(factor - 1.0, 6)}
            if r.status == "infeasible":  # pragma: no cover - prices never make a plan infeasible
                row["status"] = "infeasible"
            else:
                row.update(plan_figures(p, r, district))
            logger.info("sensitivity %s x%.2f: %s", group, factor, row.get("status"))
            rows.append(row)
    return rows
