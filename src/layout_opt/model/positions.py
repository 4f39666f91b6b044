"""Where each pupil group may be placed each year, and the independent units of a problem.

:class:`Positions` lists, for every group and plan year, the (school, mode) positions the
rules allow (:meth:`~layout_opt.model.problem.PlanningProblem.pairs`, the school open
that year, not forbidden), plus the group's own base-year school when the zone rule would
exclude it: pupils enrolled today at a school of another zone stay there (their position
is kept), and move only within that school's zone.

:func:`split_units` cuts the problem into **units** that share no school and no rule but
the district-wide totals (the closure target, a budget): schools are linked when a group
may be placed at both, or when a town's boarding-school rule counts both.  With catchment
zones, the units are the zones (split further by level where no school teaches two
levels); without, the connected parts of the district.  Each unit is solved on its own.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from ..schema import BANDS
from .problem import PlanningProblem

#: Bands whose schools the town boarding-school rule counts, by level.
BOARDING_RULE_BANDS: dict[str, str] = {"primary": "upper_primary", "junior": "junior"}


class Positions:
    """The allowed positions of every group and plan year.

    Parameters
    ----------
    problem : PlanningProblem
        The arrays.
    forbidden : pandas.DataFrame, optional
        ``v``, ``b``, ``s`` triples that may not be used (e.g. bus rides found too long).

    Attributes
    ----------
    table : pandas.DataFrame
        One row per position: ``v, b, s, mode, travel_min, km, bused`` and ``only_group``
        (the group a kept out-of-zone position belongs to, -1 for positions open to every
        group of the village and band).
    """

    def __init__(self, problem: PlanningProblem, forbidden: pd.DataFrame | None = None):
        self.problem = problem
        K, V, S = problem.shape
        table = problem.pairs()
        table["only_group"] = -1
        co = problem.cohorts
        bands = co.band()
        extra = []
        if problem.zoned_band.any() and len(co):
            enrolled = np.flatnonzero(co.origin_school >= 0)
            out = enrolled[
                problem.school_zone[co.origin_school[enrolled]] != problem.village_zone[co.village[enrolled]]
            ]
            if len(out):
                free = problem.pairs(zoned=False)
                free = free[problem.zoned_band[free["b"].to_numpy()]]
                by_vs = free.groupby(["v", "s"]).indices
                for q in out:
                    hit = by_vs.get((co.village[q], co.origin_school[q]))
                    if hit is not None:
                        rows = free.iloc[hit]
                        extra.append(rows[np.isin(rows["b"], bands[q])].assign(only_group=q))
        if extra:
            table = pd.concat([table, *extra], ignore_index=True)
        if forbidden is not None and len(forbidden):
            bad = pd.MultiIndex.from_frame(forbidden[["v", "b", "s"]].astype(np.int64))
            table = table[~pd.MultiIndex.from_frame(table[["v", "b", "s"]]).isin(bad)]
        table = table.sort_values(["b", "v", "only_group", "s", "mode"], kind="stable").reset_index(drop=True)
        self.table = table
        self._s = table["s"].to_numpy()
        self._only = table["only_group"].to_numpy()
        key = table["b"].to_numpy(np.int64) * V + table["v"].to_numpy(np.int64)
        self._key = key
        self._avail = problem.available()  # (K, S)
        self._bands = bands

    def village_rows(self, v: int, b: int, k: int) -> np.ndarray:
        """Row indices open to every group of village ``v`` and band ``b`` in year ``k``."""
        V = len(self.problem.village_ids)
        key = b * V + v
        lo, hi = np.searchsorted(self._key, [key, key + 1])
        idx = np.arange(lo, hi)
        idx = idx[self._only[idx] == -1]
        return idx[self._avail[k, self._s[idx]]]

    def rows(self, q: int, k: int) -> np.ndarray:
        """Row indices of :attr:`table` where group ``q`` may be in plan year ``k``."""
        b = self._bands[q, k]
        if b < 0:
            return np.zeros(0, dtype=np.int64)
        V = len(self.problem.village_ids)
        key = b * V + self.problem.cohorts.village[q]
        lo, hi = np.searchsorted(self._key, [key, key + 1])
        idx = np.arange(lo, hi)
        idx = idx[(self._only[idx] == -1) | (self._only[idx] == q)]
        return idx[self._avail[k, self._s[idx]]]


@dataclass(frozen=True)
class Unit:
    """A part of the problem that shares no school and no rule with the others.

    Attributes
    ----------
    schools : numpy.ndarray
        School indices.
    groups : numpy.ndarray
        Group indices (:class:`~layout_opt.model.cohorts.Cohorts`).
    """

    schools: np.ndarray
    groups: np.ndarray

    def candidates(self, problem: PlanningProblem) -> np.ndarray:
        """The unit's closure candidates."""
        return self.schools[problem.candidate[self.schools]]

    def label(self, problem: PlanningProblem) -> str:
        """Zone(s) and level(s) of the unit, for logs and reports."""
        zones = sorted({str(problem.zone_names[z]) for z in problem.school_zone[self.schools]})
        bands = [BANDS[b] for b in np.flatnonzero(problem.teaches[self.schools].any(axis=0))]
        return f"{'+'.join(zones[:3])}{'+...' if len(zones) > 3 else ''} [{', '.join(bands)}]"


