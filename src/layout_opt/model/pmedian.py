"""The common core of school-location models: a capacitated p-median, arrays in.

Exactly ``p`` facilities open; every demand point goes to exactly one open facility (single
assignment, 划片) within a travel cutoff; the demand a facility serves is at most its
capacity; the objective is demand-weighted cost (e.g. pupil-minutes).  This is the part
of the layout model (:mod:`layout_opt.model.build`) that classic location-allocation tools
also solve, without the policy extras (grades, classes, classrooms, boarding, years).  It
is kept as a library function so that the layout model's backends can be compared, on
identical cost matrices, with other solvers (PySAL spopt's ``PMedian``) and with a
greedy heuristic (:func:`greedy_swap_pmedian`), the vertex-substitution method of GIS
location-allocation tools.

:func:`solve_pmedian` starts from the greedy plan and never returns a worse one.  Two
exact formulations, chosen by ``formulation="auto"``:

* **strong** (:mod:`layout_opt.model.pmedian_strong`): an assignment variable and a
  linking row ``x_ij <= y_j`` per allowed pair, capacity rows if capacities are given.
  The formulation of the capacitated case: single assignment within capacities needs
  the ``x``, and a point need not go to its nearest open facility.
* **radius** (:mod:`layout_opt.model.pmedian_radius`): uncapacitated only; each point is
  charged by the distance levels of its nearest open facility (García, Labbé and Marín's
  radius formulation, with Elloumi's reduction), after Lagrangian fixing of facilities.
  No assignment variables, so it scales to 1,000-node graphs with a million pairs; it
  was also the faster one on every smaller uncapacitated instance measured.

Like spopt's ``from_cost_matrix``, the core takes arrays: a ``(V, S)`` cost per unit of
demand, ``(V,)`` demand and ``(S,)`` capacity.

Examples
--------
>>> import numpy as np
>>> from layout_opt.model.pmedian import solve_pmedian
>>> cost = np.array([[1.0, 4.0, 9.0], [3.0, 1.0, 5.0], [8.0, 2.0, 1.0]])
>>> r = solve_pmedian(cost, demand=np.array([10, 20, 30]), capacity=np.array([40, 40, 40]), p=2)
>>> r.status, r.objective, r.open.tolist(), r.assignment.tolist(), r.formulation
('optimal', 90.0, [False, True, True], [1, 1, 2], 'strong')
>>> u = solve_pmedian(cost, np.array([10, 20, 30]), None, p=1)  # no capacities: radius
>>> u.formulation, u.objective, u.assignment.tolist()
('radius', 120.0, [1, 1, 1])
"""

from __future__ import annotations

import heapq
import logging
import time
from dataclasses import dataclass, field

import numpy as np

from .mip import BACKENDS, solve_model
from .pmedian_radius import solve_radius
from .pmedian_strong import STRONG_HIGHS_OPTIONS, strong_model, strong_values

logger = logging.getLogger(__name__)

#: Backends of :func:`solve_pmedian` (those of :func:`layout_opt.model.mip.solve_model`).
PMEDIAN_BACKENDS = ("highs", "scip", "cp-sat")

#: Formulations of :func:`solve_pmedian`.
PMEDIAN_FORMULATIONS = ("auto", "strong", "radius")

#: The strong formulation of the previous versions, kept for comparison.
pmedian_model = strong_model


