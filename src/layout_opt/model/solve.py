"""Solving the layout problem unit by unit, and combining the units exactly.

The problem splits into units (:func:`~layout_opt.model.positions.split_units`) that share
nothing but district-wide totals.  Each unit's model is small and is solved to proven
optimality.  The closure target is the one total that ties them: with ``g_u(n)`` the
optimum of unit ``u`` when at least ``n`` of its candidates close, the district optimum is

    min  sum_u g_u(n_u)   s.t.  sum_u n_u >= target,

a knapsack over the units solved exactly by dynamic programming.  ``g_u`` is evaluated
lazily: each unit is first solved freely (its closures ``m_u`` are then those that pay
for themselves, and ``g_u(n) = g_u(0)`` for every ``n <= m_u``); while the knapsack's
best choice uses a value not yet computed, that value is computed (a valid lower bound
stood in for it), so the result is the exact optimum over all unit combinations, with
the bound and gap of the unit solves.  A capital budget, when set and binding, couples
the units' investments; they are then solved as one model.  Units are independent tasks
(no shared process state): each unit's model is built here and
:func:`solve_unit_model`, a pure function of that model's arrays, solves it where the
caller's ``map_tasks`` runs it (a worker gets one unit's arrays, not the district's).
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..schema import N_GRADES
from .build import COST_TERMS, MatrixModel, build_model
from .mip import BACKENDS, SolveResult, relaxation, solve_model, to_mathopt
from .positions import Positions, Unit, split_units
from .problem import PlanningProblem

logger = logging.getLogger(__name__)

__all__ = [
    "BACKENDS",
    "SolveReport",
    "SolveResult",
    "UnitSolution",
    "knapsack",
    "relaxation",
    "solve_model",
    "solve_problem",
    "solve_unit",
    "solve_unit_model",
    "to_mathopt",
]

#: Relative gap to which each unit model is solved (the district's gap is then at most this too).
UNIT_GAP = 1e-4
#: Integer variables from which a unit is started from :func:`lp_and_fix`.
WARM_START_INTEGERS = 2_000


@dataclass(frozen=True)
class UnitSolution:
    """The chosen plan of one unit.

    Attributes
    ----------
    unit : Unit
        Schools and groups.
    model : MatrixModel
        The model solved (with the unit's closure count).
    result : SolveResult
        Its plan, bound and gap.
    closures : int
        Candidates of the unit closed in the last plan year.
    curve : dict
        ``n -> (objective, bound)`` of every closure count solved (``inf`` if
        infeasible): the unit's cost curve as far as it was needed.
    """

    unit: Unit
    model: MatrixModel
    result: SolveResult
    closures: int
    curve: dict = field(default_factory=dict)

    @property
    def terms(self) -> dict[str, float]:
        """The objective split by term (yuan)."""
        return self.model.term_values(self.result.values)


@dataclass(frozen=True)
class SolveReport:
    """Outcome of solving a whole problem.

    The objective and the bound are sums over units, so the gap is the gap of the whole
    plan against a bound proven for every combination of unit closure counts.  ``status``
    is ``optimal``, ``feasible`` (a plan, not proven within the gap), ``infeasible``
    (proven: no plan exists) or ``no_solution`` (a unit stopped at its time limit without
    any plan; nothing is proven).
    """

    status: str
    objective: float
    bound: float
    gap: float
    seconds: float
    backend: str
    units: list
    positions: Positions
    notes: dict = field(default_factory=dict)

    @property
    def size(self) -> dict:
        """Variables and constraints summed over the units' chosen models."""
        out: dict = {}
        for u in self.units:
            for k, v in u.model.size.items():
                out[k] = out.get(k, 0) + v
        return out

    def terms(self) -> dict[str, float]:
        """The objective split by term, summed over units (yuan)."""
        out = dict.fromkeys(COST_TERMS, 0.0)
        for u in self.units:
            for k, v in u.terms.items():
                out[k] += v
        return out


def closures_of(problem: PlanningProblem, model: MatrixModel, values: np.ndarray) -> int:
    """Candidates of the model's unit closed in the last plan year."""
    return _closed(model, model.unit.candidates(problem), values)


def _closed(model: MatrixModel, candidates: np.ndarray, values: np.ndarray) -> int:
    """How many of ``candidates`` (school indices) the plan ``values`` closes in the last year."""
    last = model.index["open"][candidates, -1]
    kept = sum(1 for i in last if i >= 0 and values[i] > 0.5)
    return int(len(candidates) - kept)


def solve_unit(
    problem: PlanningProblem,
    positions: Positions,
    unit: Unit,
    min_closures: int = 0,
    time_limit_s: float = 60.0,
    backend: str = "highs",
    seed: int = 0,
    threads: int = 1,
    gap: float = UNIT_GAP,
    hint: PlanState | None = None,
    capital_budget_yuan: float | None = None,
) -> tuple[MatrixModel, SolveResult]:
    """Build and solve one unit with at least ``min_closures`` closures.

    Returns
    -------
    tuple
        The model and its result (``status`` ``infeasible`` when no plan exists).
    """
    model = build_model(problem, positions, unit, min_closures=min_closures, capital_budget_yuan=capital_budget_yuan)
    values = hint.values_for(model, positions) if isinstance(hint, PlanState) else hint
    return model, solve_unit_model(model, time_limit_s, backend, seed, threads, gap, values)


def solve_unit_model(
    model: MatrixModel,
    time_limit_s: float = 60.0,
    backend: str = "highs",
    seed: int = 0,
    threads: int = 1,
    gap: float = UNIT_GAP,
    hint: np.ndarray | None = None,
) -> SolveResult:
    """Solve one built unit model: a function of the model's arrays alone, so that a
    worker process gets the unit's arrays and not the whole district.

    Parameters
    ----------
    model : MatrixModel
        From :func:`~layout_opt.model.build.build_model`.
    time_limit_s, backend, seed, threads, gap
        As for :func:`solve_problem`.
    hint : numpy.ndarray, optional
        A plan to start from (a value per variable).

    Returns
    -------
    SolveResult
        ``status`` ``infeasible`` when no plan exists.
    """
    if len(model.c) == 0:
        feasible = bool(np.all(model.row_lo <= 1e-9) and np.all(model.row_hi >= -1e-9))
        value = float(model.objective_offset)
        return SolveResult(
            status="optimal" if feasible else "infeasible",
            objective=value if feasible else float("inf"),
            bound=value if feasible else float("inf"),
            gap=0.0 if feasible else float("inf"),
            seconds=0.0,
            values=np.zeros(0) if feasible else None,
            backend=backend,
            detail="no decision",
        )
    incumbent = None
    if hint is None and backend == "highs" and int(model.integer.sum()) >= WARM_START_INTEGERS:
        hint, incumbent = lp_and_fix(model, time_limit_s, gap)
    result = solve_model(
        model,
        backend=backend,
        time_limit_s=time_limit_s,
        gap_target=gap,
        seed=seed,
        threads=threads,
        hint=hint,
        incumbent=incumbent,
    )
    if result.values is None:
        return result
    values = fewest_classes(model, result.values)
    objective = float(model.c @ values + model.objective_offset)
    gap_now = max(objective - result.bound, 0.0) / max(abs(objective), 1e-9)
    return dataclasses.replace(result, values=values, objective=objective, gap=gap_now)


def fewest_classes(model: MatrixModel, values: np.ndarray) -> np.ndarray:
    """A plan's class counts lowered to the fewest classes its pupils need, and its bus
    fleets and teacher counts fitted to the result.

    A class count costs nothing by itself: where a school's teachers follow the pupils
    per teacher and it has classrooms to spare, the solver may return any count between
    what the pupils need and the classrooms (41 classes for 1,243 seniors who need 26).
    Lowering it keeps every row (the class cap and the one-class rows ask for at least
    the pupils' need; classrooms and the teachers-per-class floor only gain) and the plan
    costs at most as much; its teachers and buses are then set to what the plan needs.

    Returns
    -------
    numpy.ndarray
        The plan's values with those class, teacher and bus counts.
    """
    out = values.copy()
    classes = model.index["classes"]
    is_class = np.zeros(len(out), dtype=bool)
    is_class[classes[classes >= 0]] = True
    rows = np.array(
        [r for family, first, stop in model.row_families if family == "class_cap" for r in range(first, stop)]
    )
    if len(rows):
        block = model.A[rows].tocoo()  # one class count per row, with coefficient -cap
        mine = is_class[block.col]
        col = np.zeros(len(rows), dtype=np.int64)
        cap = np.ones(len(rows))
        col[block.row[mine]] = block.col[mine]
        cap[block.row[mine]] = -block.data[mine]
        pupils = np.bincount(block.row[~mine], block.data[~mine] * out[block.col[~mine]], minlength=len(rows))
        # row: pupils - cap * classes <= -fixed pupils
        need = np.ceil((pupils - model.row_hi[rows]) / cap - 1e-9)
        out[col] = np.minimum(out[col], np.maximum(need, model.lb[col]))
    return _fit_continuous(model, out)


@dataclass(frozen=True)
class PlanState:
    """A plan in terms that do not depend on how a model numbers its variables, to start
    another model of the same problem from (a re-solve with other bus costs, or the same
    scenario without catchment zones).

    Attributes
    ----------
    placements : dict
        ``(q, k) -> (school, mode)`` of every group and year.
    catchments : dict
        ``(v, b, k) -> (school, mode)``.
    arrays : dict
        ``open``, ``rooms_add``, ``beds_add``, ``buses``, ``teachers``, ``board``
        (``(S, K)``) and ``classes`` (``(S, G, K)``), NaN where the plan has no value.
    """

    placements: dict
    catchments: dict
    arrays: dict

    @classmethod
    def from_report(cls, problem: PlanningProblem, report: SolveReport) -> PlanState:
        """The state of a solved report."""
        K, V, S = problem.shape
        tab = report.positions.table
        t_s, t_m = tab["s"].to_numpy(), tab["mode"].to_numpy()
        placements: dict = {}
        catchments: dict = {}
        arrays = {
            name: np.full((S, K), np.nan) for name in ("open", "rooms_add", "beds_add", "buses", "teachers", "board")
        }
        arrays["classes"] = np.full((S, N_GRADES, K), np.nan)
        for u in report.units:
            val, m = u.result.values, u.model
            if val is None:
                continue
            pl = m.placements
            col = pl["col"].to_numpy()
            on = (col < 0) | (val[np.maximum(col, 0)] > 0.5) if len(val) else col < 0
            for q, k, r in zip(pl["q"].to_numpy()[on], pl["k"].to_numpy()[on], pl["row"].to_numpy()[on]):
                placements[(int(q), int(k))] = (int(t_s[r]), int(t_m[r]))
            c = m.index["catchments"]
            if len(c):
                c = c[val[c["col"].to_numpy()] > 0.5]
                for v, b, k, r in zip(c["v"], c["b"], c["k"], c["row"]):
                    catchments[(int(v), int(b), int(k))] = (int(t_s[r]), int(t_m[r]))
            for name, a in arrays.items():
                idx = m.index[name]
                ok = idx >= 0
                a[ok] = val[idx[ok]]
        return cls(placements, catchments, arrays)

    def values_for(self, model: MatrixModel, positions: Positions) -> np.ndarray:
        """The state as a value vector of ``model`` (a start: the bus fleets and teachers
        are recomputed for the model's own estimate)."""
        tab = positions.table
        t_s, t_m = tab["s"].to_numpy(), tab["mode"].to_numpy()
        values = np.zeros(len(model.c))
        pl = model.placements
        var = pl["col"].to_numpy() >= 0
        for q, k, r, c in zip(
            pl["q"].to_numpy()[var], pl["k"].to_numpy()[var], pl["row"].to_numpy()[var], pl["col"].to_numpy()[var]
        ):
            if self.placements.get((int(q), int(k))) == (int(t_s[r]), int(t_m[r])):
                values[c] = 1.0
        c = model.index["catchments"]
        for v, b, k, r, col in zip(c["v"], c["b"], c["k"], c["row"], c["col"]):
            if self.catchments.get((int(v), int(b), int(k))) == (int(t_s[r]), int(t_m[r])):
                values[col] = 1.0
        for name, a in self.arrays.items():
            idx = model.index[name]
            ok = (idx >= 0) & np.isfinite(a)
            values[idx[ok]] = np.round(a[ok]) if name != "teachers" and name != "buses" else a[ok]
        return _fit_continuous(model, values)


#: Row families that set a bus fleet or a teacher count from the rest of a plan.
_FITTED_ROWS = ("buses", "teachers_ratio", "teachers_classes")


def _fit_continuous(model: MatrixModel, values: np.ndarray) -> np.ndarray:
    """Set each bus fleet and teacher count to what the rest of ``values`` needs: the
    largest need over its rows (pupils per bus; pupils per teacher and teachers per class)."""
    out = values.copy()
    fitted = np.zeros(len(out), dtype=bool)
    for name in ("buses", "teachers"):
        idx = model.index[name]
        fitted[idx[idx >= 0]] = True
    needs: dict[int, float] = {}
    for family, first, stop in model.row_families:
        if family not in _FITTED_ROWS:
            continue
        for r in range(first, stop):
            row = model.A.getrow(r)
            mine = fitted[row.indices]
            var, coef = int(row.indices[mine][0]), float(row.data[mine][0])
            rest = float(row.data[~mine] @ out[row.indices[~mine]])
            # rows: rest + coef * var <= hi (coef < 0) or >= lo (coef > 0)
            need = (rest - model.row_hi[r]) / -coef if coef < 0 else (model.row_lo[r] - rest) / coef
            needs[var] = max(needs.get(var, model.lb[var]), need)
    for var, need in needs.items():
        out[var] = max(need, model.lb[var])
    return out


def lp_and_fix(model: MatrixModel, time_limit_s: float, gap: float) -> tuple[np.ndarray | None, float | None]:
    """A start for the branch-and-bound: solve the LP relaxation, fix every binary it
    sets to 0 or 1, and solve what is left (a small MIP).

    Returns
    -------
    tuple
        The plan and its objective, or ``(None, None)`` when the restricted model has
        none.
    """
    lp = solve_model(relaxation(model), time_limit_s=time_limit_s, gap_target=0.0)
    if lp.values is None:
        return None, None
    x = lp.values
    binary = model.integer & (model.lb == 0) & (model.ub == 1)
    lb, ub = model.lb.copy(), model.ub.copy()
    ub[binary & (x < 1e-6)] = 0.0
    lb[binary & (x > 1 - 1e-6)] = 1.0
    r = solve_model(dataclasses.replace(model, lb=lb, ub=ub), time_limit_s=time_limit_s, gap_target=gap)
    if not r.has_plan:
        return None, None
    return r.values, r.objective


def max_closures(
    problem: PlanningProblem, positions: Positions, unit: Unit, time_limit_s: float, backend: str = "highs"
) -> int:
    """The most candidates of ``unit`` the rules allow to close (0 without candidates)."""
    cand = unit.candidates(problem)
    if len(cand) == 0:
        return 0
    model = build_model(problem, positions, unit, maximize_closures=True)
    return _max_task((model, cand, time_limit_s, backend))


def knapsack(curves: list[dict[int, float]], n_max: list[int], target: int) -> tuple[float, list[int]]:
    """Cheapest closure counts per unit with at least ``target`` closures in total.

    Parameters
    ----------
    curves : list of dict
        Per unit, ``n -> cost`` for ``n = 0 .. n_max[u]`` (``inf`` where infeasible);
        costs are for "at least ``n`` closures" and so do not decrease with ``n``.
    n_max : list of int
        Largest closure count of each unit.
    target : int
        Closures required in total.

    Returns
    -------
    tuple
        The total cost (``inf`` if no combination reaches the target) and the count
        chosen for each unit (the smallest count of equal cost, units in order).

    Examples
    --------
    >>> knapsack([{0: 10.0, 1: 12.0, 2: 20.0}, {0: 5.0, 1: 9.0}], [2, 1], 2)
    (21.0, [1, 1])
    """
    cap = max(target, 0)
    best = np.full(cap + 1, np.inf)  # best[t]: min cost with min(total, cap) = t
    best[0] = 0.0
    choice: list[np.ndarray] = []
    for u, curve in enumerate(curves):
        nxt = np.full(cap + 1, np.inf)
        arg = np.full(cap + 1, -1)
        for t in range(cap + 1):
            if not np.isfinite(best[t]):
                continue
            for n in range(n_max[u] + 1):
                cost = curve.get(n, np.inf)
                if not np.isfinite(cost):
                    break
                t2 = min(cap, t + n)
                if best[t] + cost < nxt[t2] - 1e-9:
                    nxt[t2] = best[t] + cost
                    arg[t2] = t * (n_max[u] + 2) + n
        choice.append(arg)
        best = nxt
    total = float(best[cap])
    if not np.isfinite(total):
        return total, [0] * len(curves)
    counts = [0] * len(curves)
    t = cap
    for u in range(len(curves) - 1, -1, -1):
        code = int(choice[u][t])
        prev, n = divmod(code, n_max[u] + 2)
        counts[u] = n
        t = prev
    return total, counts


def _unit_task(args: tuple) -> SolveResult:
    """One unit solve, as a task for a process pool or a cluster: the unit's model and
    the solver settings in a tuple (no district-wide arrays travel with it)."""
    model, time_limit_s, backend, seed, threads, gap, hint = args
    return solve_unit_model(model, time_limit_s, backend, seed, threads, gap, hint)


def _max_task(args: tuple) -> int:
    """The most closures of one unit, as a task: its model built with
    ``maximize_closures`` and its candidates (school indices); -1 without any plan."""
    model, candidates, time_limit_s, backend = args
    r = solve_model(model, backend=backend, time_limit_s=time_limit_s, gap_target=0.0)
    return _closed(model, candidates, r.values) if r.has_plan else -1


def solve_problem(
    problem: PlanningProblem,
    time_limit_s: float = 60.0,
    backend: str = "highs",
    seed: int = 0,
    threads: int = 1,
    forbidden_pairs=None,
    closure_target: int | None = None,
    capital_budget_yuan: float | None = None,
    start: PlanState | None = None,
    gap: float = UNIT_GAP,
    map_tasks: Callable | None = None,
    known: Sequence[UnitSolution] = (),
    start_only_above: int | None = None,
) -> SolveReport:
    """Solve the layout problem unit by unit, combined exactly over the closure target.

    Parameters
    ----------
    problem : PlanningProblem
        The arrays.
    time_limit_s : float
        Wall-clock safety limit of each unit solve, seconds.
    backend : {"highs", "scip", "cp-sat"}
        MIP backend.
    seed, threads : int
        Backend settings.
    forbidden_pairs : pandas.DataFrame, optional
        ``v``, ``b``, ``s`` triples that may not be used.
    closure_target : int, optional
        Overrides the problem's closure target (``-1``: as many as the rules allow).
    capital_budget_yuan : float, optional
        Capital the whole plan may spend (discounted yuan).
    start : PlanState, optional
        A plan of the same problem (e.g. with other bus costs, or with catchment zones)
        to start every unit from.
    gap : float
        Relative gap to which each unit is solved.
    map_tasks : callable, optional
        ``map_tasks(function, arguments) -> list_of_results``, in order: how the unit
        solves run (the built-in ``map`` by default; a process pool's ``map`` or a Dask
        client's runs them in parallel with the same results).  ``arguments`` is an
        iterable that builds each unit's model as it is drawn (a task carries that
        model's arrays, not the district's), so a pool's workers start on the first units
        while the rest are built.  The largest units are handed out first, so that
        parallel workers finish together.
    known : sequence of UnitSolution, optional
        Unit plans of another problem (e.g. the same scenario with catchment zones) to
        reuse where a unit's model is identical to a solved one, array for array (the
        senior high schools' district-wide unit is the same with or without zones).
    start_only_above : int, optional
        With ``start``: a unit whose model has more variables than this is not solved
        but keeps the start's plan (status ``feasible``, no bound), e.g. a district-wide
        unit whose LP alone would take longer than the time it is given.

    Returns
    -------
    SolveReport
    """
    t0 = time.perf_counter()
    mapper = map_tasks or (lambda fn, args: list(map(fn, args)))
    positions = Positions(problem, forbidden_pairs)
    units = split_units(positions)
    target = problem.closure_target if closure_target is None else closure_target
    candidates = [u.candidates(problem) for u in units]
    n_cand = [len(c) for c in candidates]
    work = [_placements(positions, u) for u in units]
    solved: dict[tuple[int, int], tuple[MatrixModel, SolveResult]] = {}

    def run(keys: list[tuple[int, int]]) -> None:
        # the largest units first, so that parallel workers finish together; each model is
        # built as its task is handed out, so the first units solve while the rest build
        # (units likely to keep the start's plan last: they are built while the others solve)
        def rank(key: tuple[int, int]) -> tuple[bool, int]:
            size = work[key[0]]
            return (start is not None and start_only_above is not None and size > start_only_above, -size)

        order = sorted((key for key in dict.fromkeys(keys) if key not in solved), key=rank)
        models: dict[tuple[int, int], MatrixModel] = {}
        todo: list[tuple[int, int]] = []

        def tasks() -> Iterator[tuple]:
            for key in order:
                u, n = key
                models[key] = model = build_model(problem, positions, units[u], min_closures=n)
                same = _known_result(model, units[u], known)
                if same is not None:
                    solved[key] = (model, same)
                    logger.debug("unit %d (%s): the same model as one solved before", u, units[u].label(problem))
                    continue
                hint = start.values_for(model, positions) if start is not None and n == 0 else None
                if hint is not None and start_only_above is not None and len(model.c) > start_only_above:
                    solved[key] = (model, _plan_as_result(model, hint, backend))
                    logger.info("unit %d (%s): kept the start's plan, not solved", u, units[u].label(problem))
                    continue
                todo.append(key)
                yield (model, time_limit_s, backend, seed, threads, gap, hint)

        results = mapper(_unit_task, tasks())
        for key, r in zip(todo, results, strict=True):
            solved[key] = (models[key], r)
            logger.debug(
                "unit %d (%s), >= %d closures: %s %.6g, bound %.6g, %.1f s",
                key[0],
                units[key[0]].label(problem),
                key[1],
                r.status,
                r.objective,
                r.bound,
                r.seconds,
            )

    # 1. every unit on its own
    run([(u, 0) for u in range(len(units))])
    natural = [
        closures_of(problem, solved[(u, 0)][0], solved[(u, 0)][1].values) if solved[(u, 0)][1].has_plan else -1
        for u in range(len(units))
    ]
    notes: dict = {"units": len(units), "natural_closures": int(sum(max(x, 0) for x in natural))}
    if target == -1:
        max_tasks = [
            (build_model(problem, positions, u, maximize_closures=True), cand, time_limit_s, backend)
            for u, cand in zip(units, candidates, strict=True)
            if len(cand)
        ]
        most = list(mapper(_max_task, max_tasks))
        target = int(sum(max(x, 0) for x in most))
        notes["most_closures"] = target
    # 2. the knapsack over the units, lazily
    rounds = 0
    while True:
        rounds += 1
        curves = [_curve(solved, u, n_cand[u], natural[u]) for u in range(len(units))]
        total, counts = knapsack(curves, n_cand, max(target, 0))
        if not np.isfinite(total):
            break
        missing = [(u, n) for u, n in enumerate(counts) if (u, n) not in solved and not (0 <= n <= natural[u])]
        if not missing:
            break
        run(missing)
    # 3. the chosen plan of each unit
    chosen: list[UnitSolution] = []
    infeasible = not np.isfinite(total)
    stopped = False  # a unit stopped at its time limit without any plan (nothing proven)
    for u, n in enumerate(counts if not infeasible else [0] * len(units)):
        m, r = solved[(u, n) if (u, n) in solved else (u, 0)]
        infeasible |= r.status == "infeasible"
        stopped |= not r.has_plan and r.status != "infeasible"
        curve = {nn: (rr.objective, rr.bound) for (uu, nn), (_, rr) in solved.items() if uu == u}
        closed = closures_of(problem, m, r.values) if r.has_plan else 0
        chosen.append(UnitSolution(unit=units[u], model=m, result=r, closures=closed, curve=curve))
    notes.update({"knapsack_rounds": rounds, "unit_solves": len(solved), "closure_target": int(target)})
    if infeasible:
        status, objective, bound, gap_value = "infeasible", float("inf"), float("inf"), float("inf")
    elif stopped:
        status, objective, bound, gap_value = "no_solution", float("inf"), -np.inf, float("inf")
    else:
        objective = float(sum(c.result.objective for c in chosen))
        # a unit solve stopped with a plan but no bound: its plan's cost stood in for the
        # bound to choose the counts, so the total proves nothing
        unproven = any(r.has_plan and not np.isfinite(r.bound) for _, r in solved.values())
        bound = -np.inf if unproven else float(total)
        gap_value = max(objective - bound, 0.0) / max(abs(objective), 1e-9) if np.isfinite(bound) else np.inf
        status = "optimal" if not unproven and all(c.result.status == "optimal" for c in chosen) else "feasible"
        if capital_budget_yuan is not None:
            spent = sum(c.terms["capital"] for c in chosen)
            notes["capital_before_budget"] = spent
            if spent > capital_budget_yuan + 1e-6:
                return _solve_joint(
                    problem,
                    positions,
                    units,
                    target,
                    capital_budget_yuan,
                    time_limit_s,
                    backend,
                    seed,
                    threads,
                    t0,
                    notes,
                )
    seconds = time.perf_counter() - t0
    logger.info(
        "solved %d unit(s) with %d model(s): %s, objective %.6g, bound %.6g, gap %.3g%%, %.1f s",
        len(units),
        len(solved),
        status,
        objective,
        bound,
        100 * gap_value if np.isfinite(gap_value) else float("inf"),
        seconds,
    )
    return SolveReport(status, objective, bound, gap_value, seconds, backend, chosen, positions, notes)


def _plan_as_result(model: MatrixModel, values: np.ndarray, backend: str) -> SolveResult:
    """A given plan of ``model`` as an unproven result (``no_solution`` if it breaks a row
    or a bound)."""
    activity = model.A @ values
    ok = bool(
        np.all(activity >= model.row_lo - 1e-6)
        and np.all(activity <= model.row_hi + 1e-6)
        and np.all(values >= model.lb - 1e-9)
        and np.all(values <= model.ub + 1e-9)
    )
    objective = float(model.c @ values + model.objective_offset) if ok else float("inf")
    return SolveResult(
        status="feasible" if ok else "no_solution",
        objective=objective,
        bound=-np.inf,
        gap=np.inf,
        seconds=0.0,
        values=values if ok else None,
        backend=backend,
        detail="the start's plan, not solved",
    )


def _placements(positions: Positions, unit: Unit) -> int:
    """The unit's (group, year, position) choices: a measure of its model's size, to hand
    the largest units out first."""
    K = len(positions.problem.years)
    return sum(len(positions.rows(int(q), k)) for q in unit.groups for k in range(K))


def _known_result(model: MatrixModel, unit: Unit, known: Sequence[UnitSolution]) -> SolveResult | None:
    """The result of a solved unit of ``known`` whose model equals ``model`` (same
    schools, groups, variables, rows and costs), or None."""
    for sol in known:
        same_unit = np.array_equal(sol.unit.schools, unit.schools) and np.array_equal(sol.unit.groups, unit.groups)
        if same_unit and _same_arrays(model, sol.model):
            return sol.result
    return None


def _same_arrays(a: MatrixModel, b: MatrixModel) -> bool:
    """Whether two models are the same program: variables, bounds, integrality, costs, rows."""
    if a.A.shape != b.A.shape or a.A.nnz != b.A.nnz or a.objective_offset != b.objective_offset:
        return False
    pairs = [
        (a.c, b.c),
        (a.lb, b.lb),
        (a.ub, b.ub),
        (a.integer, b.integer),
        (a.row_lo, b.row_lo),
        (a.row_hi, b.row_hi),
        (a.A.indptr, b.A.indptr),
        (a.A.indices, b.A.indices),
        (a.A.data, b.A.data),
    ]
    return all(np.array_equal(x, y) for x, y in pairs)


def _curve(solved: dict, u: int, n_cand: int, natural: int) -> dict[int, float]:
    """Lower bounds of the unit's cost for at least ``n`` closures, ``n = 0 .. n_cand``:
    exact (the proven bound) where solved, the free optimum up to its own closures, and
    otherwise the best bound of a smaller count (the cost never falls as ``n`` grows).
    A solve stopped with a plan but without a bound gives its plan's cost, which chooses
    the counts but is no bound: :func:`solve_problem` then reports none."""
    curve: dict[int, float] = {}
    floor = -np.inf
    for n in range(n_cand + 1):
        if (u, n) in solved:
            r = solved[(u, n)][1]
            if r.status == "infeasible":
                curve.update(dict.fromkeys(range(n, n_cand + 1), np.inf))
                break
            floor = max(floor, r.bound if np.isfinite(r.bound) else r.objective)
        curve[n] = floor
    return curve


def _solve_joint(problem, positions, units, target, budget, time_limit_s, backend, seed, threads, t0, notes):
    """All units as one model, for a binding capital budget."""
    joint = Unit(
        schools=np.unique(np.concatenate([u.schools for u in units])),
        groups=np.unique(np.concatenate([u.groups for u in units])),
    )
    model, r = solve_unit(
        problem,
        positions,
        joint,
        max(target, 0),
        time_limit_s,
        backend,
        seed,
        threads,
        1e-4,
        capital_budget_yuan=budget,
    )
    notes["joint_model_for_budget"] = True
    sol = UnitSolution(
        unit=joint, model=model, result=r, closures=closures_of(problem, model, r.values) if r.has_plan else 0
    )
    status = r.status if r.has_plan else "infeasible"
    return SolveReport(status, r.objective, r.bound, r.gap, time.perf_counter() - t0, backend, [sol], positions, notes)
