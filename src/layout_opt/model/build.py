"""Variables and constraints of the layout model, built as sparse arrays.

The model is a mixed-integer program (``min c x`` s.t. ``lo <= A x <= hi``, bounds,
integrality), assembled with numpy in blocks, PyPSA-style: one
``define_*`` function per family of constraints.  :mod:`layout_opt.model.solve` hands the
arrays to an OR-Tools backend.

Formulation (per year ``k``):

* ``x[p,k]`` binary for every allowed village-band-school pair ``p`` (pairs are pruned by
  the travel limits; the mode of a pair is fixed by its trip time);
* ``open[s,k]`` binary for closure candidates, non-increasing over years, with the
  strong linking ``x[p,k] <= open[s,k]`` for each pair (not the aggregated big-M form);
* ``classes[s,g,k]`` integer: ``cap * classes >= pupils`` per grade;
* ``rooms_add[s,k]``, ``beds_add[s,k]`` integer, non-decreasing (cumulative);
* ``sum_g classes <= rooms + rooms_add``; ``pupils <= size cap``;
  ``boarders <= beds + beds_add``;
* boarding schools per town: ``board[s,k]`` binary, ``min_beds * board <= beds +
  beds_add``, at least ``n`` per town and level;
* closures by the last year ``>= target``.

Objective (yuan): added classrooms and beds (charged once, on the last year's cumulative
value), pupil travel time valued over the appraisal period, running cost of kept small
schools.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..schema import BANDS, GRADES_OF_BAND
from .mip import MipArrays
from .problem import BOARDING, PlanningProblem

logger = logging.getLogger(__name__)

INF = np.inf


class _Blocks:
    """Accumulates variables and constraint triplets."""

    def __init__(self) -> None:
        self.lb: list[np.ndarray] = []
        self.ub: list[np.ndarray] = []
        self.cost: list[np.ndarray] = []
        self.integer: list[np.ndarray] = []
        self.n = 0
        self.rows: list[np.ndarray] = []
        self.cols: list[np.ndarray] = []
        self.vals: list[np.ndarray] = []
        self.lo: list[np.ndarray] = []
        self.hi: list[np.ndarray] = []
        self.m = 0
        self.row_family: list[tuple[str, int, int]] = []
        self.row_labels: dict[int, tuple] = {}

    def add_vars(self, n: int, lb, ub, integer: bool, cost=0.0) -> np.ndarray:
        idx = np.arange(self.n, self.n + n)
        self.lb.append(np.broadcast_to(np.asarray(lb, float), (n,)).copy())
        self.ub.append(np.broadcast_to(np.asarray(ub, float), (n,)).copy())
        self.cost.append(np.broadcast_to(np.asarray(cost, float), (n,)).copy())
        self.integer.append(np.full(n, integer))
        self.n += n
        return idx

    def add_rows(
        self,
        family: str,
        n_rows: int,
        rows: np.ndarray,
        cols: np.ndarray,
        vals: np.ndarray,
        lo,
        hi,
        labels: list | None = None,
    ) -> np.ndarray:
        """Add ``n_rows`` rows; ``rows`` are local (0..n_rows-1) row numbers of triplets.

        ``labels`` (one tuple per row) say what each row is about, for explanations.
        """
        if n_rows == 0:
            return np.arange(0)
        if labels is not None:
            for r, lab in enumerate(labels):
                self.row_labels[self.m + r] = lab
        self.rows.append(np.asarray(rows, np.int64) + self.m)
        self.cols.append(np.asarray(cols, np.int64))
        self.vals.append(np.asarray(vals, float))
        self.lo.append(np.broadcast_to(np.asarray(lo, float), (n_rows,)).copy())
        self.hi.append(np.broadcast_to(np.asarray(hi, float), (n_rows,)).copy())
        idx = np.arange(self.m, self.m + n_rows)
        self.row_family.append((family, self.m, self.m + n_rows))
        self.m += n_rows
        return idx


@dataclass(frozen=True, kw_only=True)
class MatrixModel(MipArrays):
    """A built layout model: the solver's arrays (:class:`~layout_opt.model.mip.MipArrays`)
    and index maps to read a solution back.

    Attributes
    ----------
    index : dict
        Variable blocks: ``x`` (pairs x years, -1 where inactive), ``open`` (S x K, -1
        where fixed), ``classes`` (S x 12 x K, -1 where absent), ``rooms_add``,
        ``beds_add`` (S x K, -1 where fixed 0), ``board`` (S x K).
    pairs : pandas.DataFrame
        The allowed pairs (see :meth:`PlanningProblem.pairs`).
    cost_terms : dict
        Objective coefficients split by term: ``capital`` (yuan), ``travel``,
        ``running``.
    row_families : list of (name, start, stop)
        Which rows belong to which constraint family.
    fixed_open : numpy.ndarray
        ``(S, K)`` open status of schools that are not decided by the model (1/0), or -1.
    """

    index: dict
    pairs: pd.DataFrame
    cost_terms: dict
    row_families: list
    fixed_open: np.ndarray
    notes: dict = field(default_factory=dict)
    row_labels: dict = field(default_factory=dict)

    @property
    def size(self) -> dict:
        """Counts of variables (total, binary, integer) and constraints."""
        binary = int((self.integer & (self.lb == 0) & (self.ub == 1)).sum())
        return {
            "variables": int(len(self.c)),
            "binary": binary,
            "integer": int(self.integer.sum()) - binary,
            "continuous": int((~self.integer).sum()),
            "constraints": int(self.A.shape[0]),
            "nonzeros": int(self.A.nnz),
        }


def build_model(
    problem: PlanningProblem,
    closure_target: int | None = None,
    maximize_closures: bool = False,
    forbidden_pairs: pd.DataFrame | None = None,
    nearest_pairs: int | None = None,
    one_class_cuts: bool = False,
    bands: tuple[int, ...] | None = None,
) -> MatrixModel:
    """Build the layout MIP from the problem arrays.

    Parameters
    ----------
    problem : PlanningProblem
        The arrays.
    closure_target : int, optional
        Overrides ``problem.closure_target`` (used by the two-phase "as many as
        possible" mode).
    maximize_closures : bool
        Phase one of that mode: the objective is the number of schools kept open.
    forbidden_pairs : pandas.DataFrame, optional
        ``v``, ``b``, ``s`` index triples that may not be used (e.g. bus rides found too
        long by the routing step).
    nearest_pairs : int, optional
        Keep only this many cheapest schools per village band (plus every closure
        candidate's own village): a restricted model whose plans are plans of the full
        model; used to find good plans fast, never to prove bounds.
    one_class_cuts : bool
        Add ``x[p] <= classes[s,g]`` (a grade with pupils needs a class).  Valid but, on
        the Mengjin model, slower.
    bands : tuple of int, optional
        Model only these bands (indices into :data:`layout_opt.schema.BANDS`): one
        independent component of the problem (see :func:`components`).

    Returns
    -------
    MatrixModel
    """
    K, V, S = problem.shape
    target = problem.closure_target if closure_target is None else closure_target
    bd = problem.band_demand()  # (K, V, 4)
    if bands is not None:
        bd = bd.copy()
        bd[:, :, [b for b in range(len(BANDS)) if b not in bands]] = 0
    band_set = tuple(range(len(BANDS))) if bands is None else tuple(bands)
    pairs = problem.pairs()
    pairs = pairs[pairs["b"].isin(band_set)].reset_index(drop=True)
    if forbidden_pairs is not None and len(forbidden_pairs):
        key = pd.MultiIndex.from_frame(pairs[["v", "b", "s"]])
        drop = key.isin(pd.MultiIndex.from_frame(forbidden_pairs[["v", "b", "s"]]))
        pairs = pairs[~drop].reset_index(drop=True)
    if nearest_pairs is not None:
        pairs = _nearest(pairs, problem, nearest_pairs)
    P = len(pairs)
    pv, pb, ps, pm = (pairs[c].to_numpy() for c in ("v", "b", "s", "mode"))
    pt = pairs["travel_min"].to_numpy(float)
    avail = problem.available()  # (K, S)
    blk = _Blocks()

    # ------------------------------------------------------------ open / fixed status
    fixed_open = np.where(avail, 1, 0).astype(int)  # (S, K) later transposed
    fixed_open = fixed_open.T.copy()
    open_idx = np.full((S, K), -1)
    in_component = problem.teaches[:, list(band_set)].any(axis=1)
    cand = np.flatnonzero(problem.candidate & in_component)
    running = 0.0 if maximize_closures else problem.running_cost_yuan
    for s in cand:
        ks = np.flatnonzero(avail[:, s])
        if len(ks) == 0:
            continue
        cost = 1.0 if maximize_closures else running
        open_idx[s, ks] = blk.add_vars(len(ks), 0, 1, True, cost)
        fixed_open[s, ks] = -1

    # ------------------------------------------------------------ assignment x[p,k]
    active = np.zeros((P, K), dtype=bool)
    for k in range(K):
        active[:, k] = (bd[k, pv, pb] > 0) & avail[k, ps]
    x_idx = np.full((P, K), -1)
    trips = problem.trips_per_year[pm]
    for k in range(K):
        ids = np.flatnonzero(active[:, k])
        pupils = bd[k, pv[ids], pb[ids]]
        travel_cost = pupils * pt[ids] * trips[ids] * problem.value_per_min_yuan * problem.travel_weight
        board_cost = np.where(pm[ids] == BOARDING, pupils * problem.boarding_cost_yuan * problem.travel_weight, 0.0)
        x_idx[ids, k] = blk.add_vars(len(ids), 0, 1, True, 0.0 if maximize_closures else travel_cost + board_cost)

    define_assignment(blk, problem, pairs, x_idx, bd)
    define_linking(blk, pairs, x_idx, open_idx)
    classes_idx, rooms_idx, beds_idx = define_capacity(
        blk, problem, pairs, x_idx, open_idx, bd, maximize_closures, one_class_cuts, in_component
    )
    board_idx = define_boarding_towns(blk, problem, open_idx, fixed_open, beds_idx, band_set)
    define_monotone(blk, open_idx, rooms_idx, beds_idx)
    if len(cand):
        define_closures(blk, problem, open_idx, target)

    def cat(parts: list, dtype=float) -> np.ndarray:
        return np.concatenate(parts) if parts else np.zeros(0, dtype=dtype)

    c = cat(blk.cost)
    A = sp.csr_matrix((cat(blk.vals), (cat(blk.rows, np.int64), cat(blk.cols, np.int64))), shape=(blk.m, blk.n))
    A.sum_duplicates()
    # Objective split by term, for reporting.
    capital = np.zeros_like(c)
    travel = np.zeros_like(c)
    run = np.zeros_like(c)
    if not maximize_closures:
        xs = x_idx[x_idx >= 0]
        travel[xs] = c[xs]
        for blkidx in (rooms_idx, beds_idx):
            last = blkidx[:, -1]
            capital[last[last >= 0]] = c[last[last >= 0]]
        os_ = open_idx[open_idx >= 0]
        run[os_] = c[os_]
    n_fixed_open_candidates = int(((fixed_open == 1) & problem.candidate[:, None]).any(axis=1).sum())
    model = MatrixModel(
        c=c,
        lb=cat(blk.lb),
        ub=cat(blk.ub),
        integer=cat(blk.integer, bool),
        A=A,
        row_lo=cat(blk.lo),
        row_hi=cat(blk.hi),
        index={
            "x": x_idx,
            "open": open_idx,
            "classes": classes_idx,
            "rooms_add": rooms_idx,
            "beds_add": beds_idx,
            "board": board_idx,
        },
        pairs=pairs,
        cost_terms={"capital": capital, "travel": travel, "running": run},
        row_families=blk.row_family,
        fixed_open=fixed_open,
        row_labels=blk.row_labels,
        notes={
            "maximize_closures": maximize_closures,
            "closure_target": target,
            "fixed_open_candidates": n_fixed_open_candidates,
        },
    )
    logger.info("model: %s", model.size)
    return model


def define_assignment(
    blk: _Blocks, problem: PlanningProblem, pairs: pd.DataFrame, x_idx: np.ndarray, bd: np.ndarray
) -> None:
    """Every village sends each band with pupils to exactly one school, each year."""
    K = x_idx.shape[1]
    pv, pb = pairs["v"].to_numpy(), pairs["b"].to_numpy()
    for k in range(K):
        ids = np.flatnonzero(x_idx[:, k] >= 0)
        key = pv[ids] * len(BANDS) + pb[ids]
        need = np.flatnonzero(bd[k].reshape(-1) > 0)
        row_of = {int(q): r for r, q in enumerate(need)}
        rows = np.array([row_of[int(q)] for q in key], dtype=np.int64)
        labels = [("assign", k, int(q) // len(BANDS), int(q) % len(BANDS)) for q in need]
        blk.add_rows(
            f"assign[{problem.years[k]}]", len(need), rows, x_idx[ids, k], np.ones(len(ids)), 1.0, 1.0, labels=labels
        )


def define_linking(blk: _Blocks, pairs: pd.DataFrame, x_idx: np.ndarray, open_idx: np.ndarray) -> None:
    """``x[p,k] <= open[s,k]`` for each pair at a closure candidate (strong linking)."""
    ps = pairs["s"].to_numpy()
    K = x_idx.shape[1]
    for k in range(K):
        ids = np.flatnonzero((x_idx[:, k] >= 0) & (open_idx[ps, k] >= 0))
        n = len(ids)
        rows = np.concatenate([np.arange(n), np.arange(n)])
        cols = np.concatenate([x_idx[ids, k], open_idx[ps[ids], k]])
        vals = np.concatenate([np.ones(n), -np.ones(n)])
        blk.add_rows("link", n, rows, cols, vals, -INF, 0.0)


def define_capacity(
    blk: _Blocks,
    problem: PlanningProblem,
    pairs: pd.DataFrame,
    x_idx: np.ndarray,
    open_idx: np.ndarray,
    bd: np.ndarray,
    no_costs: bool,
    one_class_cuts: bool,
    in_component: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Classes per grade (or per mixed-grade group), classrooms, school size and beds,
    with cumulative additions."""
    K, V, S = problem.shape
    pv, pb, ps, pm = (pairs[c].to_numpy() for c in ("v", "b", "s", "mode"))
    classes_idx = np.full((S, 12, K), -1)
    rooms_idx = np.full((S, K), -1)
    beds_idx = np.full((S, K), -1)
    # rooms_add, beds_add (cumulative; cost on the last year)
    for s in np.flatnonzero(in_component):
        if problem.max_added_rooms[s] > 0:
            cost = np.zeros(K)
            cost[-1] = 0.0 if no_costs else problem.room_cost_yuan[s]
            rooms_idx[s] = blk.add_vars(K, 0, problem.max_added_rooms[s], True, cost)
        if (
            problem.may_add_beds[s]
            and problem.teaches[
                s, [BANDS.index(b) for b in BANDS if problem.boarding_limit_min[BANDS.index(b)] > 0]
            ].any()
        ):
            cost = np.zeros(K)
            cost[-1] = 0.0 if no_costs else problem.bed_cost_yuan[s]
            beds_idx[s] = blk.add_vars(K, 0, 5000, True, cost)
    for k in range(K):
        ids = np.flatnonzero(x_idx[:, k] >= 0)
        d_grade = problem.demand[k][pv[ids]]  # (n, 12)
        d_band = bd[k, pv[ids], pb[ids]]
        s_of = ps[ids]
        # classes per grade
        present = np.zeros((S, 12), dtype=bool)
        group = problem.class_group
        for b, band in enumerate(BANDS):
            sel = pb[ids] == b
            for g in GRADES_OF_BAND[band]:
                nz = sel & (d_grade[:, g - 1] > 0)
                present[s_of[nz], group[s_of[nz], g - 1]] = True
        sg = np.argwhere(present)
        cap = problem.class_cap[sg[:, 0], sg[:, 1]]
        upper = np.ceil(problem.size_cap[sg[:, 0]] / cap) + 1
        cls = blk.add_vars(len(sg), 0, upper, True, 0.0)
        classes_idx[sg[:, 0], sg[:, 1], k] = cls
        row_of_sg = np.full((S, 12), -1)
        row_of_sg[sg[:, 0], sg[:, 1]] = np.arange(len(sg))
        rr, cc, vv = [], [], []
        for b, band in enumerate(BANDS):
            sel = np.flatnonzero(pb[ids] == b)
            for g in GRADES_OF_BAND[band]:
                q = sel[d_grade[sel, g - 1] > 0]
                rr.append(row_of_sg[s_of[q], group[s_of[q], g - 1]])
                cc.append(x_idx[ids[q], k])
                vv.append(d_grade[q, g - 1].astype(float))
        rr.append(np.arange(len(sg)))
        cc.append(cls)
        vv.append(-cap.astype(float))
        blk.add_rows(
            f"class_cap[{problem.years[k]}]",
            len(sg),
            np.concatenate(rr),
            np.concatenate(cc),
            np.concatenate(vv),
            -INF,
            0.0,
        )
        if one_class_cuts:
            # a grade with any pupil of a village needs at least one class: x[p] <= classes
            rr, cc, vv = [], [], []
            n = 0
            for b, band in enumerate(BANDS):
                sel = np.flatnonzero(pb[ids] == b)
                for gfirst in sorted({group_first for g in GRADES_OF_BAND[band] for group_first in [g - 1]}):
                    q = sel[d_grade[sel, gfirst] > 0]
                    q = q[group[s_of[q], gfirst] == gfirst]
                    m = len(q)
                    rr += [np.arange(n, n + m), np.arange(n, n + m)]
                    cc += [x_idx[ids[q], k], classes_idx[s_of[q], gfirst, k]]
                    vv += [np.ones(m), -np.ones(m)]
                    n += m
            if n:
                blk.add_rows(
                    f"one_class[{problem.years[k]}]",
                    n,
                    np.concatenate(rr),
                    np.concatenate(cc),
                    np.concatenate(vv),
                    -INF,
                    0.0,
                )
        # classrooms: sum_g classes - rooms_add <= rooms (only schools with classes)
        schools = np.unique(sg[:, 0])
        row_of_s = np.full(S, -1)
        row_of_s[schools] = np.arange(len(schools))
        rr = [row_of_s[sg[:, 0]]]
        cc = [cls]
        vv = [np.ones(len(sg))]
        has_r = schools[rooms_idx[schools, k] >= 0]
        rr.append(row_of_s[has_r])
        cc.append(rooms_idx[has_r, k])
        vv.append(-np.ones(len(has_r)))
        blk.add_rows(
            f"classrooms[{problem.years[k]}]",
            len(schools),
            np.concatenate(rr),
            np.concatenate(cc),
            np.concatenate(vv),
            -INF,
            problem.rooms[schools].astype(float),
            labels=[("classrooms", k, int(s)) for s in schools],
        )
        # school size: sum pupils <= cap (x open for candidates)
        rr = [row_of_s[s_of]]
        cc = [x_idx[ids, k]]
        vv = [d_band.astype(float)]
        cand = schools[open_idx[schools, k] >= 0]
        rr.append(row_of_s[cand])
        cc.append(open_idx[cand, k])
        vv.append(-problem.size_cap[cand].astype(float))
        hi = np.where(open_idx[schools, k] >= 0, 0.0, problem.size_cap[schools].astype(float))
        blk.add_rows(
            f"school_size[{problem.years[k]}]",
            len(schools),
            np.concatenate(rr),
            np.concatenate(cc),
            np.concatenate(vv),
            -INF,
            hi,
            labels=[("school_size", k, int(s)) for s in schools],
        )
        # beds: boarders - beds_add <= beds
        bq = np.flatnonzero(pm[ids] == BOARDING)
        bschools = np.unique(s_of[bq])
        if len(bschools):
            row_of_b = np.full(S, -1)
            row_of_b[bschools] = np.arange(len(bschools))
            rr = [row_of_b[s_of[bq]]]
            cc = [x_idx[ids[bq], k]]
            vv = [d_band[bq].astype(float)]
            hb = bschools[beds_idx[bschools, k] >= 0]
            rr.append(row_of_b[hb])
            cc.append(beds_idx[hb, k])
            vv.append(-np.ones(len(hb)))
            blk.add_rows(
                f"beds[{problem.years[k]}]",
                len(bschools),
                np.concatenate(rr),
                np.concatenate(cc),
                np.concatenate(vv),
                -INF,
                problem.beds[bschools].astype(float),
                labels=[("beds", k, int(s)) for s in bschools],
            )
    return classes_idx, rooms_idx, beds_idx


def define_boarding_towns(
    blk: _Blocks,
    problem: PlanningProblem,
    open_idx: np.ndarray,
    fixed_open: np.ndarray,
    beds_idx: np.ndarray,
    band_set: tuple[int, ...],
) -> np.ndarray:
    """At least ``n`` boarding primaries and juniors per town (镇), every year.

    A school counts when it is open and has at least ``min_boarding_beds`` beds
    (existing plus added).  Primary level: schools teaching grades 4-6; junior level:
    schools teaching grades 7-9.
    """
    K, V, S = problem.shape
    board_idx = np.full((S, K), -1)
    n_need = problem.boarding_schools_per_town
    if n_need <= 0:
        return board_idx
    levels = {
        lv: b
        for lv, b in (("primary", BANDS.index("upper_primary")), ("junior", BANDS.index("junior")))
        if b in band_set
    }
    for t in np.flatnonzero(problem.town_needs_boarding):
        for level, b in levels.items():
            elig = np.flatnonzero(
                (problem.town == t)
                & problem.teaches[:, b]
                & ((problem.beds >= problem.min_boarding_beds) | (beds_idx[:, 0] >= 0))
            )
            for k in range(K):
                ok = elig[fixed_open[elig, k] != 0]
                if len(ok) == 0:
                    continue  # explained by the pre-solve check
                new = ok[board_idx[ok, k] < 0]
                board_idx[new, k] = blk.add_vars(len(new), 0, 1, True, 0.0)
                blk.add_rows(
                    "boarding_town",
                    1,
                    np.zeros(len(ok)),
                    board_idx[ok, k],
                    np.ones(len(ok)),
                    float(n_need),
                    INF,
                    labels=[("boarding_town", k, int(t), level)],
                )
    # board[s,k] needs beds and an open school
    for s, k in np.argwhere(board_idx >= 0):
        if problem.beds[s] < problem.min_boarding_beds:
            blk.add_rows(
                "boarding_beds",
                1,
                np.zeros(2),
                np.array([board_idx[s, k], beds_idx[s, k]]),
                np.array([float(problem.min_boarding_beds), -1.0]),
                -INF,
                float(problem.beds[s]),
            )
        if open_idx[s, k] >= 0:
            blk.add_rows(
                "boarding_open",
                1,
                np.zeros(2),
                np.array([board_idx[s, k], open_idx[s, k]]),
                np.array([1.0, -1.0]),
                -INF,
                0.0,
            )
    return board_idx


def define_monotone(blk: _Blocks, open_idx: np.ndarray, rooms_idx: np.ndarray, beds_idx: np.ndarray) -> None:
    """Closed schools stay closed; added classrooms and beds accumulate."""
    S, K = open_idx.shape
    for name, idx, sign in (
        ("stay_closed", open_idx, 1.0),
        ("rooms_cumulative", rooms_idx, -1.0),
        ("beds_cumulative", beds_idx, -1.0),
    ):
        rr, cc, vv = [], [], []
        n = 0
        for k in range(1, K):
            both = np.flatnonzero((idx[:, k] >= 0) & (idx[:, k - 1] >= 0))
            m = len(both)
            rr += [np.arange(n, n + m), np.arange(n, n + m)]
            cc += [idx[both, k], idx[both, k - 1]]
            vv += [np.full(m, sign), np.full(m, -sign)]
            n += m
        if n:
            blk.add_rows(name, n, np.concatenate(rr), np.concatenate(cc), np.concatenate(vv), -INF, 0.0)


def define_closures(blk: _Blocks, problem: PlanningProblem, open_idx: np.ndarray, target: int) -> None:
    """At least ``target`` closure candidates are closed by the last year."""
    if target is None or target <= 0:
        return
    last = open_idx[:, -1]
    cand = np.flatnonzero(problem.candidate & (last >= 0))
    n_cand = int(problem.candidate.sum())
    forced_closed = n_cand - len(cand)  # candidates unavailable in the last year
    blk.add_rows(
        "closure_target",
        1,
        np.zeros(len(cand)),
        last[cand],
        np.ones(len(cand)),
        -INF,
        float(len(cand) - max(target - forced_closed, 0)),
        labels=[("closure_target", target)],
    )


def _nearest(pairs: pd.DataFrame, problem: PlanningProblem, n: int) -> pd.DataFrame:
    """The ``n`` cheapest pairs of every village band (by yearly cost per pupil), and for
    schools that open later or close, enough extra pairs to cover every year."""
    trips = problem.trips_per_year[pairs["mode"].to_numpy()]
    unit = pairs["travel_min"].to_numpy() * trips * problem.value_per_min_yuan + np.where(
        pairs["mode"].to_numpy() == BOARDING, problem.boarding_cost_yuan, 0.0
    )
    ranked = pairs.assign(_unit=unit).sort_values(["v", "b", "_unit"], kind="stable")
    # schools always available keep the list short; others do not count towards n
    avail_all = problem.available().all(axis=0) & ~problem.candidate
    ranked["_counts"] = avail_all[ranked["s"].to_numpy()]
    ranked["_rank"] = ranked.groupby(["v", "b"])["_counts"].cumsum() - ranked["_counts"]
    kept = ranked[ranked["_rank"] < n]
    return (
        kept.drop(columns=["_unit", "_counts", "_rank"])
        .sort_values(["b", "v", "s"], kind="stable")
        .reset_index(drop=True)
    )


def components(problem: PlanningProblem) -> list[tuple[int, ...]]:
    """Groups of bands that can be planned independently.

    Two bands belong together when some school teaches both (they share its classrooms,
    size cap and beds), and all bands taught by closure candidates belong together (they
    share the closure target).  A planned band counts even without pupils (its closure
    candidates and boarding rule still apply).  In Mengjin: primary (grades 1-6),
    junior, senior.

    Returns
    -------
    list of tuple of int
        Band indices per component, in band order.
    """
    parent = list(range(len(BANDS)))

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    def union(a: int, b: int) -> None:
        parent[find(a)] = find(b)

    for row in problem.teaches:
        taught = np.flatnonzero(row)
        for b in taught[1:]:
            union(int(taught[0]), int(b))
    cand_bands = np.flatnonzero(problem.teaches[problem.candidate].any(axis=0)) if problem.candidate.any() else []
    for b in cand_bands[1:]:
        union(int(cand_bands[0]), int(b))
    relevant = problem.planned_bands & ((problem.band_demand().sum(axis=(0, 1)) > 0) | problem.teaches.any(axis=0))
    groups: dict[int, list[int]] = {}
    for b in range(len(BANDS)):
        if relevant[b]:
            groups.setdefault(find(b), []).append(b)
    return [tuple(g) for g in sorted(groups.values())]