@dataclass(frozen=True)
class PMedianResult:
    """Outcome of a p-median solve (exact or heuristic).

    Attributes
    ----------
    status : str
        ``optimal`` (gap within the target), ``feasible`` (a solution, gap above target or
        unknown), ``infeasible`` (proven, or some demand point has no facility within the
        cutoff), ``no_solution`` (stopped without a solution).
    objective : float
        Demand-weighted cost of the best solution (cost units x demand units); ``inf``
        without one.
    bound : float
        Best proven lower bound; ``nan`` for the heuristic.
    gap : float
        ``(objective - bound) / |objective|``; ``nan`` for the heuristic, ``inf`` without
        a solution.
    open : numpy.ndarray
        ``(S,)`` bool, facility is open.
    assignment : numpy.ndarray
        ``(V,)`` facility index of each demand point, -1 where unassigned.
    seconds : float
        Wall-clock seconds in total (model build and greedy start included).
    build_seconds : float
        Wall-clock seconds before the exact solve: input checks, the greedy start and,
        for the strong formulation, building its arrays.
    backend : str
        ``highs``, ``scip``, ``cp-sat`` or ``greedy-swap``.
    size : dict
        ``variables``, ``constraints``, ``nonzeros``, ``pairs`` (of the last MIP).
    detail : str
        Backend's termination detail, or the heuristic's counts.
    formulation : str
        ``strong``, ``radius`` or ``""`` (heuristic, or no model built).
    """

    status: str
    objective: float
    bound: float
    gap: float
    open: np.ndarray
    assignment: np.ndarray
    seconds: float
    build_seconds: float
    backend: str
    size: dict = field(default_factory=dict)
    detail: str = ""
    formulation: str = ""

    @property
    def has_solution(self) -> bool:
        """True when every demand point is assigned."""
        return bool(len(self.assignment)) and bool((self.assignment >= 0).all())


def _check_inputs(
    cost: np.ndarray, demand: np.ndarray, capacity: np.ndarray | None, p: int, cutoff: float | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray]:
    """Validated float arrays and the ``(V, S)`` mask of allowed pairs."""
    cost = np.asarray(cost, dtype=float)
    if cost.ndim != 2:
        raise ValueError(f"cost must be a (demand points x facilities) matrix, got shape {cost.shape}")
    V, S = cost.shape
    demand = np.asarray(demand, dtype=float).reshape(-1)
    if demand.shape != (V,):
        raise ValueError(f"demand must have one value per row of cost ({V}), got {demand.shape[0]}")
    if (demand < 0).any() or not np.isfinite(demand).all():
        raise ValueError("demand must be finite and non-negative")
    if capacity is not None:
        capacity = np.asarray(capacity, dtype=float).reshape(-1)
        if capacity.shape != (S,):
            raise ValueError(f"capacity must have one value per column of cost ({S}), got {capacity.shape[0]}")
        if (capacity < 0).any():
            raise ValueError("capacity must be non-negative")
    if not 1 <= int(p) <= S:
        raise ValueError(f"p must be between 1 and the number of facilities ({S}), got {p}")
    allowed = np.isfinite(cost)
    if cutoff is not None:
        allowed &= cost <= cutoff
    return cost, demand, capacity, allowed


def _unreachable(allowed: np.ndarray) -> np.ndarray:
    return np.flatnonzero(~allowed.any(axis=1))


def _empty_result(V: int, S: int, status: str, backend: str, seconds: float, detail: str) -> PMedianResult:
    return PMedianResult(
        status=status,
        objective=float("inf"),
        bound=float("nan"),
        gap=float("inf"),
        open=np.zeros(S, dtype=bool),
        assignment=np.full(V, -1),
        seconds=seconds,
        build_seconds=0.0,
        backend=backend,
        detail=detail,
    )


def _nearest_open(cost: np.ndarray, allowed: np.ndarray, is_open: np.ndarray) -> np.ndarray:
    """Each point's cheapest allowed open facility (the lowest index among ties), -1 if none."""
    cols = np.flatnonzero(is_open)
    if not len(cols):
        return np.full(cost.shape[0], -1)
    sub = np.where(allowed[:, cols], cost[:, cols], np.inf)
    k = sub.argmin(axis=1)
    return np.where(np.isfinite(sub[np.arange(len(k)), k]), cols[k], -1)


def choose_formulation(capacity: np.ndarray | None) -> str:
    """The formulation ``formulation="auto"`` uses.

    The radius formulation was the faster one on every uncapacitated instance measured
    (``benchmarks/bench_pmedian.py --crossover``: random graphs of 20 to 200 nodes and the
    1x district without capacities, both started from the greedy plan; and its graph
    table up to 1,000 nodes), so the size does not enter.

    Parameters
    ----------
    capacity : numpy.ndarray or None
        Capacities, ``None`` for the uncapacitated p-median.

    Returns
    -------
    str
        ``strong`` with capacities, ``radius`` without.
    """
    return "strong" if capacity is not None else "radius"


