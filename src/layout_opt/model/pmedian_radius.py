"""The uncapacitated p-median by its radius formulation, for instances with many pairs.

Without capacities every demand point is served by its nearest open facility, so a point
needs no assignment variables, only to know how far its nearest open facility is.  For
point ``i`` let ``D_i^0 < D_i^1 < ... < D_i^(K_i - 1)`` be the distinct costs of its
allowed facilities and ``z_i^k`` say that no open facility costs ``D_i^k`` or less (the
radius, or covering, formulation of García, Labbé and Marín, 2011, whose inequalities
``z_i^k + sum_{j: c_ij <= D_i^k} y_j >= 1`` are Elloumi's, 2010)::

    min  sum_i d_i (D_i^0 + sum_k (D_i^(k+1) - D_i^k) z_i^k)
    s.t. z_i^(k-1) - z_i^k - sum_{j: c_ij = D_i^k} y_j <= 0      (z_i^(-1) = 1)
         sum_j y_j = p,   y binary,   z >= 0

Written level by level (the rows telescope into Elloumi's), every allowed pair is one
nonzero and every level one row and one continuous column: on a 1,000-node graph with
integer edge lengths that is about 36 rows per point instead of the strong formulation's
1,000.  Its LP bound is the strong formulation's.

Three reductions keep the model small; each keeps every plan at least as good as the
greedy plan (cost ``U``), so the optimum is never cut off:

* **Elloumi's rule.**  Exactly ``p`` facilities open, so once ``S - p + 1`` facilities
  cost ``D_i^k`` or less one of them is open: ``z_i^k = 0`` from there on.
* **Lagrangian fixing.**  Relaxing each point's "served once" constraint with a
  multiplier ``lambda_i`` gives the bound ``L = sum_i lambda_i + (sum of the p smallest
  rho_j)``, ``rho_j = sum_i min(0, d_i c_ij - lambda_i)``, improved by subgradient steps.
  A facility whose forced opening lifts ``L`` above ``U`` is in no plan as good as the
  greedy one and is dropped; one whose forced closing does is fixed open.
* **Radii.**  A point's levels are written only up to a radius ``R_i``; beyond it the
  point is charged the next level, a relaxation.  With ``R_i`` at least
  ``lambda_i / d_i`` the relaxation's Lagrangian bound, hence its LP bound, is not below
  ``L``.  The MIP's plan is then priced exactly: points served beyond their radius get a
  larger one and the MIP is solved again, until its bound reaches the best exact cost.
  The radii start at the larger of the greedy plan's cost and ``lambda_i / d_i``, plus a
  margin (a share of the greedy plan's median cost per point), which on the benchmark's
  random graphs made one MIP enough in most cases.

Used by :func:`layout_opt.model.pmedian.solve_pmedian`; the arrays go to
:func:`layout_opt.model.mip.solve_model` like every model of the library.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from .mip import MipArrays, solve_model

logger = logging.getLogger(__name__)

#: HiGHS options of the radius formulation.  Its LP is degenerate for the simplex method
#: and much faster by interior point (the root LP of the 1,000-node, p = 10 benchmark
#: instance: 0.8 s against 4.4 s); the MIP starts from the greedy plan, so the
#: sub-MIP heuristics (several seconds each) and strong branching (most of the remaining
#: time) are switched off.  See ``benchmarks/README.md``.
RADIUS_HIGHS_OPTIONS = {
    "mip_lp_solver": "ipm",
    "mip_heuristic_effort": 0.0,
    "mip_heuristic_run_root_reduced_cost": False,
    "mip_heuristic_run_rins": False,
    "mip_heuristic_run_rens": False,
    "mip_pscost_minreliable": 0,
}

#: Margin added to the starting radii, as a share of the greedy plan's median cost per
#: demand point.
RADIUS_MARGIN = 0.25


@dataclass(frozen=True)
class LagrangianBound:
    """A Lagrangian lower bound of the uncapacitated p-median.

    Attributes
    ----------
    value : float
        The bound, in cost x demand units.
    multipliers : numpy.ndarray
        ``(V,)`` multiplier of each point's "served once" constraint.
    rho : numpy.ndarray
        ``(S,)`` reduced cost of opening each facility at these multipliers.
    iterations : int
        Subgradient steps taken.
    """

    value: float
    multipliers: np.ndarray
    rho: np.ndarray
    iterations: int


def _lagrangian_value(weighted: np.ndarray, multipliers: np.ndarray, p: int) -> tuple[float, np.ndarray, np.ndarray]:
    reduced = np.minimum(weighted - multipliers[:, None], 0.0)
    rho = reduced.sum(axis=0)
    chosen = np.argpartition(rho, p - 1)[:p] if p < len(rho) else np.arange(len(rho))
    return float(multipliers.sum() + rho[chosen].sum()), rho, chosen


def lagrangian_bound(
    weighted: np.ndarray,
    p: int,
    upper_bound: float,
    start: np.ndarray,
    max_iterations: int = 1000,
    patience: int = 20,
    min_step: float = 1e-3,
    target: float | None = None,
) -> LagrangianBound:
    """Lagrangian bound of the uncapacitated p-median by subgradient optimisation.

    Parameters
    ----------
    weighted : numpy.ndarray
        ``(V, S)`` demand-weighted cost ``d_i c_ij``; ``inf`` where the pair is not allowed.
    p : int
        Facilities to open.
    upper_bound : float
        Cost of a known plan (the step size aims at it).
    start : numpy.ndarray
        ``(V,)`` starting multipliers (e.g. the known plan's cost per point).
    max_iterations : int
        Subgradient steps at most.
    patience : int
        Steps without improvement before the step size is halved.
    min_step : float
        Stop when the step factor falls below this.
    target : float, optional
        Stop as soon as the bound reaches this (e.g. the upper bound less the gap target).

    Returns
    -------
    LagrangianBound
        The best bound found and its multipliers; valid for any multipliers, so stopping
        early only makes it weaker.
    """
    multipliers = np.asarray(start, dtype=float).copy()
    best, best_multipliers = -np.inf, multipliers.copy()
    step, since = 2.0, 0
    buffer = np.empty_like(weighted)
    iterations = 0
    for iterations in range(1, max_iterations + 1):
        np.subtract(weighted, multipliers[:, None], out=buffer)
        np.minimum(buffer, 0.0, out=buffer)
        rho = buffer.sum(axis=0)
        chosen = np.argpartition(rho, p - 1)[:p] if p < len(rho) else np.arange(len(rho))
        value = float(multipliers.sum() + rho[chosen].sum())
        if iterations == 1 or value > best + 1e-12 * max(abs(best), 1.0):
            best, best_multipliers, since = value, multipliers.copy(), 0
        else:
            since += 1
            if since >= patience:
                step, since = step / 2.0, 0
        if (target is not None and best >= target) or step < min_step:
            break
        # points served by no or by several of the chosen facilities
        subgradient = 1.0 - (buffer[:, chosen] < 0.0).sum(axis=1)
        norm = float(subgradient @ subgradient)
        if norm == 0.0:
            break
        multipliers = (
            multipliers + step * max(upper_bound - value, 1e-9 * max(abs(upper_bound), 1.0)) / norm * subgradient
        )
    value, rho, _ = _lagrangian_value(weighted, best_multipliers, p)
    return LagrangianBound(value=value, multipliers=best_multipliers, rho=rho, iterations=iterations)


def lagrangian_fixing(bound: LagrangianBound, p: int, upper_bound: float) -> tuple[np.ndarray, np.ndarray]:
    """Facilities that no plan costing ``upper_bound`` or less opens, or that all open.

    Forcing facility ``j`` open (closed) raises the Lagrangian bound by the difference
    between its ``rho_j`` and the ``p``-th (``p + 1``-th) smallest; when the raised bound
    exceeds ``upper_bound``, no plan costing at most ``upper_bound`` opens (closes) ``j``.

    Returns
    -------
    drop, fix_open : numpy.ndarray
        ``(S,)`` bool masks.
    """
    rho = bound.rho
    S = len(rho)
    order = np.argsort(rho, kind="stable")
    chosen = np.zeros(S, dtype=bool)
    chosen[order[:p]] = True
    tolerance = 1e-7 * max(abs(upper_bound), 1.0)
    drop = ~chosen & (bound.value + rho - rho[order[p - 1]] > upper_bound + tolerance)
    fix_open = np.zeros(S, dtype=bool)
    if p < S:
        fix_open = chosen & (bound.value + rho[order[p]] - rho > upper_bound + tolerance)
    return drop, fix_open


@dataclass(frozen=True)
class RadiusModel:
    """The radius formulation of one uncapacitated p-median, as arrays.

    Attributes
    ----------
    mip : MipArrays
        Variables: ``y`` of the kept facilities first, then the ``z`` of every point.
    facilities : numpy.ndarray
        ``(S',)`` column of ``cost`` of each ``y``.
    z_point : numpy.ndarray
        Demand point of each ``z``.
    z_level : numpy.ndarray
        Cost ``D_i^k`` of each ``z`` (the ``z`` is 1 when the point's nearest open
        facility costs more).
    ceiling : numpy.ndarray
        ``(V,)`` the most a point is charged: the level after its radius; ``inf`` where
        its levels are written in full (the point is priced exactly).
    """

    mip: MipArrays
    facilities: np.ndarray
    z_point: np.ndarray
    z_level: np.ndarray
    ceiling: np.ndarray

    def values(self, is_open: np.ndarray, served_cost: np.ndarray) -> np.ndarray:
        """The variable values of a plan.

        Parameters
        ----------
        is_open : numpy.ndarray
            ``(S,)`` bool over all facilities (only kept ones may be open).
        served_cost : numpy.ndarray
            ``(V,)`` cost per unit of each point's nearest open facility.

        Returns
        -------
        numpy.ndarray
            One value per variable of :attr:`mip`.
        """
        y = is_open[self.facilities].astype(float)
        return np.concatenate([y, (served_cost[self.z_point] > self.z_level).astype(float)])


def radius_model(
    cost: np.ndarray,
    demand: np.ndarray,
    p: int,
    allowed: np.ndarray,
    radius: np.ndarray,
    facilities: np.ndarray,
    fixed_open: np.ndarray | None = None,
    integer_levels: bool = False,
) -> RadiusModel:
    """Build the radius formulation on some facilities, each point's levels up to a radius.

    Parameters
    ----------
    cost : numpy.ndarray
        ``(V, S)`` cost per unit of demand.
    demand : numpy.ndarray
        ``(V,)`` demand per point.
    p : int
        Facilities to open.
    allowed : numpy.ndarray
        ``(V, S)`` bool, pairs that may be used.
    radius : numpy.ndarray
        ``(V,)`` a point's levels are written up to this cost (``inf``: all of them).
    facilities : numpy.ndarray
        Columns of ``cost`` that may open, ascending (the others stay closed).
    fixed_open : numpy.ndarray, optional
        ``(S,)`` bool, facilities that must open (each must be in ``facilities``).
    integer_levels : bool
        Declare the ``z`` integer (for backends without continuous variables).

    Returns
    -------
    RadiusModel
        A point's charge is exact when its nearest open facility is within its radius
        (or all its levels are written), otherwise the level after its radius.
    """
    facilities = np.asarray(facilities, dtype=np.int64)
    V = cost.shape[0]
    S = len(facilities)
    need = S - int(p) + 1  # among this many facilities one is open
    sub_cost = cost[:, facilities]
    sub_allowed = allowed[:, facilities]
    rows, cols, vals, hi, c_z, z_point, z_level = [], [], [], [], [], [], []
    ceiling = np.full(V, np.inf)
    m = 0  # rows so far
    nz = S  # columns so far
    offset = 0.0
    for i in range(V):
        js = np.flatnonzero(sub_allowed[i])
        if len(js) == 0:
            raise ValueError(f"demand point {i} has no allowed facility among the {S} kept")
        if demand[i] <= 0:
            # no cost, but it must be served: only binding with few allowed facilities
            if len(js) < need:
                rows.append(np.full(len(js), m))
                cols.append(js)
                vals.append(-np.ones(len(js)))
                hi.append(np.array([-1.0]))
                m += 1
            continue
        levels, level_of = np.unique(sub_cost[i, js], return_inverse=True)
        within = np.cumsum(np.bincount(level_of))
        last = min(int(np.searchsorted(within, need)), len(levels) - 1)  # Elloumi: z = 0 from here
        written = max(int(np.searchsorted(levels, radius[i], side="right")), 1)
        if written > last:
            n_z, n_rows = last, last + 1
        else:
            n_z, n_rows = written, written
            ceiling[i] = levels[written]
        offset += float(demand[i] * levels[0])
        zc = nz + np.arange(n_z)
        c_z.append(demand[i] * (levels[1 : n_z + 1] - levels[:n_z]))
        z_point.append(np.full(n_z, i))
        z_level.append(levels[:n_z])
        near = level_of < n_rows
        rows += [m + level_of[near], m + np.arange(n_z), m + np.arange(1, n_rows)]
        cols += [js[near], zc, zc[: n_rows - 1]]
        vals += [-np.ones(int(near.sum())), -np.ones(n_z), np.ones(n_rows - 1)]
        h = np.zeros(n_rows)
        h[0] = -1.0
        hi.append(h)
        m += n_rows
        nz += n_z
    # exactly p open
    rows.append(np.full(S, m))
    cols.append(np.arange(S))
    vals.append(np.ones(S))
    row_lo = np.concatenate([np.full(m, -np.inf), [float(p)]])
    row_hi = np.concatenate([*hi, [float(p)]])
    m += 1
    n = nz
    A = sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(m, n))
    lb = np.zeros(n)
    if fixed_open is not None:
        lb[:S] = fixed_open[facilities]
    integer = np.zeros(n, dtype=bool)
    integer[: S if not integer_levels else n] = True
    mip = MipArrays(
        c=np.concatenate([np.zeros(S), *c_z]),
        lb=lb,
        ub=np.ones(n),
        integer=integer,
        A=A,
        row_lo=row_lo,
        row_hi=row_hi,
        objective_offset=offset,
    )
    return RadiusModel(
        mip=mip,
        facilities=facilities,
        z_point=np.concatenate(z_point) if z_point else np.zeros(0, dtype=np.int64),
        z_level=np.concatenate(z_level) if z_level else np.zeros(0),
        ceiling=ceiling,
    )


@dataclass(frozen=True)
class RadiusSolve:
    """Outcome of :func:`solve_radius`.

    Attributes
    ----------
    objective : float
        Exact cost of the best plan (the greedy plan's at worst).
    bound : float
        Proven lower bound.
    open : numpy.ndarray
        ``(S,)`` bool, the best plan's open facilities.
    solves : int
        MIPs solved (0 when the Lagrangian bound already proved the greedy plan).
    lagrangian : float
        The Lagrangian bound.
    dropped, fixed_open : int
        Facilities dropped and fixed open by Lagrangian fixing.
    size : dict
        ``variables``, ``constraints``, ``nonzeros`` of the last MIP.
    detail : str
        The last backend's termination detail and the counts above.
    """

    objective: float
    bound: float
    open: np.ndarray
    solves: int
    lagrangian: float
    dropped: int
    fixed_open: int
    size: dict
    detail: str


def served_cost(masked_cost: np.ndarray, is_open: np.ndarray) -> np.ndarray:
    """``(V,)`` cost per unit of each point's nearest open facility (``inf`` if none)."""
    if not is_open.any():
        return np.full(masked_cost.shape[0], np.inf)
    return masked_cost[:, is_open].min(axis=1)


def solve_radius(
    cost: np.ndarray,
    demand: np.ndarray,
    p: int,
    allowed: np.ndarray,
    start_open: np.ndarray,
    backend: str = "highs",
    time_limit_s: float = 60.0,
    gap_target: float = 1e-6,
    seed: int = 0,
    threads: int = 2,
    margin: float = RADIUS_MARGIN,
    lagrangian_iterations: int = 1000,
) -> RadiusSolve:
    """Solve the uncapacitated p-median exactly from a plan, by the radius formulation.

    Parameters
    ----------
    cost, demand, p, allowed
        As for :func:`radius_model` (validated; every point has an allowed facility).
    start_open : numpy.ndarray
        ``(S,)`` bool, ``p`` open facilities serving every point (the greedy plan).
    backend : {"highs", "scip", "cp-sat"}
        OR-Tools backend of the MIPs.
    time_limit_s : float
        Wall-clock limit of the whole solve (Lagrangian bound and MIPs), seconds.
    gap_target : float
        Relative gap at which the solve stops.
    seed, threads
        Passed to :func:`layout_opt.model.mip.solve_model`.
    margin : float
        Margin of the starting radii, as a share of the median cost per point of the
        starting plan.
    lagrangian_iterations : int
        Subgradient steps of the Lagrangian bound at most (1: the bound at the starting
        plan's costs, which fixes little).

    Returns
    -------
    RadiusSolve
        Never worse than the starting plan.
    """
    start = time.perf_counter()
    deadline = start + time_limit_s
    V, S = cost.shape
    masked = np.where(allowed, cost, np.inf)
    best_open = np.asarray(start_open, dtype=bool).copy()
    served = served_cost(masked, best_open)
    if not np.isfinite(served).all():
        raise ValueError("the starting plan leaves some demand point without an allowed open facility")
    upper = float(demand @ served)
    tolerance = gap_target * max(abs(upper), 1e-9)
    weighted_rows = demand > 0
    weighted = masked[weighted_rows] * demand[weighted_rows, None]
    lagrange = lagrangian_bound(
        weighted,
        int(p),
        upper,
        start=(demand * served)[weighted_rows],
        max_iterations=lagrangian_iterations,
        target=upper - tolerance,
    )
    lower = lagrange.value
    drop, fix_open = lagrangian_fixing(lagrange, int(p), upper)
    drop &= ~best_open  # the starting plan costs the upper bound: never dropped (guards rounding)
    detail = (
        f"Lagrangian bound {lower:.6g} after {lagrange.iterations} steps; "
        f"{int(drop.sum())} facilities dropped, {int(fix_open.sum())} fixed open"
    )
    logger.info("radius p-median: greedy %.6g, %s", upper, detail)
    result = dict(
        lagrangian=lower, dropped=int(drop.sum()), fixed_open=int(fix_open.sum()), size={}, detail=detail, solves=0
    )
    if lower >= upper - tolerance:
        return RadiusSolve(objective=upper, bound=min(lower, upper), open=best_open, **result)
    facilities = np.flatnonzero(~drop)
    multipliers = np.zeros(V)
    multipliers[weighted_rows] = lagrange.multipliers
    per_unit = np.divide(multipliers, demand, out=np.zeros(V), where=demand > 0)
    typical = float(np.median(served[weighted_rows])) if weighted_rows.any() else 0.0
    step = margin * typical
    radius = np.maximum(served, per_unit) + step
    solves = 0
    termination = ""
    while True:
        remaining = deadline - time.perf_counter()
        if remaining <= 0:
            termination = "time limit"
            break
        model = radius_model(cost, demand, p, allowed, radius, facilities, fix_open, integer_levels=backend == "cp-sat")
        hint = model.values(best_open, served)
        r = solve_model(
            model.mip,
            backend=backend,
            time_limit_s=remaining,
            gap_target=gap_target,
            seed=seed,
            threads=threads,
            hint=hint,
            incumbent=float(model.mip.c @ hint + model.mip.objective_offset),
            highs_options=RADIUS_HIGHS_OPTIONS if backend == "highs" else None,
        )
        solves += 1
        result["size"] = {
            "variables": len(model.mip.c),
            "constraints": int(model.mip.A.shape[0]),
            "nonzeros": int(model.mip.A.nnz),
            "facilities": len(facilities),
        }
        termination = r.detail
        if r.values is None:
            logger.warning("radius p-median: the backend returned no plan (%s)", r.status)
            break
        found = np.zeros(S, dtype=bool)
        found[facilities[r.values[: len(facilities)] > 0.5]] = True
        found_served = served_cost(masked, found)
        exact = float(demand @ found_served)
        if exact < upper - 1e-9 * max(abs(upper), 1.0):
            upper, best_open, served = exact, found, found_served
            tolerance = gap_target * max(abs(upper), 1e-9)
        if np.isfinite(r.bound):
            lower = max(lower, r.bound)
        short = (found_served > model.ceiling) & (demand > 0)
        logger.info(
            "radius p-median MIP %d: %d rows, %d nonzeros, relaxed %.6g, bound %.6g, exact %.6g, best %.6g, "
            "%d points beyond their radius, %.1f s",
            solves,
            model.mip.A.shape[0],
            model.mip.A.nnz,
            r.objective,
            r.bound,
            exact,
            upper,
            int(short.sum()),
            r.seconds,
        )
        if lower >= upper - tolerance or not short.any():
            break
        radius = np.where(short, found_served + step, radius)
    result["solves"] = solves
    result["detail"] = f"{termination}; {detail}; {solves} MIP(s)"
    return RadiusSolve(objective=upper, bound=min(lower, upper), open=best_open, **result)