def group_schools(positions: Positions) -> pd.DataFrame:
    """Every (group, school) a group may attend in some plan year.

    An enrolled group that the stay rule keeps at its base-year school in every year of
    its level (the school is not a closure candidate, stays open, teaches each of its
    grades and is allowed by the trip rules) may attend only that school.
    """
    problem = positions.problem
    co = problem.cohorts
    K = len(problem.years)
    t_s = positions.table["s"].to_numpy()
    qs, ss = [], []
    for q in range(len(co)):
        rows_by_year = [positions.rows(q, k) if co.pupils[q, k] > 0 else None for k in range(K)]
        s0 = co.origin_school[q]
        pinned = (
            s0 >= 0
            and not problem.allow_reassignment
            and not problem.candidate[s0]
            and all(r is None or bool((t_s[r] == s0).any()) for r in rows_by_year)
            and all(co.pupils[q, k] > 0 for k in range(_first(co.pupils[q]), _last(co.pupils[q]) + 1))
        )
        for r in rows_by_year:
            if r is None:
                continue
            s = np.array([s0]) if pinned else np.unique(t_s[r])
            qs.append(np.full(len(s), q))
            ss.append(s)
    q_arr = np.concatenate(qs) if qs else np.zeros(0, dtype=np.int64)
    s_arr = np.concatenate(ss) if ss else np.zeros(0, dtype=np.int64)
    return pd.DataFrame({"q": q_arr, "s": s_arr}).drop_duplicates().reset_index(drop=True)


def _first(pupils: np.ndarray) -> int:
    nz = np.flatnonzero(pupils > 0)
    return int(nz[0]) if len(nz) else 0


def _last(pupils: np.ndarray) -> int:
    nz = np.flatnonzero(pupils > 0)
    return int(nz[-1]) if len(nz) else -1


def split_units(positions: Positions) -> list[Unit]:
    """The independent units of the problem (see the module docstring).

    Schools that teach no planned band and have no group are left out.  Groups with no
    position at all end up in no unit (the pre-solve check explains them).

    Returns
    -------
    list of Unit
        Ordered by their smallest school index.
    """
    problem = positions.problem
    K, V, S = problem.shape
    co = problem.cohorts
    gs = group_schools(positions)
    Q = len(co)
    # nodes: schools 0..S-1, groups S..S+Q-1, boarding-rule virtual nodes after
    rows = [
        gs["s"].to_numpy(),
    ]
    cols = [S + gs["q"].to_numpy()]
    n_nodes = S + Q
    if problem.boarding_schools_per_town > 0:
        for band in BOARDING_RULE_BANDS.values():
            b = BANDS.index(band)
            if not problem.planned_bands[b]:
                continue
            eligible = problem.teaches[:, b] & ((problem.beds >= problem.min_boarding_beds) | problem.may_add_beds)
            for t in np.flatnonzero(problem.town_needs_boarding):
                members = np.flatnonzero(eligible & (problem.school_town == t))
                if len(members) > 1:
                    rows.append(members)
                    cols.append(np.full(len(members), n_nodes))
                    n_nodes += 1
    r = np.concatenate(rows)
    c = np.concatenate(cols)
    graph = coo_matrix((np.ones(len(r)), (r, c)), shape=(n_nodes, n_nodes))
    _, label = connected_components(graph, directed=False)
    in_plan = problem.teaches[:, problem.planned_bands].any(axis=1)
    has_group = np.zeros(S, dtype=bool)
    has_group[gs["s"].to_numpy()] = True
    units = []
    for lab in np.unique(label[:S][in_plan | has_group]):
        schools = np.flatnonzero((label[:S] == lab) & (in_plan | has_group))
        groups = np.flatnonzero(label[S : S + Q] == lab)
        groups = groups[np.isin(groups, gs["q"].to_numpy())]
        units.append(Unit(schools=schools, groups=groups))
    units.sort(key=lambda u: int(u.schools.min()))
    return units