def solve_pmedian(
    cost: np.ndarray,
    demand: np.ndarray,
    capacity: np.ndarray | None,
    p: int,
    backend: str = "highs",
    time_limit_s: float = 60.0,
    cutoff: float | None = None,
    gap_target: float = 1e-6,
    seed: int = 0,
    threads: int = 2,
    warm_start: bool = True,
    formulation: str = "auto",
) -> PMedianResult:
    """Solve a (capacitated) p-median with single assignment exactly, with OR-Tools.

    Parameters
    ----------
    cost : numpy.ndarray
        ``(V, S)`` cost of serving one unit of demand of point ``i`` from facility ``j``
        (e.g. one-way minutes); ``inf`` or ``nan`` where the pair is not allowed.
    demand : numpy.ndarray
        ``(V,)`` demand of each point (e.g. pupils).  Points with zero demand are still
        assigned (to any open facility within the cutoff, at no cost).
    capacity : numpy.ndarray or None
        ``(S,)`` demand each facility can serve (e.g. seats); ``None`` for the
        uncapacitated p-median.
    p : int
        Number of facilities to open, exactly.
    backend : {"highs", "scip", "cp-sat"}
        OR-Tools backend (see :func:`layout_opt.model.mip.solve_model`).
    time_limit_s : float
        Wall-clock limit of the exact solve, seconds (CP-SAT: also its deterministic work
        limit).  The greedy start runs first and is never cut short, so that the result
        is never worse than :func:`greedy_swap_pmedian`'s plan.
    cutoff : float, optional
        Pairs costing more than this per unit are not allowed (a travel-time limit).
    gap_target : float
        Relative gap at which the solve stops.
    seed : int
        Backend's random seed.
    threads : int
        Workers for SCIP and CP-SAT (HiGHS runs single-threaded).
    warm_start : bool
        Start from :func:`greedy_swap_pmedian`'s plan (default), so that the result is
        never worse than it.  ``False`` only for comparisons with a cold start of the
        strong formulation; the radius formulation always starts from it.
    formulation : {"auto", "strong", "radius"}
        ``auto``: :func:`choose_formulation`.  ``radius`` needs ``capacity=None`` and a
        greedy plan that serves every point (with a tight cutoff the greedy search may
        find none; the strong formulation is solved then).

    Returns
    -------
    PMedianResult
        ``status`` ``infeasible`` without calling a backend when some demand point has
        no facility within the cutoff, or when the ``p`` largest capacities cannot hold
        the demand.  ``formulation`` says which formulation was solved.

    Raises
    ------
    ValueError
        For inconsistent shapes, negative demand or capacity, ``p`` out of range, an
        unknown backend or formulation, or the radius formulation with capacities.
    """
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {sorted(BACKENDS)}, got {backend!r}")
    if formulation not in PMEDIAN_FORMULATIONS:
        raise ValueError(f"formulation must be one of {list(PMEDIAN_FORMULATIONS)}, got {formulation!r}")
    if formulation == "radius" and capacity is not None:
        raise ValueError(
            "the radius formulation serves every point from its nearest open facility, so it "
            "takes no capacities; use formulation='strong' (or 'auto')"
        )
    start = time.perf_counter()
    cost, demand, capacity, allowed = _check_inputs(cost, demand, capacity, p, cutoff)
    V, S = cost.shape
    p = int(p)
    lost = _unreachable(allowed)
    if len(lost):
        detail = f"{len(lost)} demand point(s) have no facility within the cutoff: {lost[:10].tolist()}"
        logger.info("p-median: %s", detail)
        return _empty_result(V, S, "infeasible", backend, time.perf_counter() - start, detail)
    if capacity is not None and np.sort(capacity)[-p:].sum() < demand.sum() - 1e-9:
        detail = (
            f"the {p} largest capacities hold {np.sort(capacity)[-p:].sum():g}, less than the demand {demand.sum():g}"
        )
        logger.info("p-median: %s", detail)
        return _empty_result(V, S, "infeasible", backend, time.perf_counter() - start, detail)
    pairs = int(allowed.sum())
    if formulation == "auto":
        formulation = choose_formulation(capacity)
    greedy = None
    if warm_start or formulation == "radius":
        greedy = greedy_swap_pmedian(cost, demand, capacity, p, cutoff=cutoff)
    if formulation == "radius" and greedy is not None and greedy.has_solution:
        build_s = time.perf_counter() - start
        out = solve_radius(
            cost,
            demand,
            p,
            allowed,
            greedy.open,
            backend=backend,
            time_limit_s=time_limit_s,
            gap_target=gap_target,
            seed=seed,
            threads=threads,
        )
        is_open = out.open
        assignment = _nearest_open(cost, allowed, is_open)
        gap = max(out.objective - out.bound, 0.0) / max(abs(out.objective), 1e-9)
        status = "optimal" if gap <= gap_target + 1e-12 else "feasible"
        r_objective, r_bound, r_detail = out.objective, out.bound, out.detail
        size = dict(out.size, pairs=pairs)
    else:
        if formulation == "radius":
            logger.info("p-median: the greedy plan leaves points unserved; solving the strong formulation")
        formulation = "strong"
        model, pv, ps = strong_model(cost, demand, capacity, p, allowed)
        build_s = time.perf_counter() - start
        size = {
            "variables": len(model.c),
            "constraints": int(model.A.shape[0]),
            "nonzeros": int(model.A.nnz),
            "pairs": len(pv),
        }
        hint = incumbent = None
        if greedy is not None and greedy.has_solution:
            hint = strong_values(model, pv, ps, greedy.open, greedy.assignment)
            incumbent = float(model.c @ hint)
        r = solve_model(
            model,
            backend=backend,
            time_limit_s=time_limit_s,
            gap_target=gap_target,
            seed=seed,
            threads=threads,
            hint=hint,
            incumbent=incumbent,
            highs_options=STRONG_HIGHS_OPTIONS if backend == "highs" and hint is not None else None,
        )
        is_open = np.zeros(S, dtype=bool)
        assignment = np.full(V, -1)
        if r.values is not None:
            is_open = r.values[:S] > 0.5
            chosen = np.flatnonzero(r.values[S:] > 0.5)
            assignment[pv[chosen]] = ps[chosen]
        status, r_objective, r_bound, gap, r_detail = r.status, r.objective, r.bound, r.gap, r.detail
    seconds = time.perf_counter() - start
    logger.info(
        "p-median %s (%s): %s, objective %.6g, bound %.6g, %d pairs, build %.2f s, total %.2f s",
        backend,
        formulation,
        status,
        r_objective,
        r_bound,
        pairs,
        build_s,
        seconds,
    )
    return PMedianResult(
        status=status,
        objective=r_objective,
        bound=r_bound,
        gap=gap,
        open=is_open,
        assignment=assignment,
        seconds=seconds,
        build_seconds=build_s,
        backend=backend,
        size=size,
        detail=r_detail,
        formulation=formulation,
    )


