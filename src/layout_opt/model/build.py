"""Variables and constraints of the layout model of one unit, built as sparse arrays.

The model is a mixed-integer program (``min c x + offset`` s.t. ``lo <= A x <= hi``,
bounds, integrality), assembled with numpy in blocks, PyPSA-style: one ``define_*``
function per family of constraints.  ``docs/model.md`` writes the formulation out;
:mod:`layout_opt.model.solve` decides which models to build and combines their plans.

One model covers one :class:`~layout_opt.model.positions.Unit` (a set of schools and the
pupil groups that may attend them) over every plan year:

* ``x[q,k,p]`` binary: group ``q`` is at position ``p`` (school and mode) in year ``k``.
  Groups whose school is fixed by the rules (enrolled pupils at a school that stays
  open and teaches their grade) are constants, not variables;
* ``open[s,k]`` binary for closure candidates, non-increasing; ``x <= open``;
* ``classes[s,c,k]`` integer per class group (a grade, or the grades of a mixed class);
  ``rooms_add``, ``beds_add`` integer, non-decreasing; ``buses[s,k]`` integer;
  ``board[s,k]`` binary for the town boarding-school rule; ``moved[q,k]`` in [0, 1]
  when enrolled pupils may be reassigned at a price.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..schema import BANDS, N_GRADES
from .mip import MipArrays
from .positions import BOARDING_RULE_BANDS, Positions, Unit
from .problem import BOARDING, PlanningProblem

logger = logging.getLogger(__name__)

INF = np.inf

#: Objective terms, in the order they are reported.
COST_TERMS: tuple[str, ...] = ("capital", "running", "buses", "boarding", "travel", "reassignment")


class _Blocks:
    """Accumulates variables and constraint triplets."""

    def __init__(self) -> None:
        self.lb: list[np.ndarray] = []
        self.ub: list[np.ndarray] = []
        self.integer: list[np.ndarray] = []
        self.n = 0
        self.rows: list[np.ndarray] = []
        self.cols: list[np.ndarray] = []
        self.vals: list[np.ndarray] = []
        self.lo: list[float] = []
        self.hi: list[float] = []
        self.m = 0
        self.row_family: list[tuple[str, int, int]] = []
        self.row_labels: dict[int, tuple] = {}
        self.cost: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {t: [] for t in COST_TERMS}
        self.constant: dict[str, float] = dict.fromkeys(COST_TERMS, 0.0)

    def add_vars(self, n: int, lb, ub, integer: bool) -> np.ndarray:
        idx = np.arange(self.n, self.n + n)
        self.lb.append(np.broadcast_to(np.asarray(lb, float), (n,)).copy())
        self.ub.append(np.broadcast_to(np.asarray(ub, float), (n,)).copy())
        self.integer.append(np.full(n, integer))
        self.n += n
        return idx

    def add_cost(self, term: str, idx: np.ndarray, coef) -> None:
        idx = np.asarray(idx, dtype=np.int64)
        self.cost[term].append((idx, np.broadcast_to(np.asarray(coef, float), idx.shape).copy()))

    def add_pair_rows(self, family: str, a: np.ndarray, b: np.ndarray, coef_b, lo, hi) -> None:
        """Add rows ``lo <= x[a] + coef_b * x[b] <= hi``, one per element (vectorised)."""
        a = np.asarray(a, dtype=np.int64)
        n = len(a)
        if n == 0:
            return
        rows = np.arange(self.m, self.m + n)
        self.rows.append(np.r_[rows, rows])
        self.cols.append(np.r_[a, np.asarray(b, dtype=np.int64)])
        self.vals.append(np.r_[np.ones(n), np.broadcast_to(np.asarray(coef_b, float), (n,))])
        self.lo.extend(np.broadcast_to(np.asarray(lo, float), (n,)).tolist())
        self.hi.extend(np.broadcast_to(np.asarray(hi, float), (n,)).tolist())
        self.row_family.append((family, self.m, self.m + n))
        self.m += n

    def add_row(self, family: str, cols, vals, lo: float, hi: float, label: tuple | None = None) -> None:
        """Add one row ``lo <= sum vals * x[cols] <= hi``."""
        cols = np.asarray(cols, dtype=np.int64)
        if label is not None:
            self.row_labels[self.m] = label
        self.rows.append(np.full(len(cols), self.m, dtype=np.int64))
        self.cols.append(cols)
        self.vals.append(np.broadcast_to(np.asarray(vals, float), cols.shape).copy())
        self.lo.append(float(lo))
        self.hi.append(float(hi))
        if self.row_family and self.row_family[-1][0] == family and self.row_family[-1][2] == self.m:
            name, start, _ = self.row_family[-1]
            self.row_family[-1] = (name, start, self.m + 1)
        else:
            self.row_family.append((family, self.m, self.m + 1))
        self.m += 1


@dataclass(frozen=True, kw_only=True)
class MatrixModel(MipArrays):
    """A built unit model: the solver's arrays and maps to read a solution back.

    Attributes
    ----------
    unit : Unit
        The schools and groups modelled.
    placements : pandas.DataFrame
        One row per group, year and position it may take: ``q``, ``k``, ``row`` (of
        :attr:`Positions.table`), ``col`` (the variable, or -1 for a group fixed there),
        ``pupils``.
    index : dict
        Variable blocks, ``(S, K)`` or ``(S, G, K)`` arrays of column indices, -1 where
        there is no variable: ``open``, ``classes`` (by class group), ``rooms_add``,
        ``beds_add``, ``buses``, ``board``; and ``moved`` (a frame ``q, k, col``).
    fixed_open : numpy.ndarray
        ``(S, K)`` open status of the unit's schools not decided by the model (1/0), -1
        where decided; 0 for schools outside the unit.
    cost_terms : dict
        Per objective term (:data:`COST_TERMS`): coefficient vector over the variables.
    cost_constants : dict
        Per objective term: the part that no decision changes (yuan).
    row_families : list of (name, start, stop)
        Which rows belong to which constraint family.
    row_labels : dict
        Row index -> what the row is about, for explanations.
    notes : dict
        Closure count asked for, maximisation mode.
    """

    unit: Unit
    placements: pd.DataFrame
    index: dict
    fixed_open: np.ndarray
    cost_terms: dict
    cost_constants: dict
    row_families: list
    row_labels: dict = field(default_factory=dict)
    notes: dict = field(default_factory=dict)

    @property
    def size(self) -> dict:
        """Counts of variables (total, binary, integer, continuous) and constraints."""
        binary = int((self.integer & (self.lb == 0) & (self.ub == 1)).sum())
        return {
            "variables": int(len(self.c)),
            "binary": binary,
            "integer": int(self.integer.sum()) - binary,
            "continuous": int((~self.integer).sum()),
            "constraints": int(self.A.shape[0]),
            "nonzeros": int(self.A.nnz),
        }

    def term_values(self, values: np.ndarray) -> dict[str, float]:
        """The objective split by term for a solution ``values`` (yuan)."""
        return {t: float(self.cost_terms[t] @ values + self.cost_constants[t]) for t in COST_TERMS}


def build_model(
    problem: PlanningProblem,
    positions: Positions,
    unit: Unit,
    min_closures: int = 0,
    maximize_closures: bool = False,
    capital_budget_yuan: float | None = None,
) -> MatrixModel:
    """Build the layout MIP of one unit.

    Parameters
    ----------
    problem : PlanningProblem
        The arrays.
    positions : Positions
        Allowed positions of every group and year.
    unit : Unit
        The schools and groups to model.
    min_closures : int
        At least this many of the unit's closure candidates are closed in the last plan
        year.
    maximize_closures : bool
        Objective: as many closures as the rules allow (every cost term is then 0).
    capital_budget_yuan : float, optional
        At most this much capital (classrooms and beds, discounted) in the unit.

    Returns
    -------
    MatrixModel
    """
    K, V, S = problem.shape
    blk = _Blocks()
    in_unit = np.zeros(S, dtype=bool)
    in_unit[unit.schools] = True
    avail = problem.available().T  # (S, K)
    w = problem.year_weight
    fixed_open = np.where(avail & in_unit[:, None], 1, 0)
    open_idx = np.full((S, K), -1)
    for s in unit.candidates(problem):
        ks = np.flatnonzero(avail[s])
        open_idx[s, ks] = blk.add_vars(len(ks), 0, 1, True)
        fixed_open[s, ks] = -1
        blk.add_cost("running", open_idx[s, ks], w[ks] * problem.school_cost_yuan[s])
    for s in unit.schools:
        ks = np.flatnonzero(fixed_open[s] == 1)
        blk.constant["running"] += float(np.sum(w[ks]) * problem.school_cost_yuan[s])

    placements, moved, catchments = define_placements(blk, problem, positions, unit, open_idx)
    loads = _loads(problem, positions, placements)
    classes_idx, rooms_idx, beds_idx = define_capacity(blk, problem, unit, placements, loads, open_idx)
    buses_idx = define_buses(blk, problem, unit, loads)
    board_idx = define_boarding_towns(blk, problem, unit, loads, open_idx, fixed_open, beds_idx)
    define_monotone(blk, open_idx, rooms_idx, beds_idx)
    teachers_idx = define_teachers(blk, problem, unit, loads, classes_idx)
    define_closures(blk, problem, unit, open_idx, min_closures)
    define_costs(blk, problem, positions, placements, moved)
    if capital_budget_yuan is not None:
        define_budget(blk, capital_budget_yuan)
    model = _assemble(
        blk,
        unit,
        placements,
        {
            "open": open_idx,
            "classes": classes_idx,
            "rooms_add": rooms_idx,
            "beds_add": beds_idx,
            "buses": buses_idx,
            "teachers": teachers_idx,
            "board": board_idx,
            "moved": moved,
            "catchments": catchments,
        },
        fixed_open,
        {"min_closures": int(min_closures), "maximize_closures": bool(maximize_closures)},
    )
    if maximize_closures:
        c = np.zeros(len(model.c))
        last = open_idx[:, -1]
        c[last[last >= 0]] = 1.0
        model = _replace_objective(model, c)
    logger.debug("unit %s: %s", unit.label(problem), model.size)
    return model


def define_placements(
    blk: _Blocks, problem: PlanningProblem, positions: Positions, unit: Unit, open_idx: np.ndarray
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Catchments, and where each group is each year: constants or variables.

    **Catchments (划片).**  For every village and band the model chooses a catchment
    position (school and mode), ``c[v,b,k,p]``, one per year; the catchment stays from
    year to year while its school is open (the same variables), and changes only when
    its school closes.  New entrants, pupils who moved into the village, and enrolled
    pupils who must leave their school go to the village's catchment of that year.

    **Enrolled pupils** (hard rule unless reassignment is allowed): a group stays where
    it was last year (at its base-year school and mode in the first plan year) while that
    school is open, teaches its grade and the trip rules allow the position; if only its
    mode is no longer allowed there, it changes mode at the same school, and in the first
    grade of a band (grade 4, when upper primary may board) it chooses its mode there
    anew.  A group at a school that cannot close keeps the same variables (or stays a constant); at a closure
    candidate it gets variables with ``[here] >= [here last year] - (1 - open)`` and
    ``[there] <= c[v,b,k,there]`` for every other position.  With reassignment allowed,
    a group may also move to the catchment while its school stays open, at a price
    (``moved``).  ``x <= open`` links each variable at a candidate.

    Returns
    -------
    tuple of pandas.DataFrame
        ``placements`` (``q, k, row, col, pupils``), ``moved`` (``q, k, col``),
        ``catchments`` (``v, b, k, row, col``).
    """
    K = len(problem.years)
    co = problem.cohorts
    tab = positions.table
    t_s = tab["s"].to_numpy()
    t_m = tab["mode"].to_numpy()
    soft = problem.allow_reassignment
    bands = co.band()
    new_band = co.new_band()
    rec: list[tuple[np.ndarray, ...]] = []
    mv_q, mv_k, mv_col = [], [], []
    catch: dict[tuple[int, int], list[tuple[np.ndarray, np.ndarray]]] = {}

    def fresh(rows: np.ndarray, k: int, label: tuple) -> np.ndarray:
        cols = blk.add_vars(len(rows), 0, 1, True)
        blk.add_row("assign", cols, 1.0, 1.0, 1.0, label=label)
        at_cand = open_idx[t_s[rows], k] >= 0
        blk.add_pair_rows("link", cols[at_cand], open_idx[t_s[rows][at_cand], k], -1.0, -INF, 0.0)
        return cols

    def catchment(v: int, b: int) -> list[tuple[np.ndarray, np.ndarray]]:
        """The catchment of village ``v`` and band ``b`` in every year: (rows, cols)."""
        if (v, b) in catch:
            return catch[(v, b)]
        years: list[tuple[np.ndarray, np.ndarray]] = []
        prev: list[tuple[int, int, int]] | None = None
        for k in range(K):
            rows = positions.village_rows(v, b, k)
            if len(rows) == 0:
                years.append((rows, rows))
                prev = None
                continue
            key = {(int(s), int(m)): r for r, s, m in zip(rows, t_s[rows], t_m[rows])}
            if prev is not None and all(open_idx[s, k] < 0 and (s, m) in key for s, m, _ in prev):
                rows = np.array([key[(s, m)] for s, m, _ in prev])
                cols = np.array([c for _, _, c in prev])
            else:
                cols = fresh(rows, k, ("catchment", int(v), int(b), k))
                for s, m, c in prev or []:
                    if (s, m) not in key:
                        continue
                    o = open_idx[s, k]
                    mine = cols[rows == key[(s, m)]]
                    # [catchment here] >= [here last year] - (1 - open)
                    blk.add_row(
                        "catchment_stays",
                        np.r_[mine, c, [o] if o >= 0 else []],
                        np.r_[1.0, -1.0, [-1.0] if o >= 0 else []],
                        -1.0 if o >= 0 else 0.0,
                        INF,
                    )
            years.append((rows, cols))
            prev = [(int(t_s[r]), int(t_m[r]), int(c)) for r, c in zip(rows, cols)]
        catch[(v, b)] = years
        return years

    for q in unit.groups:
        v = int(co.village[q])
        prev: list[tuple[int, int, int]] | None = None  # (school, mode, col) of last year; col -1: fixed
        for k in range(K):
            n = int(co.pupils[q, k])
            if n <= 0:
                prev = None
                continue
            b = int(bands[q, k])
            rows = positions.rows(q, k)
            if len(rows) == 0:
                raise ValueError(f"group {q} has no allowed position in {problem.years[k]}")  # pre-solve explains
            if prev is None and co.origin_school[q] >= 0 and k == _first_year(co.pupils[q]):
                prev = [(int(co.origin_school[q]), int(co.origin_mode[q]), -1)]
            key = {(int(s), int(m)): r for r, s, m in zip(rows, t_s[rows], t_m[rows])}
            here = set(t_s[rows].tolist())
            cols: np.ndarray
            if prev is None:
                rows, cols = catchment(v, b)[k]
            elif not soft and not new_band[q, k] and all(open_idx[s, k] < 0 and (s, m) in key for s, m, _ in prev):
                # stays where it was, in the same mode: the same variables (or constant)
                rows = np.array([key[(s, m)] for s, m, _ in prev])
                cols = np.array([c for _, _, c in prev])
            elif not soft and len(prev) == 1 and prev[0][2] < 0 and open_idx[prev[0][0], k] < 0 and prev[0][0] in here:
                # fixed at a school that stays open, whose mode is no longer allowed there, or
                # that starts a new band there (grade 4 may board): its mode at that school
                rows = rows[t_s[rows] == prev[0][0]]
                cols = np.array([-1]) if len(rows) == 1 else fresh(rows, k, ("assign", int(q), k))
            else:
                c_rows, c_cols = catchment(v, b)[k]
                c_of = {(int(t_s[r]), int(t_m[r])): c for r, c in zip(c_rows, c_cols)}
                was = {s for s, _, _ in prev}
                keep = np.array([t_s[r] in was or (int(t_s[r]), int(t_m[r])) in c_of for r in rows], dtype=bool)
                rows = rows[keep]
                cols = fresh(rows, k, ("assign", int(q), k))
                moving = np.array([t_s[r] not in was for r in rows], dtype=bool)  # a move: only to the catchment
                target = [c_of[(int(t_s[r]), int(t_m[r]))] for r in rows[moving]]
                blk.add_pair_rows("to_catchment", cols[moving], target, -1.0, -INF, 0.0)
                # a school it might have been at last year: only if it was there, or as the catchment
                for s in sorted(was):
                    before = np.array([c for ss, _, c in prev if ss == s])
                    if (before < 0).any():
                        continue  # it was there for certain
                    for r, col in zip(rows[t_s[rows] == s], cols[t_s[rows] == s]):
                        c = c_of.get((int(s), int(t_m[r])))
                        extra = [c] if c is not None else []
                        blk.add_row(
                            "to_catchment",
                            np.r_[col, before, extra],
                            np.r_[1.0, -np.ones(len(before)), -np.ones(len(extra))],
                            -INF,
                            0.0,
                        )
                # staying at its school, in the same mode while that mode is allowed there
                # (a new band chooses its mode anew)
                for s, m, c in prev:
                    if (s, m) not in key or new_band[q, k]:
                        continue
                    for col in cols[(t_s[rows] == s) & (t_m[rows] != m)]:
                        if c < 0:
                            blk.add_row("same_mode", [col], [1.0], -INF, 0.0)
                        else:
                            blk.add_row("same_mode", [col, c], [1.0, 1.0], -INF, 1.0)
                for s in sorted(was):
                    if s not in here:
                        continue  # the school cannot take the group this year: it must move
                    mine = cols[t_s[rows] == s]
                    before = np.array([c for ss, _, c in prev if ss == s])
                    prev_var = before[before >= 0]
                    prev_fixed = float((before < 0).any())
                    o = open_idx[s, k]
                    extra_c = [o] if o >= 0 else []
                    extra_v = [-1.0] if o >= 0 else []
                    lo = prev_fixed - (1.0 if o >= 0 else 0.0)
                    if soft:
                        m = blk.add_vars(1, 0, 1, False)
                        mv_q.append(q)
                        mv_k.append(k)
                        mv_col.append(int(m[0]))
                        # moved >= [was here] - [is here] - (1 - open)
                        blk.add_row(
                            "moved",
                            np.r_[m, mine, prev_var, extra_c],
                            np.r_[1.0, np.ones(len(mine)), -np.ones(len(prev_var)), extra_v],
                            lo,
                            INF,
                        )
                    else:
                        # [is here] >= [was here] - (1 - open)
                        blk.add_row(
                            "stay",
                            np.r_[mine, prev_var, extra_c],
                            np.r_[np.ones(len(mine)), -np.ones(len(prev_var)), extra_v],
                            lo,
                            INF,
                            label=("stay", int(q), k, int(s)),
                        )
            cols = np.broadcast_to(cols, rows.shape)
            rec.append((np.full(len(rows), q), np.full(len(rows), k), rows, cols, np.full(len(rows), n)))
            prev = [(int(t_s[r]), int(t_m[r]), int(c)) for r, c in zip(rows, cols)]
    parts = list(zip(*rec)) if rec else [[np.zeros(0, dtype=np.int64)]] * 5
    cat = [np.concatenate(p).astype(np.int64) for p in parts]
    placements = pd.DataFrame({"q": cat[0], "k": cat[1], "row": cat[2], "col": cat[3], "pupils": cat[4]})
    moved = pd.DataFrame(
        {
            "q": np.array(mv_q, dtype=np.int64),
            "k": np.array(mv_k, dtype=np.int64),
            "col": np.array(mv_col, dtype=np.int64),
        }
    )
    c_parts = [
        (np.full(len(r), v), np.full(len(r), b), np.full(len(r), k), r, c)
        for (v, b), years in catch.items()
        for k, (r, c) in enumerate(years)
        if len(r)
    ]
    c_cat = (
        [np.concatenate(p).astype(np.int64) for p in zip(*c_parts)] if c_parts else [np.zeros(0, dtype=np.int64)] * 5
    )
    catchments = pd.DataFrame({"v": c_cat[0], "b": c_cat[1], "k": c_cat[2], "row": c_cat[3], "col": c_cat[4]})
    return placements, moved, catchments


