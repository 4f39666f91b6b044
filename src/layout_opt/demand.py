"""School-age forecast: pupils by village, grade and year (科学预测各年龄段学龄人口).

A cohort-component forecast from the base year's pupils by grade (``g1``..``g12``) and
children by age (``a0``..``a5``) of every village-level unit, one school year (autumn) at
a time:

1. **Ageing.**  Grade ``g + 1`` next year is grade ``g`` this year times
   :attr:`ForecastParams.retention` (grades 1->2 ... 8->9, 10->11, 11->12), except that
   grade 10 (general senior high) is grade 9 times
   :attr:`ForecastParams.senior_entry_share`.  Grade 12 leaves.
2. **Enrolment.**  Grade 1 in year ``y`` is the cohort born in ``y - enrolment_age``
   (the children aged ``enrolment_age - 1`` in year ``y - 1``) times
   :attr:`ForecastParams.enrolment_factor`.  Children under school age are taken to stay
   in their village (net moves belong in the enrolment factor).  Cohorts born after the
   base year continue the ``a0`` column by :attr:`ForecastParams.births_trend_per_year`.
3. **Urban drift (进城上学).**  A share :attr:`ForecastParams.urban_drift_per_year` of
   the pupils of grades 1 to :attr:`ForecastParams.drift_last_grade` living in ordinary
   villages (``ur_code`` 220) moves to urban or town-seat units; see
   :attr:`ForecastParams.drift_destination`.  Pupils who moved stay where they went and
   age there.

The whole recursion runs in floating point (expected pupils), and only the result is
rounded to integers (see :func:`round_preserving_totals`), so rounding never compounds
from year to year.  The base year is returned exactly as given.

The module is pure: it reads no files and keeps no state.  The model takes
:meth:`Forecast.for_years` as its yearly demand.

Examples
--------
>>> import pandas as pd
>>> from layout_opt.demand import ForecastParams, forecast
>>> row = {f"g{g}": 0 for g in range(1, 13)} | {f"a{a}": 0 for a in range(6)}
>>> villages = pd.DataFrame([row | {"village_id": "v1", "town_code": "t", "ur_code": 121,
...                                 "population": 1000, "g1": 40, "a5": 30}])
>>> p = ForecastParams(horizon_year=2025, retention=1.0, urban_drift_per_year=0.0)
>>> f = forecast(villages, 2023, p)
>>> f.for_years([2024])[0, 0, :3].tolist()  # grade 1 = a5 of 2023; grade 2 = g1 of 2023
[30, 40, 0]
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from .schema import (
    AGE_COLUMNS,
    BANDS,
    GRADE_COLUMNS,
    GRADES_OF_BAND,
    N_GRADES,
    OPTIONAL_GRADE_COLUMNS,
    PRESCHOOL_GRADES,
    SCHOOL_GRADES,
)

logger = logging.getLogger(__name__)

__all__ = [
    "DRIFT_SOURCE_UR_CODES",
    "DRIFT_TARGET_UR_CODES",
    "FORECAST_PARAMETERS",
    "Forecast",
    "ForecastParams",
    "forecast",
    "forecast_district",
    "round_preserving_totals",
]

#: Settlement classes whose pupils drift to town (ordinary villages, 村庄).  Town-seat
#: fringe units (122) are part of the town seat (镇区) in the official classification and
#: in the three-concentrations rule, so they receive drift rather than lose it.
DRIFT_SOURCE_UR_CODES: tuple[int, ...] = (220,)

#: Settlement classes that receive drifting pupils, by :attr:`ForecastParams.drift_destination`.
#: ``town_seat``: the urban and town-seat units of the pupil's own town (in a subdistrict
#: those are main-urban units); ``main_urban``: the district's main urban area.
DRIFT_TARGET_UR_CODES: dict[str, tuple[int, ...]] = {
    "town_seat": (111, 112, 121, 122),
    "main_urban": (111, 112),
}

#: Columns :func:`forecast` needs in the villages table.
REQUIRED_COLUMNS: tuple[str, ...] = ("village_id", "town_code", "ur_code", "population", *GRADE_COLUMNS, *AGE_COLUMNS)


@dataclass(frozen=True)
class _Range:
    unit: str
    low: float
    high: float
    low_open: bool = False


#: Unit and valid range of each numeric forecast parameter (bounds inclusive unless noted).
FORECAST_PARAMETERS: dict[str, _Range] = {
    "horizon_year": _Range("school year (autumn)", 2000, 2100),
    "enrolment_age": _Range("years of age at entry to grade 1", 6, 7),
    "enrolment_factor": _Range("grade-1 entrants per child of the cohort", 0.0, 1.5, low_open=True),
    "preschool_enrolment_rate": _Range("kindergarten children per child aged 3-5", 0.0, 1.5),
    "retention": _Range("pupils next grade next year per pupil", 0.5, 1.2),
    "senior_entry_share": _Range("grade-10 pupils per grade-9 pupil of the year before", 0.0, 1.0),
    "urban_drift_per_year": _Range("share of village pupils per year", 0.0, 0.5),
    "drift_last_grade": _Range("grade", 1, 12),
    "births_trend_per_year": _Range("relative change of births per year", -0.5, 0.5),
}


@dataclass(frozen=True)
class ForecastParams:
    """Parameters of the school-age forecast, with their defaults and reasons.

    Attributes
    ----------
    horizon_year : int
        Last school year (autumn) forecast.  Default 2030: the 2024-2026 plan plus the
        years in which its new seats must still be full enough to be worth building.
    enrolment_age : int
        Age (completed years, 31 August) at which children enter grade 1: 6 (the national
        rule, default) or 7.  With 6, a child aged 5 in year ``y`` starts grade 1 in
        ``y + 1``; with 7, the child aged 6.  Nobody aged 6 is in the base-year table, so
        with 7 the first forecast year's entrants use an ``a6`` column if the table has
        one, otherwise the mean of base-year ``g1 / enrolment_factor`` (born a year
        earlier) and ``a5`` (born a year later).
    enrolment_factor : float
        Grade-1 entrants per child of the entering cohort living in the village
        (dimensionless, > 0).  Default 1.0: enrolment in compulsory education is
        universal; values below 1 stand for children who enrol elsewhere (following
        migrant parents), above 1 for net arrivals.
    preschool_enrolment_rate : float
        Children in a kindergarten's 小班, 中班 and 大班 per child aged 3, 4 and 5 living in
        the village (the gross enrolment rate, 毛入园率), for the forecast years; the base
        year keeps the table's ``k1``..``k3``.  Default 0.911, the national rate of 2023
        (2023年全国教育事业发展统计公报: 学前教育毛入园率 91.1%).
    retention : float
        Pupils in grade ``g + 1`` next year per pupil in grade ``g`` this year, for every
        transition except 9 -> 10 (dimensionless).  Default 0.995: a nine-year completion
        rate (九年义务教育巩固率) of about 95-96 % spread over eight transitions,
        0.995 ** 8 = 0.96; it also absorbs net moves out of the district.
    senior_entry_share : float
        Grade-10 pupils of general senior high next year per grade-9 pupil this year
        (dimensionless, 0-1).  Default 0.5: Henan keeps general and vocational upper
        secondary enrolment roughly equal (普职比大体相当), and the base-year data show
        grade 10 at about half of grade 9.  Vocational pupils leave the forecast.
    urban_drift_per_year : float
        Share of the pupils of grades 1..``drift_last_grade`` living in ordinary villages
        (``ur_code`` in :data:`DRIFT_SOURCE_UR_CODES`, i.e. 220) who move each year to
        urban or town-seat units (进城上学), per year (0-0.5).  Default 0.02, a modest
        value: nationally the rural share of compulsory pupils was about 25 % in 2016
        (3,559 of 14,242 万) and fell by about 1.2 points that year (中国农村教育发展报告
        2017), i.e. about 5 % of rural pupils a year, much of it whole families moving
        (which the villages' own counts already carry); 0.02 takes a bit under half of
        that as pupils moving ahead of their households.  Over 2024-2030 it moves about
        13 % of village pupils.  Set 0 to switch drift off.
    drift_destination : {"town_seat", "main_urban"}
        Where drifting pupils go.  ``"town_seat"`` (default): to the urban and town-seat
        units (111/112/121/122) of their own town, shared in proportion to residents;
        this follows the three concentrations (primary and junior schools concentrate
        in town seats), keeps pupils in their town's catchments, and is the conservative
        choice for the travel-limited model.  ``"main_urban"``: to the district's main
        urban area (111/112), shared in proportion to residents: the county-seat pull
        (县城挤) as a scenario.  A town without any target unit sends its pupils to the
        main urban area in either case.
    drift_last_grade : int
        Highest grade that drifts (1-12).  Default 9: 进城上学 concerns compulsory
        education; general senior high is concentrated in the main urban area anyway and
        pupils' home villages only set their travel there.
    births_trend_per_year : float
        Relative change of births per year after the base year, used to continue the
        ``a0`` column for cohorts not yet born in the base year (births in
        ``base_year + j`` = ``a0 * (1 + trend) ** j``).  Default 0.0 (births held at the
        base-year level): the district's series was still falling about 7 % a year at its
        end (a1 -> a0) but the fall was slowing, and national births rose about 5 % in
        2024; a flat level sits between.  With enrolment age 6 and horizon 2030 it sets
        only grade 1 of 2030.
    """

    horizon_year: int = 2030
    enrolment_age: int = 6
    enrolment_factor: float = 1.0
    preschool_enrolment_rate: float = 0.911
    retention: float = 0.995
    senior_entry_share: float = 0.5
    urban_drift_per_year: float = 0.02
    drift_destination: Literal["town_seat", "main_urban"] = "town_seat"
    drift_last_grade: int = 9
    births_trend_per_year: float = 0.0

    def __post_init__(self) -> None:
        for name in ("horizon_year", "enrolment_age", "drift_last_grade"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
                raise ValueError(f"{name} must be a whole number, got {value!r}")
        for name, rng in FORECAST_PARAMETERS.items():
            value = getattr(self, name)
            if (
                isinstance(value, bool)
                or not isinstance(value, (int, float, np.integer, np.floating))
                or not np.isfinite(value)
            ):
                raise ValueError(f"{name} must be a number, got {value!r}")
            too_low = value <= rng.low if rng.low_open else value < rng.low
            if too_low or value > rng.high:
                low = f"above {rng.low:g}" if rng.low_open else f"{rng.low:g}"
                raise ValueError(f"{name} = {value!r} is out of range: must be {low} to {rng.high:g} ({rng.unit})")
        if self.drift_destination not in DRIFT_TARGET_UR_CODES:
            raise ValueError(
                f"drift_destination must be one of {sorted(DRIFT_TARGET_UR_CODES)}, got {self.drift_destination!r}"
            )

    def replace(self, **changes: Any) -> ForecastParams:
        """Return a copy with ``changes`` applied (validated)."""
        return dataclasses.replace(self, **changes)


@dataclass(frozen=True, eq=False)
class Forecast:
    """Pupils by year, village and grade.

    Attributes
    ----------
    years : numpy.ndarray
        School years (autumn), ``(n_years,)`` int, from the base year to the horizon.
    village_ids : numpy.ndarray
        ``(n_villages,)`` str, in the order of the input table.
    pupils : numpy.ndarray
        ``(n_years, n_villages, 15)`` int64 pupils of grades 1-12 and kindergarten
        children of grades 13-15 (小班, 中班, 大班) (rounded, see
        :func:`round_preserving_totals`).  ``pupils[0]`` is the base-year table.
    expected : numpy.ndarray
        The same before rounding (float64, expected pupils).
    params : ForecastParams
        Parameters used.
    """

    years: np.ndarray
    village_ids: np.ndarray
    pupils: np.ndarray
    expected: np.ndarray
    params: ForecastParams = field(default_factory=ForecastParams)

    def __post_init__(self) -> None:
        for name in ("years", "village_ids", "pupils", "expected"):
            getattr(self, name).setflags(write=False)

    @property
    def base_year(self) -> int:
        """The base year (the first of :attr:`years`)."""
        return int(self.years[0])

    def _year_index(self, years: Iterable[int]) -> list[int]:
        index = {int(y): i for i, y in enumerate(self.years)}
        missing = [int(y) for y in years if int(y) not in index]
        if missing:
            raise ValueError(
                f"years {missing} are outside the forecast {self.years[0]}-{self.years[-1]}; raise horizon_year or check the base year"
            )
        return [index[int(y)] for y in years]

    def for_years(self, years: Iterable[int]) -> np.ndarray:
        """Pupils for the model: ``(K, n_villages, 15)`` int64, in village order.

        Parameters
        ----------
        years : iterable of int
            School years (autumn), each within :attr:`years`.

        Raises
        ------
        ValueError
            If a year is outside the forecast.
        """
        years = list(years)
        return self.pupils[self._year_index(years)].copy()

    def to_frame(self) -> pd.DataFrame:
        """Long table ``year, village_id, grade, pupils`` (every combination, zeros included)."""
        n, v, g = self.pupils.shape
        return pd.DataFrame(
            {
                "year": np.repeat(self.years, v * g).astype(np.int64),
                "village_id": np.tile(np.repeat(self.village_ids, g), n),
                "grade": np.tile(np.arange(1, g + 1), n * v).astype(np.int64),
                "pupils": self.pupils.reshape(-1).astype(np.int64),
            }
        )

    def band_array(self) -> np.ndarray:
        """Pupils by band: ``(n_years, n_villages, n_bands)`` int64, bands in :data:`~layout_opt.schema.BANDS` order."""
        return np.stack([self.pupils[:, :, [g - 1 for g in GRADES_OF_BAND[b]]].sum(axis=2) for b in BANDS], axis=2)

    def by_band(self) -> pd.DataFrame:
        """Long table ``year, village_id, band, pupils`` (bands of :data:`~layout_opt.schema.BANDS`)."""
        arr = self.band_array()
        n, v, b = arr.shape
        return pd.DataFrame(
            {
                "year": np.repeat(self.years, v * b).astype(np.int64),
                "village_id": np.tile(np.repeat(self.village_ids, b), n),
                "band": np.tile(np.array(BANDS, dtype=object), n * v),
                "pupils": arr.reshape(-1).astype(np.int64),
            }
        )

    def totals(self) -> pd.DataFrame:
        """District pupils by year (rows) and band (columns), int64."""
        arr = self.band_array().sum(axis=1)
        return pd.DataFrame(
            arr, index=pd.Index(self.years.astype(np.int64), name="year"), columns=pd.Index(list(BANDS), name="band")
        )


# --------------------------------------------------------------------------- functions


def forecast(villages: pd.DataFrame, base_year: int, params: ForecastParams = ForecastParams()) -> Forecast:
    """Forecast pupils by village and grade from ``base_year`` to ``params.horizon_year``.

    Parameters
    ----------
    villages : pandas.DataFrame
        One row per village-level unit with ``village_id``, ``town_code``, ``ur_code``,
        ``population`` (residents), ``g1``..``g12`` (pupils by grade in ``base_year``),
        optionally ``k1``..``k3`` (kindergarten children in 小班, 中班, 大班; zero if
        absent) and ``a0``..``a5`` (children by age in ``base_year``; ``a0`` born in
        ``base_year``).  An ``a6`` column, if present, is used with enrolment age 7.
        Not modified.
    base_year : int
        School year (autumn) the table describes.
    params : ForecastParams
        Forecast parameters.

    Returns
    -------
    Forecast
        Years ``base_year`` .. ``params.horizon_year``.

    Raises
    ------
    ValueError
        If a column is missing or holds a negative or missing value (or a fractional
        pupil count), ids repeat, or the horizon is before the base year.
    """
    base_year = int(base_year)
    if params.horizon_year < base_year:
        raise ValueError(f"horizon_year = {params.horizon_year} is before the base year {base_year}")
    missing = [c for c in OPTIONAL_GRADE_COLUMNS if c not in villages.columns]
    if missing:  # a table without kindergarten children: none today
        villages = villages.assign(**dict.fromkeys(missing, 0))
    _check_table(villages, params)
    ids = villages["village_id"].astype(str).to_numpy()
    grades0 = villages[list(GRADE_COLUMNS)].to_numpy(dtype=np.float64)
    ages0 = villages[list(AGE_COLUMNS)].to_numpy(dtype=np.float64)
    a6 = _age6(villages, grades0, ages0, params)
    n_years = params.horizon_year - base_year + 1
    n_villages = len(villages)
    transfer = _drift_pairs(villages, params)

    expected = np.zeros((n_years, n_villages, N_GRADES), dtype=np.float64)
    expected[0] = grades0
    last = params.drift_last_grade
    school = len(SCHOOL_GRADES)
    for i in range(1, n_years):
        year = base_year + i
        prev = expected[i - 1]
        cur = np.empty_like(prev)
        cur[:, 1:school] = prev[:, : school - 1] * params.retention
        cur[:, 9] = prev[:, 8] * params.senior_entry_share
        cur[:, 0] = _cohort(year - params.enrolment_age, base_year, ages0, a6, params) * params.enrolment_factor
        for j, g in enumerate(PRESCHOOL_GRADES):  # aged 3, 4, 5
            cur[:, g - 1] = _cohort(year - 3 - j, base_year, ages0, a6, params) * params.preschool_enrolment_rate
        if transfer is not None:
            src, dst, share = transfer
            moved = np.zeros((n_villages, last))
            moved[src] = params.urban_drift_per_year * cur[src, :last]  # src repeats: same value
            inflow = np.zeros((n_villages, last))
            np.add.at(inflow, dst, moved[src] * share[:, None])
            cur[:, :last] += inflow - moved
        expected[i] = np.clip(cur, 0.0, None)

    pupils = round_preserving_totals(expected)
    pupils[0] = grades0.astype(np.int64)
    years = np.arange(base_year, params.horizon_year + 1, dtype=np.int64)
    logger.info(
        "forecast %d-%d for %d villages: pupils %d -> %d",
        base_year,
        params.horizon_year,
        n_villages,
        int(pupils[0].sum()),
        int(pupils[-1].sum()),
    )
    return Forecast(years=years, village_ids=ids, pupils=pupils, expected=expected, params=params)


def forecast_district(district: Any, params: ForecastParams = ForecastParams()) -> Forecast:
    """Forecast the pupils of a :class:`~layout_opt.district.District` (its villages and base year)."""
    return forecast(district.villages, district.base_year, params)


def round_preserving_totals(values: np.ndarray) -> np.ndarray:
    """Round non-negative expected pupils to integers, keeping each year's grade totals.

    For every year and grade, the district total is rounded to the nearest integer and the
    villages get the floors of their values plus one pupil each for the largest
    fractional parts (largest-remainder rounding; ties go to the earlier village), so that
    district totals are what the unrounded forecast says and no village is off by a
    pupil or more.

    Parameters
    ----------
    values : numpy.ndarray
        ``(n_years, n_villages, n_grades)`` non-negative floats.

    Returns
    -------
    numpy.ndarray
        Same shape, int64.
    """
    values = np.asarray(values, dtype=np.float64)
    out = np.floor(values).astype(np.int64)
    frac = values - out
    targets = np.rint(values.sum(axis=1)).astype(np.int64)  # (n_years, n_grades)
    short = targets - out.sum(axis=1)
    n_years, _, n_grades = values.shape
    for i in range(n_years):
        for g in range(n_grades):
            k = int(short[i, g])
            if k > 0:
                order = np.argsort(-frac[i, :, g], kind="stable")[:k]
                out[i, order, g] += 1
            elif k < 0:  # only through floating-point noise in the sums
                order = np.argsort(frac[i, :, g], kind="stable")
                order = order[out[i, order, g] > 0][:-k]
                out[i, order, g] -= 1
    return out


# --------------------------------------------------------------------------- helpers


def _check_table(villages: pd.DataFrame, params: ForecastParams) -> None:
    missing = [c for c in REQUIRED_COLUMNS if c not in villages.columns]
    if missing:
        raise ValueError(f"villages table lacks column(s) {missing} needed by the forecast")
    ids = villages["village_id"].astype(str)
    dup = ids[ids.duplicated()].unique().tolist()
    if dup:
        raise ValueError(f"village_id repeats: {dup[:5]}")
    numeric = ["population", *GRADE_COLUMNS, *AGE_COLUMNS] + (
        ["a6"] if params.enrolment_age == 7 and "a6" in villages.columns else []
    )
    for c in numeric:
        col = pd.to_numeric(villages[c], errors="coerce")
        bad = col.isna() | (col < 0)
        if bad.any():
            raise ValueError(
                f"column {c} must be a non-negative number; village {ids[bad.to_numpy()].iloc[0]} has {villages[c][bad].iloc[0]!r}"
            )
        if c in GRADE_COLUMNS and (col % 1 != 0).any():
            frac = (col % 1 != 0).to_numpy()
            raise ValueError(
                f"column {c} counts pupils and must be whole; village {ids[frac].iloc[0]} has {villages[c][frac].iloc[0]!r}"
            )


def _age6(villages: pd.DataFrame, grades0: np.ndarray, ages0: np.ndarray, params: ForecastParams) -> np.ndarray | None:
    """Children aged 6 in the base year (needed only with enrolment age 7)."""
    if params.enrolment_age != 7:
        return None
    if "a6" in villages.columns:
        return villages["a6"].to_numpy(dtype=np.float64)
    logger.info("enrolment age 7: children aged 6 in the base year estimated as the mean of g1/enrolment_factor and a5")
    return 0.5 * (grades0[:, 0] / params.enrolment_factor + ages0[:, 5])


def _cohort(
    birth_year: int, base_year: int, ages0: np.ndarray, a6: np.ndarray | None, params: ForecastParams
) -> np.ndarray:
    """Children per village born in ``birth_year`` (as counted in the base year, or continued)."""
    age = base_year - birth_year
    if age < 0:
        return ages0[:, 0] * (1.0 + params.births_trend_per_year) ** (-age)
    if age <= 5:
        return ages0[:, age]
    if age == 6 and a6 is not None:
        return a6
    raise ValueError(f"no children born in {birth_year} in the base-year table")  # unreachable with valid params


def _drift_pairs(villages: pd.DataFrame, params: ForecastParams) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Source village, target village and the target's share of the source's drift.

    Returns ``(src, dst, share)`` with one entry per (source, target) pair; the shares of
    each source sum to 1.  ``None`` when nothing drifts.
    """
    if params.urban_drift_per_year == 0:
        return None
    ur = villages["ur_code"].to_numpy(dtype=np.int64)
    town = villages["town_code"].astype(str).to_numpy()
    pop = villages["population"].to_numpy(dtype=np.float64)
    sources = np.flatnonzero(np.isin(ur, DRIFT_SOURCE_UR_CODES))
    urban = np.flatnonzero(np.isin(ur, DRIFT_TARGET_UR_CODES["main_urban"]))
    targets_all = np.flatnonzero(np.isin(ur, DRIFT_TARGET_UR_CODES[params.drift_destination]))
    src: list[np.ndarray] = []
    dst: list[np.ndarray] = []
    share: list[np.ndarray] = []
    stranded: list[str] = []
    for t in np.unique(town[sources]) if len(sources) else []:
        src_t = sources[town[sources] == t]
        tgt = targets_all if params.drift_destination == "main_urban" else targets_all[town[targets_all] == t]
        if len(tgt) == 0:
            tgt = urban
        if len(tgt) == 0:
            stranded.append(str(t))
            continue
        w = pop[tgt]
        w = w / w.sum() if w.sum() > 0 else np.full(len(tgt), 1.0 / len(tgt))
        src.append(np.repeat(src_t, len(tgt)))
        dst.append(np.tile(tgt, len(src_t)))
        share.append(np.tile(w, len(src_t)))
    if stranded:
        logger.warning(
            "no urban or town-seat unit to receive drifting pupils from town(s) %s; their pupils stay", stranded
        )
    if not src:
        return None
    return np.concatenate(src), np.concatenate(dst), np.concatenate(share)