# --------------------------------------------------------------------------- the greedy baseline


class _GreedyAssigner:
    """Capacitated greedy assignment for a given set of open facilities.

    Pairs are taken in increasing order of unit cost; a point goes to its cheapest open
    facility that still has room for its whole demand (single assignment).  Points that
    fit nowhere stay unassigned and carry a penalty, so the search can walk out of them.
    """

    def __init__(self, cost: np.ndarray, demand: np.ndarray, capacity: np.ndarray | None, allowed: np.ndarray):
        V, S = cost.shape
        self.demand = demand.tolist()
        self.capacity = (np.full(S, np.inf) if capacity is None else capacity).tolist()
        self.prefs: list[list[int]] = []
        self.costs: list[list[float]] = []
        for i in range(V):
            js = np.flatnonzero(allowed[i])
            js = js[np.argsort(cost[i, js], kind="stable")]
            self.prefs.append(js.tolist())
            self.costs.append(cost[i, js].tolist())
        finite = cost[allowed]
        self.penalty = 1e3 * (float(finite.max()) + 1.0) if finite.size else 1e3

    def assign(self, is_open: list[bool]) -> tuple[float, list[int], int]:
        """Total weighted cost plus penalties, assignment, and unassigned points."""
        V = len(self.prefs)
        residual = list(self.capacity)
        ptr = [0] * V
        assignment = [-1] * V
        heap: list[tuple[float, int]] = []
        prefs, costs, demand = self.prefs, self.costs, self.demand
        for i in range(V):
            k, pr = 0, prefs[i]
            while k < len(pr) and not is_open[pr[k]]:
                k += 1
            ptr[i] = k
            if k < len(pr):
                heap.append((costs[i][k], i))
        heapq.heapify(heap)
        total = 0.0
        while heap:
            c, i = heapq.heappop(heap)
            j = prefs[i][ptr[i]]
            if residual[j] >= demand[i] - 1e-9:
                residual[j] -= demand[i]
                assignment[i] = j
                total += demand[i] * c
                continue
            k, pr = ptr[i] + 1, prefs[i]
            while k < len(pr) and not is_open[pr[k]]:
                k += 1
            ptr[i] = k
            if k < len(pr):
                heapq.heappush(heap, (costs[i][k], i))
        missing = [i for i in range(V) if assignment[i] < 0]
        total += sum(self.penalty * max(demand[i], 1.0) for i in missing)
        return total, assignment, len(missing)


