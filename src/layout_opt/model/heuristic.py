"""A constructive warm start for the layout model: greedy closures, then local search.

The exact solvers prove bounds quickly but struggle to find good plans on their own
(integer classes per grade make capacity lumpy).  This module builds a complete, usually
feasible plan in well under a second:

1. every village band goes to its cheapest school (travel plus boarding cost);
2. closure candidates are closed greedily, the one whose pupils lose least first, until
   the target is met (closures happen in the first planning year);
3. a local search moves whole catchments (a village band, all years at once) to the school
   that lowers the total cost most, where the cost of a school is exact: classrooms for
   the integer classes of every grade, beds, school-size cap; rule violations carry a
   large penalty so the search can walk out of them.

The result is a full variable vector of :class:`~layout_opt.model.build.MatrixModel`
that the solver receives as a hint and as the incumbent to beat.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from ..schema import BANDS, GRADES_OF_BAND
from .build import MatrixModel
from .problem import BOARDING, PlanningProblem

logger = logging.getLogger(__name__)

PENALTY_YUAN = 1e9


@dataclass(frozen=True)
class WarmStart:
    """A heuristic plan.

    Attributes
    ----------
    values : numpy.ndarray
        One value per model variable.
    objective : float
        Its objective (yuan); ``inf`` if it breaks a rule.
    feasible : bool
        True when it satisfies every constraint of the model.
    """

    values: np.ndarray
    objective: float
    feasible: bool


class _State:
    """Loads per school and year, and their exact cost."""

    def __init__(self, problem: PlanningProblem, model: MatrixModel):
        self.p = problem
        self.m = model
        K, V, S = problem.shape
        self.K, self.S = K, S
        pairs = model.pairs
        self.pv, self.pb, self.ps, self.pm = (pairs[c].to_numpy() for c in ("v", "b", "s", "mode"))
        x = model.index["x"]
        self.pair_cost = np.where(x >= 0, model.c[np.maximum(x, 0)], np.inf)  # (P, K)
        self.pair_active = x >= 0
        self.grade_load = np.zeros((S, K, 12))
        self.board_load = np.zeros((S, K))
        self.demand = problem.demand.astype(float)  # (K, V, 12)
        self.bd = problem.band_demand().astype(float)
        self.group = problem.class_group
        self.cap = np.where(problem.class_cap > 0, problem.class_cap, 1)

    def school_cost(self, s: int, grade_load: np.ndarray, board_load: np.ndarray) -> float:
        """Exact capital cost plus penalties of school ``s`` with the given loads."""
        p = self.p
        K = self.K
        # classes per group: sum the grades of a group, then ceil
        total_classes = np.zeros(K)
        grp = self.group[s]
        for gfirst in np.unique(grp[grp >= 0]):
            members = np.flatnonzero(grp == gfirst)
            load = grade_load[:, members].sum(axis=1)
            total_classes += np.ceil(load / self.cap[s, gfirst] - 1e-9)
        need = np.maximum(total_classes - p.rooms[s], 0)
        add = need.max(initial=0.0)
        cost = 0.0
        over = max(add - p.max_added_rooms[s], 0.0)
        cost += p.room_cost_yuan[s] * min(add, p.max_added_rooms[s]) + PENALTY_YUAN * over
        size = grade_load.sum(axis=1)
        cost += PENALTY_YUAN * np.maximum(size - p.size_cap[s], 0).sum() / 100.0
        bneed = np.maximum(board_load - p.beds[s], 0).max(initial=0.0)
        if bneed > 0:
            cost += p.bed_cost_yuan[s] * bneed if p.may_add_beds[s] else PENALTY_YUAN * bneed / 100.0
        return cost


def warm_start(problem: PlanningProblem, model: MatrixModel, sweeps: int = 8) -> WarmStart:
    """Build a heuristic plan for ``model``.

    Parameters
    ----------
    problem : PlanningProblem
        The arrays the model was built from.
    model : MatrixModel
        The built model (pairs, index maps, costs).
    sweeps : int
        Rounds of the local search (each visits every catchment once).

    Returns
    -------
    WarmStart
    """
    st = _State(problem, model)
    K, V, S = problem.shape
    avail = problem.available()  # (K, S)
    closed = np.zeros(S, dtype=bool)
    closed |= ~avail.any(axis=0)

    # catchments: (v, b) -> list of pair ids
    keys = st.pv * len(BANDS) + st.pb
    order = np.argsort(keys, kind="stable")
    uniq, start = np.unique(keys[order], return_index=True)
    groups = {int(k): order[a:b] for k, a, b in zip(uniq, start, np.append(start[1:], len(order)))}

    # Per-year assignment (pairs may be unavailable some years: planned schools open later)
    assign = np.full((len(uniq), K), -1)
    key_list = list(groups)

    def best_per_year(gi: int) -> np.ndarray:
        pids = groups[key_list[gi]]
        out = np.full(K, -1)
        for k in range(K):
            costs = np.array(
                [st.pair_cost[p, k] if st.pair_active[p, k] and not closed[st.ps[p]] else np.inf for p in pids]
            )
            if np.isfinite(costs).any():
                out[k] = pids[int(np.argmin(costs))]
        return out

    for gi in range(len(key_list)):
        assign[gi] = best_per_year(gi)

    # Greedy closures: close the candidate whose pupils lose least, until the target.
    cand = np.flatnonzero(problem.candidate & avail[-1])
    target = model.notes.get("closure_target", problem.closure_target)
    n_forced = int((problem.candidate & ~avail[-1]).sum())
    to_close = max(int(target) - n_forced, 0) if target is not None and target >= 0 else len(cand)
    users: dict[int, set[int]] = {int(s): set() for s in range(S)}

    def rebuild_users() -> None:
        for u in users.values():
            u.clear()
        for gi in range(len(key_list)):
            for k in range(K):
                if assign[gi, k] >= 0:
                    users[int(st.ps[assign[gi, k]])].add(gi)

    rebuild_users()

    def closure_penalty(s: int) -> float:
        loss = 0.0
        closed[s] = True
        for gi in users[s]:
            alt = best_per_year(gi)
            for k in range(K):
                if assign[gi, k] >= 0 and st.ps[assign[gi, k]] == s:
                    if alt[k] < 0:
                        closed[s] = False
                        return np.inf
                    loss += st.pair_cost[alt[k], k] - st.pair_cost[assign[gi, k], k]
        closed[s] = False
        return loss

    for _ in range(min(to_close, len(cand))):
        open_c = [int(s) for s in cand if not closed[s]]
        pen = np.array([closure_penalty(s) for s in open_c])
        if not np.isfinite(pen).any():
            break
        s = open_c[int(np.argmin(pen))]
        closed[s] = True
        for gi in list(users[s]):
            assign[gi] = best_per_year(gi)
        rebuild_users()

    # loads
    def add_load(gi: int, sign: float) -> None:
        for k in range(K):
            pid = assign[gi, k]
            if pid < 0:
                continue
            v, b, s = st.pv[pid], st.pb[pid], st.ps[pid]
            grades = [g - 1 for g in GRADES_OF_BAND[BANDS[b]]]
            st.grade_load[s, k, grades] += sign * st.demand[k, v, grades]
            if st.pm[pid] == BOARDING:
                st.board_load[s, k] += sign * st.bd[k, v, b]

    for gi in range(len(key_list)):
        add_load(gi, 1.0)
    school_cost = np.array([st.school_cost(s, st.grade_load[s], st.board_load[s]) for s in range(S)])

    # Local search: move a catchment (all its years) to another school.
    for sweep in range(sweeps):
        improved = 0
        for gi in range(len(key_list)):
            pids = groups[key_list[gi]]
            cur = assign[gi].copy()
            cur_schools = {int(st.ps[p]) for p in cur if p >= 0}
            base_travel = sum(st.pair_cost[cur[k], k] for k in range(K) if cur[k] >= 0)
            best_delta, best_assign = -1.0, None
            # remove current loads once
            add_load(gi, -1.0)
            by_school: dict[int, list[int]] = {}
            for p in pids:
                by_school.setdefault(int(st.ps[p]), []).append(int(p))
            for s2, plist in by_school.items():
                if closed[s2]:
                    continue
                new = np.full(K, -1)
                ok = True
                for k in range(K):
                    if st.bd[k, st.pv[plist[0]], st.pb[plist[0]]] <= 0:
                        continue
                    act = [p for p in plist if st.pair_active[p, k]]
                    if act:
                        new[k] = act[0]
                    elif cur[k] >= 0 and int(st.ps[cur[k]]) != s2:
                        new[k] = cur[k]  # keep this year's school (e.g. before s2 opens)
                    else:
                        ok = False
                        break
                if not ok or np.array_equal(new, cur):
                    continue
                travel = sum(st.pair_cost[new[k], k] for k in range(K) if new[k] >= 0)
                # cost change at touched schools
                touched = cur_schools | {int(st.ps[p]) for p in new if p >= 0}
                assign[gi] = new
                add_load(gi, 1.0)
                after = {s: st.school_cost(s, st.grade_load[s], st.board_load[s]) for s in touched}
                add_load(gi, -1.0)
                assign[gi] = cur
                delta = travel - base_travel + sum(after[s] - school_cost[s] for s in touched)
                if delta < best_delta - 1e-6:
                    best_delta, best_assign = delta, new
            if best_assign is not None:
                assign[gi] = best_assign
                improved += 1
            add_load(gi, 1.0)
            for s in {int(st.ps[p]) for p in cur if p >= 0} | {int(st.ps[p]) for p in assign[gi] if p >= 0}:
                school_cost[s] = st.school_cost(s, st.grade_load[s], st.board_load[s])
        logger.debug("warm start sweep %d: %d moves", sweep, improved)
        if improved == 0:
            break

    values = _to_vector(problem, model, st, assign, closed)
    viol = _violation(model, values)
    feasible = viol <= 1e-6
    obj = float(model.c @ values) if feasible else np.inf
    logger.info("warm start: objective %.6g, feasible %s (max violation %.3g)", obj, feasible, viol)
    return WarmStart(values=values, objective=obj, feasible=feasible)


def _to_vector(
    problem: PlanningProblem, model: MatrixModel, st: _State, assign: np.ndarray, closed: np.ndarray
) -> np.ndarray:
    K, V, S = problem.shape
    idx = model.index
    val = np.zeros(len(model.c))
    for k in range(K):
        used = assign[:, k]
        used = used[used >= 0]
        val[idx["x"][used, k]] = 1.0
    op = idx["open"]
    for s, k in np.argwhere(op >= 0):
        val[op[s, k]] = 0.0 if closed[s] else 1.0
    cls = idx["classes"]
    group = problem.class_group
    need_rooms = np.zeros((S, K))
    for s in range(S):
        for k in range(K):
            for gfirst in np.unique(group[s][group[s] >= 0]):
                if cls[s, gfirst, k] < 0:
                    continue
                members = np.flatnonzero(group[s] == gfirst)
                n = np.ceil(st.grade_load[s, k, members].sum() / st.cap[s, gfirst] - 1e-9)
                val[cls[s, gfirst, k]] = n
                need_rooms[s, k] += n
    ra = idx["rooms_add"]
    ba = idx["beds_add"]
    cum_rooms = np.maximum.accumulate(np.maximum(need_rooms - problem.rooms[:, None], 0), axis=1)
    cum_beds = np.maximum.accumulate(np.maximum(st.board_load - problem.beds[:, None], 0), axis=1)
    board = idx["board"]
    for s in range(S):
        if (ra[s] >= 0).all():
            val[ra[s]] = np.minimum(cum_rooms[s], problem.max_added_rooms[s])
    _boarding_rule(problem, model, cum_beds, closed)
    for s in range(S):
        if (ba[s] >= 0).all():
            val[ba[s]] = cum_beds[s]
    for s, k in np.argwhere(board >= 0):
        has = problem.beds[s] + (cum_beds[s, k] if ba[s, k] >= 0 else 0) >= problem.min_boarding_beds
        val[board[s, k]] = 1.0 if has and not closed[s] else 0.0
    return val


def _boarding_rule(problem: PlanningProblem, model: MatrixModel, cum_beds: np.ndarray, closed: np.ndarray) -> None:
    """Add beds where a town would otherwise lack a boarding school (in place)."""
    board = model.index["board"]
    ba = model.index["beds_add"]
    K = board.shape[1]
    for t in np.flatnonzero(problem.town_needs_boarding):
        for b in (BANDS.index("upper_primary"), BANDS.index("junior")):
            elig = np.flatnonzero((problem.town == t) & problem.teaches[:, b] & (board >= 0).any(axis=1) & ~closed)
            if len(elig) == 0:
                continue
            for k in range(K):
                have = [
                    s
                    for s in elig
                    if board[s, k] >= 0 and problem.beds[s] + cum_beds[s, k] >= problem.min_boarding_beds
                ]
                if len(have) >= problem.boarding_schools_per_town:
                    continue
                addable = [s for s in elig if board[s, k] >= 0 and ba[s, k] >= 0 and s not in have]
                addable.sort(
                    key=lambda s: (
                        (problem.min_boarding_beds - problem.beds[s] - cum_beds[s, k]) * problem.bed_cost_yuan[s]
                    )
                )
                for s in addable[: problem.boarding_schools_per_town - len(have)]:
                    extra = problem.min_boarding_beds - problem.beds[s] - cum_beds[s, k]
                    cum_beds[s, k:] += max(extra, 0)


def _violation(model: MatrixModel, values: np.ndarray) -> float:
    act = model.A @ values
    v = np.maximum(model.row_lo - act, 0).max(initial=0.0)
    v = max(v, np.maximum(act - model.row_hi, 0).max(initial=0.0))
    v = max(v, np.maximum(model.lb - values, 0).max(initial=0.0), np.maximum(values - model.ub, 0).max(initial=0.0))
    return float(v)
