"""The p-median's strong formulation as arrays: one assignment variable per allowed pair.

::

    min  sum_ij d_i c_ij x_ij
    s.t. sum_j x_ij = 1                      every demand point i
         x_ij <= y_j                         every allowed pair
         sum_i d_i x_ij <= C_j y_j           every facility j (if capacities are given)
         sum_j y_j = p
         x, y binary

It is the formulation of the capacitated case (single assignment needs the ``x``) and of
small uncapacitated instances; its size grows with the allowed pairs (one row and one
column each), which is what :mod:`layout_opt.model.pmedian_radius` avoids for large
uncapacitated ones.  :func:`layout_opt.model.pmedian.solve_pmedian` chooses between them.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from .mip import MipArrays

#: HiGHS options of the strong formulation started from the greedy plan.  With a start,
#: HiGHS' root reduced-cost sub-MIP and feasibility jump heuristics cost more than they
#: find: on the capacitated benchmark districts (``benchmarks/bench_pmedian.py``) the
#: same optimum came about 1.6x faster at 1x and 1.8x at 4x without them.
STRONG_HIGHS_OPTIONS = {"mip_heuristic_run_root_reduced_cost": False, "mip_heuristic_run_feasibility_jump": False}


def strong_model(
    cost: np.ndarray, demand: np.ndarray, capacity: np.ndarray | None, p: int, allowed: np.ndarray
) -> tuple[MipArrays, np.ndarray, np.ndarray]:
    """The (capacitated) p-median as sparse arrays, strong linking.

    Parameters
    ----------
    cost : numpy.ndarray
        ``(V, S)`` cost per unit of demand.
    demand : numpy.ndarray
        ``(V,)`` demand per point.
    capacity : numpy.ndarray or None
        ``(S,)`` capacity per facility in demand units; ``None`` for no capacities.
    p : int
        Facilities to open.
    allowed : numpy.ndarray
        ``(V, S)`` bool, pairs that may be used.

    Returns
    -------
    model : MipArrays
        Variables ``y`` (``S`` facilities) first, then ``x`` (one per allowed pair, in
        row-major order of ``allowed``).
    pair_v, pair_s : numpy.ndarray
        Demand point and facility of each ``x``.
    """
    V, S = cost.shape
    pv, ps = np.nonzero(allowed)
    P = len(pv)
    n = S + P
    xcol = S + np.arange(P)
    c = np.concatenate([np.zeros(S), demand[pv] * cost[pv, ps]])
    rows, cols, vals, lo, hi = [], [], [], [], []
    m = 0
    # assignment: sum_j x_ij = 1
    rows.append(m + pv)
    cols.append(xcol)
    vals.append(np.ones(P))
    lo.append(np.ones(V))
    hi.append(np.ones(V))
    m += V
    # strong linking: x_ij - y_j <= 0
    rows += [m + np.arange(P), m + np.arange(P)]
    cols += [xcol, ps]
    vals += [np.ones(P), -np.ones(P)]
    lo.append(np.full(P, -np.inf))
    hi.append(np.zeros(P))
    m += P
    # capacity: sum_i d_i x_ij - C_j y_j <= 0
    if capacity is not None:
        nz = demand[pv] > 0
        rows += [m + ps[nz], m + np.arange(S)]
        cols += [xcol[nz], np.arange(S)]
        vals += [demand[pv][nz], -capacity]
        lo.append(np.full(S, -np.inf))
        hi.append(np.zeros(S))
        m += S
        # aggregate capacity: sum_j C_j y_j >= sum_i d_i.  The capacity rows imply it in
        # the LP, but as one knapsack row over the y it gives HiGHS its cover cuts (10-15 %
        # faster on the benchmark's 1x and 2x districts)
        rows.append(np.full(S, m))
        cols.append(np.arange(S))
        vals.append(np.asarray(capacity, float))
        lo.append(np.array([float(demand.sum())]))
        hi.append(np.array([np.inf]))
        m += 1
    # exactly p open
    rows.append(np.full(S, m))
    cols.append(np.arange(S))
    vals.append(np.ones(S))
    lo.append(np.array([float(p)]))
    hi.append(np.array([float(p)]))
    m += 1
    A = sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(m, n))
    model = MipArrays(
        c=c,
        lb=np.zeros(n),
        ub=np.ones(n),
        integer=np.ones(n, dtype=bool),
        A=A,
        row_lo=np.concatenate(lo),
        row_hi=np.concatenate(hi),
    )
    return model, pv, ps


def strong_values(
    model: MipArrays, pair_v: np.ndarray, pair_s: np.ndarray, is_open: np.ndarray, assignment: np.ndarray
) -> np.ndarray:
    """The variable values of a plan (open facilities and the facility of every point).

    Parameters
    ----------
    model, pair_v, pair_s
        As returned by :func:`strong_model`.
    is_open : numpy.ndarray
        ``(S,)`` bool.
    assignment : numpy.ndarray
        ``(V,)`` facility of each point; every pair must be allowed.

    Returns
    -------
    numpy.ndarray
        One value per variable of ``model``.
    """
    S = len(is_open)
    values = np.zeros(len(model.c))
    values[:S] = is_open
    # x columns are in row-major order of the allowed pairs: find each point's pair
    keys = pair_v.astype(np.int64) * S + pair_s
    wanted = np.arange(len(assignment), dtype=np.int64) * S + assignment
    at = np.searchsorted(keys, wanted)
    if (at >= len(keys)).any() or (keys[np.minimum(at, len(keys) - 1)] != wanted).any():
        raise ValueError("the assignment uses a pair that is not allowed")
    values[S + at] = 1.0
    return values