class _NearestAssigner:
    """Uncapacitated assignment for a given set of open facilities, vectorised.

    The same assignment as :class:`_GreedyAssigner` without capacities: each point to its
    cheapest allowed open facility (the lowest index among ties); points with none stay
    unassigned and carry the same penalty.
    """

    def __init__(self, cost: np.ndarray, demand: np.ndarray, allowed: np.ndarray):
        self.masked = np.where(allowed, cost, np.inf)
        self.demand = demand
        finite = cost[allowed]
        penalty = 1e3 * (float(finite.max()) + 1.0) if finite.size else 1e3
        self.missing = penalty * np.maximum(demand, 1.0)

    def assign(self, is_open: list[bool]) -> tuple[float, list[int], int]:
        """Total weighted cost plus penalties, assignment, and unassigned points."""
        cols = np.flatnonzero(is_open)
        V = len(self.demand)
        if not len(cols):
            return float(self.missing.sum()), [-1] * V, V
        sub = self.masked[:, cols]
        k = sub.argmin(axis=1)
        best = sub[np.arange(V), k]
        ok = np.isfinite(best)
        total = float(np.where(ok, self.demand * np.where(ok, best, 0.0), self.missing).sum())
        return total, np.where(ok, cols[k], -1).tolist(), int((~ok).sum())


