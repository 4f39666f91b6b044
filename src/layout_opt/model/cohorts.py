"""Pupil cohorts: who must be placed by the plan, and who is already enrolled where.

A plan places pupils in groups that move through the school years together.  A group is
the pupils of one village-level unit and one school level (primary grades 1-6, junior
7-9, senior 10-12, kindergarten 小班-大班) who entered that level in the same year, and, for those already
enrolled in the base year, attend the same school in the same mode (day or boarding):

* **enrolled** groups are in the level today; their base-year school and mode come
  from the attendance table, and they stay there until they finish the level or the
  school closes (or stops teaching their grade);
* **entrant** groups enter the level within the plan (grades 1, 7, 10 and 小班 from the
  first year after the base year on): the plan chooses their school;
* **arrival** groups are pupils of an enrolled cohort beyond those the attendance table
  knows (families that moved into the unit, 进城上学): the plan chooses their school.

The forecast gives the pupils of every village, grade and year; an enrolled cohort's
pupils are split over its base-year schools in proportion to the attendance table, by
largest remainders, and only what exceeds the base-year count arrives.

Pure functions of arrays; :func:`build_cohorts` is used by
:meth:`layout_opt.model.problem.PlanningProblem.from_district`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..schema import BANDS, GRADES_OF_BAND, LEVEL_OF_BAND, N_GRADES

#: School levels in order, and the grades of each.
LEVELS: tuple[str, ...] = tuple(dict.fromkeys(LEVEL_OF_BAND[b] for b in BANDS))
GRADES_OF_LEVEL: dict[str, tuple[int, ...]] = {
    lv: tuple(sorted(g for b in BANDS if LEVEL_OF_BAND[b] == lv for g in GRADES_OF_BAND[b])) for lv in LEVELS
}

#: Kinds of group (:attr:`Cohorts.kind`).
ENROLLED, ENTRANT, ARRIVAL = 0, 1, 2
GROUP_KINDS: tuple[str, ...] = ("enrolled", "entrant", "arrival")


@dataclass(frozen=True)
class Cohorts:
    """Pupil groups and their pupils per plan year.

    Shapes: ``Q`` groups, ``K`` plan years.

    Attributes
    ----------
    village : numpy.ndarray
        ``(Q,)`` village index.
    level : numpy.ndarray
        ``(Q,)`` index into :data:`LEVELS`.
    entry_year : numpy.ndarray
        ``(Q,)`` school year in which the group is (or was) in the level's first grade.
    kind : numpy.ndarray
        ``(Q,)`` :data:`ENROLLED`, :data:`ENTRANT` or :data:`ARRIVAL`.
    origin_school : numpy.ndarray
        ``(Q,)`` school index attended in the base year (-1 if none).
    origin_mode : numpy.ndarray
        ``(Q,)`` 0 day, 1 boarding in the base year (-1 if none).
    pupils : numpy.ndarray
        ``(Q, K)`` pupils of the group in each plan year (0 outside the level).
    grade : numpy.ndarray
        ``(Q, K)`` grade (1-15) of the group in each plan year (0 outside the level).
    """

    village: np.ndarray
    level: np.ndarray
    entry_year: np.ndarray
    kind: np.ndarray
    origin_school: np.ndarray
    origin_mode: np.ndarray
    pupils: np.ndarray
    grade: np.ndarray

    def __len__(self) -> int:
        return len(self.village)

    def band(self) -> np.ndarray:
        """``(Q, K)`` band index (into :data:`layout_opt.schema.BANDS`) per plan year; -1 outside."""
        lookup = np.full(N_GRADES + 1, -1)
        for b, band in enumerate(BANDS):
            for g in GRADES_OF_BAND[band]:
                lookup[g] = b
        return np.where(self.grade > 0, lookup[self.grade], -1)

    def new_band(self) -> np.ndarray:
        """``(Q, K)`` True where the group's grade starts a band of its level (grade 4:
        lower to upper primary; also 7 and 10, which start a level): the year in which a
        group that stays at its school chooses its mode anew."""
        return np.isin(self.grade, [min(GRADES_OF_BAND[b]) for b in BANDS])

    def take(self, index: np.ndarray) -> Cohorts:
        """The groups at ``index``."""
        return Cohorts(*(getattr(self, f)[index] for f in self.__dataclass_fields__))


def build_cohorts(
    years: np.ndarray,
    base_year: int,
    demand: np.ndarray,
    attendance: pd.DataFrame | None,
) -> Cohorts:
    """Split the forecast into pupil groups.

    Parameters
    ----------
    years : numpy.ndarray
        ``(K,)`` plan years, increasing, after ``base_year``.
    base_year : int
        The year the attendance table describes.
    demand : numpy.ndarray
        ``(K, V, G)`` pupils by plan year, village and grade (the forecast).
    attendance : pandas.DataFrame or None
        Base-year attendance with integer columns ``v`` (village index), ``s`` (school
        index), ``grade``, ``pupils``, ``boarders``; ``None`` plans every pupil afresh
        (every group is an arrival).

    Returns
    -------
    Cohorts
        Groups with pupils in at least one plan year, sorted by level, village, entry
        year, origin.
    """
    years = np.asarray(years, dtype=np.int64)
    K, V, G = demand.shape
    k_idx, v_idx, g_idx = np.nonzero(demand > 0)
    rows = pd.DataFrame({"k": k_idx, "v": v_idx, "grade": g_idx + 1, "d": demand[k_idx, v_idx, g_idx]})
    level_of_grade = {g: LEVELS.index(lv) for lv, gs in GRADES_OF_LEVEL.items() for g in gs}
    first_of_level = np.array([GRADES_OF_LEVEL[lv][0] for lv in LEVELS])
    rows["level"] = rows["grade"].map(level_of_grade)
    year = years[rows["k"].to_numpy()]
    first = first_of_level[rows["level"].to_numpy()]
    rows["entry_year"] = year - (rows["grade"].to_numpy() - first)
    rows["grade0"] = rows["grade"].to_numpy() - (year - base_year)
    in_level_today = rows["grade0"].to_numpy() >= first
    enrolled = in_level_today & (attendance is not None)
    fresh = rows.loc[~enrolled].assign(s=-1, m=-1, n=rows.loc[~enrolled, "d"])
    fresh["kind"] = np.where(in_level_today[~enrolled], ARRIVAL, ENTRANT)
    parts = [fresh]
    if attendance is not None and enrolled.any():
        att = attendance.copy()
        day = att.assign(m=0, n0=att["pupils"] - att["boarders"])
        board = att.assign(m=1, n0=att["boarders"])
        origins = pd.concat([day, board], ignore_index=True)
        origins = origins[origins["n0"] > 0][["v", "s", "grade", "m", "n0"]].rename(columns={"grade": "grade0"})
        origins = origins.groupby(["v", "grade0", "s", "m"], as_index=False)["n0"].sum()
        total = origins.groupby(["v", "grade0"])["n0"].sum().rename("known")
        er = rows.loc[enrolled].join(total, on=["v", "grade0"])
        er["known"] = er["known"].fillna(0).astype(np.int64)
        er["cont"] = np.minimum(er["d"], er["known"])
        arrivals = er[er["d"] > er["cont"]].assign(s=-1, m=-1, kind=ARRIVAL)
        arrivals["n"] = arrivals["d"] - arrivals["cont"]
        split = er[er["cont"] > 0].merge(origins, on=["v", "grade0"])
        split["n"] = _largest_remainder(
            split["cont"].to_numpy() * split["n0"].to_numpy() / split["known"].to_numpy(),
            split[["k", "v", "grade"]].to_numpy(),
        )
        parts += [arrivals, split.assign(kind=ENROLLED)]
    long = pd.concat(parts, ignore_index=True)
    long = long[long["n"] > 0]
    keys = ["level", "v", "entry_year", "kind", "s", "m"]
    groups = long[keys].drop_duplicates().sort_values(keys, kind="stable").reset_index(drop=True)
    q = pd.MultiIndex.from_frame(groups).get_indexer(pd.MultiIndex.from_frame(long[keys]))
    pupils = np.zeros((len(groups), K), dtype=np.int64)
    np.add.at(pupils, (q, long["k"].to_numpy()), long["n"].to_numpy(np.int64))
    # the grade follows the entry year (also in years without pupils)
    first_g = first_of_level[groups["level"].to_numpy()]
    last_g = np.array([GRADES_OF_LEVEL[lv][-1] for lv in LEVELS])[groups["level"].to_numpy()]
    expected = first_g[:, None] + (years[None, :] - groups["entry_year"].to_numpy()[:, None])
    inside = (expected >= first_g[:, None]) & (expected <= last_g[:, None])
    grade = np.where(inside, expected, 0)
    return Cohorts(
        village=groups["v"].to_numpy(np.int64),
        level=groups["level"].to_numpy(np.int64),
        entry_year=groups["entry_year"].to_numpy(np.int64),
        kind=groups["kind"].to_numpy(np.int64),
        origin_school=groups["s"].to_numpy(np.int64),
        origin_mode=groups["m"].to_numpy(np.int64),
        pupils=pupils,
        grade=grade,
    )


def _largest_remainder(values: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Round ``values`` to integers keeping the (rounded) sum of each ``keys`` group.

    Each group's total is rounded to the nearest integer first; the units left after
    flooring go to the largest fractional parts (first in order on ties).
    """
    floor = np.floor(values + 1e-9).astype(np.int64)
    frac = values - floor
    if len(values) == 0:
        return floor
    _, group = np.unique(keys, axis=0, return_inverse=True)
    group = group.ravel()
    total = np.bincount(group, weights=values)
    need = np.rint(total).astype(np.int64) - np.bincount(group, weights=floor).astype(np.int64)
    order = np.lexsort((np.arange(len(values)), -frac, group))
    rank = np.empty(len(values), dtype=np.int64)
    starts = np.r_[0, np.flatnonzero(np.diff(group[order])) + 1]
    pos = np.arange(len(values)) - np.repeat(starts, np.diff(np.r_[starts, len(values)]))
    rank[order] = pos
    return floor + (rank < need[group]).astype(np.int64)