def _first_year(pupils: np.ndarray) -> int:
    nz = np.flatnonzero(pupils > 0)
    return int(nz[0]) if len(nz) else -1


@dataclass
class _Loads:
    """Pupils each placement adds, by school, year and what they count for."""

    s: np.ndarray
    k: np.ndarray
    grade: np.ndarray
    n: np.ndarray
    boarding: np.ndarray
    bused: np.ndarray
    band: np.ndarray
    col: np.ndarray


def _loads(problem: PlanningProblem, positions: Positions, placements: pd.DataFrame) -> _Loads:
    tab = positions.table
    rows = placements["row"].to_numpy()
    q = placements["q"].to_numpy()
    k = placements["k"].to_numpy()
    return _Loads(
        s=tab["s"].to_numpy()[rows],
        k=k,
        grade=problem.cohorts.grade[q, k],
        n=placements["pupils"].to_numpy().astype(float),
        boarding=tab["mode"].to_numpy()[rows] == BOARDING,
        bused=tab["bused"].to_numpy()[rows],
        band=tab["b"].to_numpy()[rows],
        col=placements["col"].to_numpy(),
    )


def define_capacity(
    blk: _Blocks,
    problem: PlanningProblem,
    unit: Unit,
    placements: pd.DataFrame,
    loads: _Loads,
    open_idx: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Classes per class group, classrooms, school size and beds, every year, with
    cumulative additions of classrooms and beds."""
    K, V, S = problem.shape
    classes_idx = np.full((S, N_GRADES, K), -1)
    rooms_idx = np.full((S, K), -1)
    beds_idx = np.full((S, K), -1)
    may_board = problem.teaches[:, problem.boarding_limit_min > 0].any(axis=1)
    # spending in year k on the cumulative additions: price x (d_k - d_{k+1})
    cw = problem.capital_weight
    step = cw - np.r_[cw[1:], 0.0]
    for s in unit.schools:
        if problem.max_added_rooms[s] > 0:
            rooms_idx[s] = blk.add_vars(K, 0, problem.max_added_rooms[s], True)
            blk.add_cost("capital", rooms_idx[s], problem.room_cost_yuan[s] * step)
        if problem.may_add_beds[s] and may_board[s]:
            beds_idx[s] = blk.add_vars(K, 0, 5000, True)
            blk.add_cost("capital", beds_idx[s], problem.bed_cost_yuan[s] * step)
    var = loads.col >= 0
    group_of = problem.class_group[loads.s, loads.grade - 1]
    for k in range(K):
        class_cap, size_cap = problem.class_cap_in(k), problem.size_cap_in(k)
        in_k = loads.k == k
        for s in unit.schools:
            mine = in_k & (loads.s == s)
            if not mine.any():
                continue
            groups = np.unique(group_of[mine])
            caps = class_cap[s, groups].astype(float)
            const_of = np.array([loads.n[mine & (group_of == gr) & ~var].sum() for gr in groups])
            floor = np.ceil(const_of / caps - 1e-9)  # classes the fixed pupils need anyway
            cls = blk.add_vars(len(groups), floor, np.maximum(np.ceil(size_cap[s] / caps) + 1, floor), True)
            classes_idx[s, groups, k] = cls
            for c, gr, cap, const in zip(cls, groups, caps, const_of, strict=True):
                sel = mine & (group_of == gr)
                vs = sel & var
                blk.add_row(
                    "class_cap",
                    np.r_[loads.col[vs], c],
                    np.r_[loads.n[vs], -cap],
                    -INF,
                    -const,
                    label=("class_cap", k, int(s), int(gr)),
                )
                if const == 0 and loads.n[vs].sum() <= cap:
                    # every pupil who may come fits in one class: any of them opens it,
                    # classes >= x (the row that makes the LP count a teaching point's class)
                    blk.add_pair_rows("class_cut", np.full(int(vs.sum()), c), loads.col[vs], -1.0, 0.0, INF)
            # classrooms
            cols = list(cls)
            vals = [1.0] * len(cls)
            if rooms_idx[s, k] >= 0:
                cols.append(rooms_idx[s, k])
                vals.append(-1.0)
            blk.add_row("classrooms", cols, vals, -INF, float(problem.rooms[s]), label=("classrooms", k, int(s)))
            # school size
            const = float(loads.n[mine & ~var].sum())
            vs = mine & var
            o = open_idx[s, k]
            if o >= 0:
                blk.add_row(
                    "school_size",
                    np.r_[loads.col[vs], o],
                    np.r_[loads.n[vs], -float(size_cap[s])],
                    -INF,
                    -const,
                    label=("school_size", k, int(s)),
                )
            else:
                blk.add_row(
                    "school_size",
                    loads.col[vs],
                    loads.n[vs],
                    -INF,
                    float(size_cap[s]) - const,
                    label=("school_size", k, int(s)),
                )
            # beds
            bmask = mine & loads.boarding
            if bmask.any():
                const_b = float(loads.n[bmask & ~var].sum())
                vb = bmask & var
                cols_b = list(loads.col[vb])
                vals_b = list(loads.n[vb])
                if beds_idx[s, k] >= 0:
                    cols_b.append(beds_idx[s, k])
                    vals_b.append(-1.0)
                blk.add_row("beds", cols_b, vals_b, -INF, float(problem.beds[s]) - const_b, label=("beds", k, int(s)))
    return classes_idx, rooms_idx, beds_idx


def define_teachers(
    blk: _Blocks, problem: PlanningProblem, unit: Unit, loads: _Loads, classes_idx: np.ndarray
) -> np.ndarray:
    """Teachers per school and year, staffed as the 2014 standard does: at the pupils per
    teacher of each level, and at least ``min_teachers_per_class`` per class (the
    teacher-per-class floor that keeps small schools and teaching points staffed).
    Each teacher costs ``teacher_cost_yuan`` a year."""
    K, V, S = problem.shape
    teachers_idx = np.full((S, K), -1)
    var = loads.col >= 0
    per_pupil = problem.teachers_per_pupil[loads.s, loads.band]
    for k in range(K):
        for s in unit.schools:
            cls = classes_idx[s, :, k]
            cls = cls[cls >= 0]
            if len(cls) == 0:
                continue
            t = blk.add_vars(1, 0, INF, False)
            teachers_idx[s, k] = t[0]
            mine = (loads.k == k) & (loads.s == s)
            const = float((loads.n * per_pupil)[mine & ~var].sum())
            vs = mine & var
            blk.add_row(
                "teachers_ratio",
                np.r_[t, loads.col[vs]],
                np.r_[1.0, -(loads.n * per_pupil)[vs]],
                const,
                INF,
                label=("teachers", k, int(s)),
            )
            blk.add_row(
                "teachers_classes",
                np.r_[t, cls],
                np.r_[1.0, -np.full(len(cls), problem.min_teachers_per_class)],
                0.0,
                INF,
            )
            blk.add_cost("running", t, problem.year_weight[k] * problem.teacher_cost_yuan)
    return teachers_idx


def define_buses(blk: _Blocks, problem: PlanningProblem, unit: Unit, loads: _Loads) -> np.ndarray:
    """The school-bus fleet each school needs each year, as an estimate: ``buses >= bused
    pupils / pupils_per_bus`` (a fraction of a bus is a share of one; the routing of the
    plan counts whole buses and calibrates ``pupils_per_bus``)."""
    K, V, S = problem.shape
    buses_idx = np.full((S, K), -1)
    var = loads.col >= 0
    for k in range(K):
        for s in unit.schools:
            mine = (loads.k == k) & (loads.s == s) & loads.bused
            if not mine.any():
                continue
            const = float(loads.n[mine & ~var].sum())
            ppb = float(problem.pupils_per_bus[s])
            b = blk.add_vars(1, const / ppb, INF, False)
            buses_idx[s, k] = b[0]
            vs = mine & var
            blk.add_row(
                "buses",
                np.r_[loads.col[vs], b],
                np.r_[loads.n[vs], -ppb],
                -INF,
                -const,
                label=("buses", k, int(s)),
            )
            blk.add_cost("buses", b, problem.year_weight[k] * problem.bus_cost_yuan)
    return buses_idx


def define_boarding_towns(
    blk: _Blocks,
    problem: PlanningProblem,
    unit: Unit,
    loads: _Loads,
    open_idx: np.ndarray,
    fixed_open: np.ndarray,
    beds_idx: np.ndarray,
) -> np.ndarray:
    """At least ``n`` boarding primaries and juniors per town (镇), every year.

    A school counts when it is open, has at least ``min_boarding_beds`` beds (existing
    plus added) and at least ``min_boarders`` boarders of the level.
    """
    K, V, S = problem.shape
    board_idx = np.full((S, K), -1)
    n_need = problem.boarding_schools_per_town
    if n_need <= 0:
        return board_idx
    var = loads.col >= 0
    in_unit = np.zeros(S, dtype=bool)
    in_unit[unit.schools] = True
    for level, band in BOARDING_RULE_BANDS.items():
        b = BANDS.index(band)
        if not problem.planned_bands[b]:
            continue
        level_bands = [i for i, x in enumerate(BANDS) if _level(x) == level]
        eligible = (
            in_unit & problem.teaches[:, b] & ((problem.beds >= problem.min_boarding_beds) | (beds_idx[:, 0] >= 0))
        )
        for t in np.flatnonzero(problem.town_needs_boarding):
            members = np.flatnonzero(eligible & (problem.school_town == t))
            if len(members) == 0:
                continue  # the pre-solve check explains a town that cannot have one
            for k in range(K):
                ok = members[fixed_open[members, k] != 0]
                if len(ok) == 0:
                    continue
                cols = blk.add_vars(len(ok), 0, 1, True)
                blk.add_row("boarding_town", cols, 1.0, float(n_need), INF, label=("boarding_town", k, int(t), level))
                for c, s in zip(cols, ok):
                    if board_idx[s, k] < 0:
                        board_idx[s, k] = c
                    if open_idx[s, k] >= 0:
                        blk.add_row("boarding_open", [c, open_idx[s, k]], [1.0, -1.0], -INF, 0.0)
                    if problem.beds[s] < problem.min_boarding_beds:
                        blk.add_row(
                            "boarding_beds",
                            [c, beds_idx[s, k]],
                            [float(problem.min_boarding_beds), -1.0],
                            -INF,
                            float(problem.beds[s]),
                        )
                    if problem.min_boarders > 0:
                        sel = (loads.k == k) & (loads.s == s) & loads.boarding & np.isin(loads.band, level_bands)
                        const = float(loads.n[sel & ~var].sum())
                        vs = sel & var
                        blk.add_row(
                            "boarding_used",
                            np.r_[c, loads.col[vs]],
                            np.r_[float(problem.min_boarders), -loads.n[vs]],
                            -INF,
                            const,
                            label=("boarding_used", k, int(s), level),
                        )
    return board_idx


def _level(band: str) -> str:
    from ..schema import LEVEL_OF_BAND

    return LEVEL_OF_BAND[band]


def define_monotone(blk: _Blocks, open_idx: np.ndarray, rooms_idx: np.ndarray, beds_idx: np.ndarray) -> None:
    """Closed schools stay closed; added classrooms and beds accumulate."""
    S, K = open_idx.shape
    for name, idx, sign in (
        ("stay_closed", open_idx, 1.0),
        ("rooms_cumulative", rooms_idx, -1.0),
        ("beds_cumulative", beds_idx, -1.0),
    ):
        for k in range(1, K):
            both = np.flatnonzero((idx[:, k] >= 0) & (idx[:, k - 1] >= 0))
            # sign * (x_k - x_{k-1}) <= 0
            if sign > 0:
                blk.add_pair_rows(name, idx[both, k], idx[both, k - 1], -1.0, -INF, 0.0)
            else:
                blk.add_pair_rows(name, idx[both, k], idx[both, k - 1], -1.0, 0.0, INF)


def define_closures(
    blk: _Blocks, problem: PlanningProblem, unit: Unit, open_idx: np.ndarray, min_closures: int
) -> None:
    """At least ``min_closures`` of the unit's candidates are closed in the last plan year."""
    if min_closures <= 0:
        return
    cand = unit.candidates(problem)
    last = open_idx[cand, -1]
    closed_anyway = int((last < 0).sum())  # candidates not available in the last year
    kept = last[last >= 0]
    blk.add_row(
        "closure_target",
        kept,
        1.0,
        -INF,
        float(len(kept) - max(min_closures - closed_anyway, 0)),
        label=("closure_target", int(min_closures)),
    )


def define_costs(
    blk: _Blocks, problem: PlanningProblem, positions: Positions, placements: pd.DataFrame, moved: pd.DataFrame
) -> None:
    """The yearly costs of each placement (travel time, boarding, bus-km), weighted by
    the appraisal years its plan year stands for; constants for fixed groups."""
    tab = positions.table
    rows = placements["row"].to_numpy()
    k = placements["k"].to_numpy()
    n = placements["pupils"].to_numpy().astype(float)
    col = placements["col"].to_numpy()
    mode = tab["mode"].to_numpy()[rows]
    s = tab["s"].to_numpy()[rows]
    w = problem.year_weight[k]
    travel = w * n * tab["travel_min"].to_numpy()[rows] * problem.trips_per_year[mode] * problem.value_per_min_yuan
    boarding = w * n * (mode == BOARDING) * problem.boarding_cost_yuan
    bus_km = (
        w
        * n
        * tab["bused"].to_numpy()[rows]
        * tab["km"].to_numpy()[rows]
        * problem.bus_km_per_pupil_km[s]
        * problem.school_days
        * problem.bus_km_cost_yuan
    )
    var = col >= 0
    for term, coef in (("travel", travel), ("boarding", boarding), ("buses", bus_km)):
        blk.add_cost(term, col[var], coef[var])
        blk.constant[term] += float(coef[~var].sum())
    if len(moved):
        n_m = problem.cohorts.pupils[moved["q"].to_numpy(), moved["k"].to_numpy()]
        cw = problem.capital_weight[moved["k"].to_numpy()]
        blk.add_cost("reassignment", moved["col"].to_numpy(), cw * n_m * problem.reassignment_cost_yuan)


def define_budget(blk: _Blocks, budget_yuan: float) -> None:
    """Capital (classrooms and beds, discounted) at most ``budget_yuan``."""
    cols = [c for idx, _ in blk.cost["capital"] for c in idx]
    vals = [v for _, coef in blk.cost["capital"] for v in coef]
    if cols:
        blk.add_row("budget", cols, vals, -INF, float(budget_yuan), label=("budget", float(budget_yuan)))


def _assemble(blk: _Blocks, unit: Unit, placements, index, fixed_open, notes) -> MatrixModel:
    n = blk.n
    terms = {}
    for t in COST_TERMS:
        vec = np.zeros(n)
        for idx, coef in blk.cost[t]:
            np.add.at(vec, idx, coef)
        terms[t] = vec
    c = sum(terms.values()) if n else np.zeros(0)

    def cat(parts, dtype=float):
        return np.concatenate(parts) if parts else np.zeros(0, dtype=dtype)

    A = sp.csr_matrix((cat(blk.vals), (cat(blk.rows, np.int64), cat(blk.cols, np.int64))), shape=(blk.m, n))
    A.sum_duplicates()
    return MatrixModel(
        c=np.asarray(c, dtype=float),
        lb=cat(blk.lb),
        ub=cat(blk.ub),
        integer=cat(blk.integer, bool),
        A=A,
        row_lo=np.asarray(blk.lo, dtype=float),
        row_hi=np.asarray(blk.hi, dtype=float),
        objective_offset=float(sum(blk.constant.values())),
        unit=unit,
        placements=placements,
        index=index,
        fixed_open=fixed_open,
        cost_terms=terms,
        cost_constants=dict(blk.constant),
        row_families=blk.row_family,
        row_labels=blk.row_labels,
        notes=notes,
    )


def _replace_objective(model: MatrixModel, c: np.ndarray) -> MatrixModel:
    import dataclasses

    zero = {t: np.zeros(len(c)) for t in COST_TERMS}
    return dataclasses.replace(
        model, c=c, objective_offset=0.0, cost_terms=zero, cost_constants=dict.fromkeys(COST_TERMS, 0.0)
    )