def greedy_swap_pmedian(
    cost: np.ndarray,
    demand: np.ndarray,
    capacity: np.ndarray | None,
    p: int,
    cutoff: float | None = None,
    neighbours: int = 10,
    max_passes: int = 50,
    time_limit_s: float | None = None,
) -> PMedianResult:
    """Greedy add, then vertex substitution (Teitz-Bart swaps): the GIS baseline.

    1. **Greedy add.**  Open facilities one at a time, each time the one that lowers the
       demand-weighted cost of serving every point from its nearest open facility most
       (capacities ignored; uncovered points carry a penalty), until ``p`` are open.
    2. **Assignment.**  Points go to open facilities greedily: pairs in increasing unit
       cost, a point to its cheapest open facility with room for all its demand.
    3. **Vertex substitution.**  For each open facility, try swapping it for each of the
       ``neighbours`` closed facilities nearest to the points it serves, re-assigning
       greedily; take the best improving swap; repeat passes until none improves.

    Parameters
    ----------
    cost, demand, capacity, p, cutoff
        As for :func:`solve_pmedian`.
    neighbours : int
        Closed facilities tried as replacements for each open one.
    max_passes : int
        Passes of the swap phase at most.
    time_limit_s : float, optional
        Stop swapping after this many seconds.

    Returns
    -------
    PMedianResult
        ``status`` ``feasible`` (every point assigned) or ``no_solution``; ``bound`` and
        ``gap`` are ``nan``.
    """
    start = time.perf_counter()
    cost, demand, capacity, allowed = _check_inputs(cost, demand, capacity, p, cutoff)
    V, S = cost.shape
    p = int(p)
    lost = _unreachable(allowed)
    if len(lost):
        return _empty_result(
            V,
            S,
            "infeasible",
            "greedy-swap",
            time.perf_counter() - start,
            f"{len(lost)} demand point(s) have no facility within the cutoff",
        )
    big = np.where(allowed, cost, np.inf)
    finite_max = float(cost[allowed].max())
    uncovered = 1e3 * (finite_max + 1.0)
    w = np.maximum(demand, 1e-9)[:, None]
    # 1. greedy add, uncapacitated, vectorized over candidates
    is_open = np.zeros(S, dtype=bool)
    best = np.full(V, np.inf)
    for _ in range(p):
        cur = np.where(np.isfinite(best), best, uncovered)
        new = np.minimum(cur[:, None], np.where(np.isfinite(big), big, uncovered))
        gain = (w * (cur[:, None] - new)).sum(axis=0)
        gain[is_open] = -np.inf
        j = int(np.argmax(gain))
        is_open[j] = True
        best = np.minimum(best, big[:, j])
    # 2. greedy capacitated assignment
    asg = (
        _NearestAssigner(cost, demand, allowed)
        if capacity is None
        else _GreedyAssigner(cost, demand, capacity, allowed)
    )
    open_list = is_open.tolist()
    total, assignment, missing = asg.assign(open_list)
    # 3. vertex substitution; a later pass tries many of the same open sets again, so the
    # totals are remembered (the assignment is a function of the open set)
    totals: dict[bytes, float] = {}
    passes = swaps = evaluations = 0
    deadline = None if time_limit_s is None else start + time_limit_s
    for passes in range(1, max_passes + 1):  # noqa: B007 (reported after the loop)
        improved = False
        for j_out in np.flatnonzero(np.array(open_list)):
            served = [i for i in range(V) if assignment[i] == j_out]
            if not served:
                served = np.flatnonzero(allowed[:, j_out]).tolist()
            closeness = np.where(allowed[served], big[served], np.inf).mean(axis=0) if served else np.full(S, np.inf)
            closeness[np.array(open_list)] = np.inf
            cands = [int(j) for j in np.argsort(closeness, kind="stable")[:neighbours] if np.isfinite(closeness[j])]
            best_total, best_in, best_asg = total, -1, None
            open_list[j_out] = False
            for j_in in cands:
                open_list[j_in] = True
                key = bytes(open_list)
                a = None
                if key in totals:
                    t = totals[key]
                else:
                    t, a, _ = asg.assign(open_list)
                    totals[key] = t
                    evaluations += 1
                if t < best_total - 1e-9 * max(abs(best_total), 1.0):
                    best_total, best_in, best_asg = t, j_in, a if a is not None else asg.assign(open_list)[1]
                open_list[j_in] = False
            if best_in >= 0:
                open_list[best_in] = True
                total, assignment = best_total, best_asg
                swaps += 1
                improved = True
            else:
                open_list[j_out] = True
            if deadline is not None and time.perf_counter() > deadline:
                break
        if not improved or (deadline is not None and time.perf_counter() > deadline):
            break
    assignment_arr = np.array(assignment, dtype=np.int64)
    ok = bool((assignment_arr >= 0).all())
    objective = float(sum(demand[i] * cost[i, assignment_arr[i]] for i in range(V))) if ok else float("inf")
    seconds = time.perf_counter() - start
    detail = f"{passes} pass(es), {swaps} swap(s), {evaluations} assignments evaluated"
    logger.info("greedy-swap p-median: objective %.6g, %s, %.2f s", objective, detail, seconds)
    return PMedianResult(
        status="feasible" if ok else "no_solution",
        objective=objective,
        bound=float("nan"),
        gap=float("nan"),
        open=np.array(open_list, dtype=bool),
        assignment=assignment_arr,
        seconds=seconds,
        build_seconds=0.0,
        backend="greedy-swap",
        size={"pairs": int(allowed.sum())},
        detail=detail,
    )
