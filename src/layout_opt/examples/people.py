"""Residents, pupils by grade and young children by age of village-level units."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..schema import AGE_COLUMNS
from ..schema import SCHOOL_GRADE_COLUMNS as GRADE_COLUMNS

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Calibration:
    """District totals the synthetic counts are calibrated to.

    Attributes
    ----------
    population : int
        Residents in the district.
    primary_per_1000, junior_per_1000, senior_per_1000 : float
        Pupils of grades 1-6, 7-9 and general senior high 10-12 per 1,000 residents.
    births_by_year : Mapping[int, float]
        Births per calendar year; grade ``g`` in ``base_year`` is the cohort born in
        ``base_year - 5 - g`` (school starts at age 6, in September).
    base_year : int
        School year the enrolment describes (autumn of that year).
    """

    population: int = 486_000
    primary_per_1000: float = 80.0
    junior_per_1000: float = 40.0
    senior_per_1000: float = 20.0
    births_by_year: Mapping[int, float] | None = None
    base_year: int = 2023


#: Births per year in Mengjin, shaped on the published trend: about 7,000 a year in
#: 2016-17, falling to about 3,500 in 2023.
MENGJIN_BIRTHS: dict[int, float] = {
    2005: 6200,
    2006: 6250,
    2007: 6300,
    2008: 6350,
    2009: 6400,
    2010: 6450,
    2011: 6500,
    2012: 6600,
    2013: 6650,
    2014: 6700,
    2015: 6800,
    2016: 7000,
    2017: 7050,
    2018: 6300,
    2019: 5600,
    2020: 4700,
    2021: 4100,
    2022: 3750,
    2023: 3500,
}


def synth_population(
    ur_codes: np.ndarray,
    total: int,
    rng: np.random.Generator,
    mean_by_ur: Mapping[int, float] | None = None,
) -> np.ndarray:
    """Draw residents per village-level unit, scaled to ``total``.

    Urban and town-seat units (111/112/121/122) are far larger than villages (220).

    Parameters
    ----------
    ur_codes : numpy.ndarray
        Settlement class of each unit.
    total : int
        District residents the draw is scaled to (exact after rounding).
    rng : numpy.random.Generator
        Source of randomness.
    mean_by_ur : Mapping[int, float], optional
        Relative mean size by class before scaling.

    Returns
    -------
    numpy.ndarray
        Residents per unit (int64), summing to ``total``.
    """
    mean_by_ur = mean_by_ur or {111: 5200, 112: 3300, 121: 5600, 122: 2300, 210: 2000, 220: 1150}
    means = np.array([mean_by_ur[int(u)] for u in ur_codes], dtype=float)
    sigma = np.where(ur_codes == 220, 0.45, 0.3)
    raw = means * rng.lognormal(mean=-0.5 * sigma**2, sigma=sigma)
    return _round_to_total(raw / raw.sum() * total, total)


def synth_children(
    population: np.ndarray,
    calibration: Calibration,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Pupils by grade (``g1``-``g12``) and children by age (``a0``-``a5``) per unit.

    District totals per grade follow the birth series; band totals are calibrated to the
    pupils-per-1,000-residents ratios; each cohort is spread over units in proportion to
    residents, with multinomial noise so that district totals are exact.

    Parameters
    ----------
    population : numpy.ndarray
        Residents per unit.
    calibration : Calibration
        Totals to meet.
    rng : numpy.random.Generator
        Source of randomness.

    Returns
    -------
    pandas.DataFrame
        Columns ``g1``..``g12`` and ``a0``..``a5`` (int64), one row per unit.
    """
    births = dict(calibration.births_by_year or MENGJIN_BIRTHS)
    y0 = calibration.base_year
    total_pop = float(population.sum())
    target = {
        "primary": calibration.primary_per_1000 * total_pop / 1000.0,
        "junior": calibration.junior_per_1000 * total_pop / 1000.0,
        "senior": calibration.senior_per_1000 * total_pop / 1000.0,
    }
    grades_of = {"primary": range(1, 7), "junior": range(7, 10), "senior": range(10, 13)}
    cohort = {g: births.get(y0 - 5 - g, births[min(births)]) for g in range(1, 13)}
    grade_total: dict[int, int] = {}
    for level, grades in grades_of.items():
        scale = target[level] / sum(cohort[g] for g in grades)
        for g in grades:
            grade_total[g] = int(round(cohort[g] * scale))
    # Children not yet at school: a0 born in the base year, a5 five years before.
    people = total_pop / calibration.population  # births are the district's; scale to this population
    age_total = {a: int(round(births.get(y0 - a, births[max(births)]) * 0.985 * people)) for a in range(6)}
    return spread_cohorts(population, grade_total, age_total, rng)


def spread_cohorts(
    population: np.ndarray,
    grade_total: Mapping[int, int],
    age_total: Mapping[int, int],
    rng: np.random.Generator,
    sigma: float = 0.12,
) -> pd.DataFrame:
    """Spread district totals of pupils by grade and children by age over the units.

    Each unit's weight is its residents times log-normal noise (``sigma``); each grade
    and age is a multinomial draw with those weights, so the totals are exact.

    Parameters
    ----------
    population : numpy.ndarray
        Residents per unit.
    grade_total : Mapping[int, int]
        Pupils of each grade 1-12.
    age_total : Mapping[int, int]
        Children of each age 0-5.
    rng : numpy.random.Generator
        Source of randomness.
    sigma : float
        Spread of the noise on the units' weights.

    Returns
    -------
    pandas.DataFrame
        Columns ``g1``..``g12`` and ``a0``..``a5`` (int64), one row per unit.
    """
    weights = population * rng.lognormal(mean=0.0, sigma=sigma, size=len(population))
    p = weights / weights.sum()
    out = {}
    for g in range(1, 13):
        out[f"g{g}"] = rng.multinomial(int(grade_total[g]), p)
    for a in range(6):
        out[f"a{a}"] = rng.multinomial(int(age_total[a]), p)
    return pd.DataFrame(out, columns=[*GRADE_COLUMNS, *AGE_COLUMNS]).astype("int64")


def cohorts_from_census(
    ages: Mapping[tuple[int, int], float],
    births_by_year: Mapping[int, float],
    census_year: int,
    base_year: int,
    growth_per_year: float = 1.0,
    youngest: tuple[int, int] = (0, 4),
) -> dict[int, float]:
    """People of each birth year living in an area in the base year, from a census.

    The arithmetic, step by step:

    1. A census counts ages on 1 November, so most people of age ``a`` were born in
       ``census_year - a``; a band of ages ``(a0, a1)`` is the birth years
       ``census_year - a1`` to ``census_year - a0``.
    2. Each band is split over its birth years in proportion to ``births_by_year`` (the
       census gives five-year bands, the births give their shape).
    3. Each birth year is aged forward from the census to the base year by
       ``growth_per_year ** (base_year - census_year)``: the yearly change of a cohort
       living in the area (moves in and out, deaths), e.g. measured between two censuses.
    4. Birth years after the census have no count: their births are scaled by the ratio
       of the ``youngest`` census band to the births of its years (how many of the
       children born live in the area).

    Parameters
    ----------
    ages : Mapping[tuple[int, int], float]
        Census count per band of ages, first and last age included.
    births_by_year : Mapping[int, float]
        Births per calendar year; only the shape within each band and after the census
        matters, and every year from the oldest band's first to ``base_year`` is needed.
    census_year : int
        Year of the census.
    base_year : int
        Year the result describes (on or after the census).
    growth_per_year : float
        Yearly factor of a cohort's size from the census to the base year.
    youngest : tuple[int, int]
        The band whose ratio to its births scales the birth years after the census.

    Returns
    -------
    dict[int, float]
        People per birth year, from the oldest band's first birth year to ``base_year``.

    Examples
    --------
    >>> births = {2015: 100, 2016: 300, 2017: 200, 2018: 100}
    >>> cohorts_from_census({(0, 1): 400}, births, census_year=2016, base_year=2018, youngest=(0, 1))
    {2015: 100.0, 2016: 300.0, 2017: 200.0, 2018: 100.0}

    Half as many counted as born, and cohorts growing by half each year after the census:

    >>> cohorts_from_census({(0, 1): 200}, births, 2016, 2018, growth_per_year=1.5, youngest=(0, 1))
    {2015: 112.5, 2016: 337.5, 2017: 100.0, 2018: 50.0}
    """
    if base_year < census_year:
        raise ValueError(f"base_year {base_year} is before the census ({census_year})")
    if growth_per_year <= 0:
        raise ValueError(f"growth_per_year must be positive, got {growth_per_year}")
    aged = growth_per_year ** (base_year - census_year)
    out: dict[int, float] = {}
    for (a0, a1), count in sorted(ages.items(), key=lambda kv: -kv[0][1]):
        if a0 > a1 or a0 < 0:
            raise ValueError(f"age band {(a0, a1)} must run from a lower to a higher age >= 0")
        years = range(census_year - a1, census_year - a0 + 1)
        weight = sum(float(births_by_year[y]) for y in years)
        for y in years:
            out[y] = float(count) * float(births_by_year[y]) / weight * aged
    if youngest not in ages:
        raise ValueError(f"the youngest band {youngest} is not among the census bands {sorted(ages)}")
    young_years = range(census_year - youngest[1], census_year - youngest[0] + 1)
    ratio = float(ages[youngest]) / sum(float(births_by_year[y]) for y in young_years)
    for y in range(census_year + 1, base_year + 1):
        out[y] = float(births_by_year[y]) * ratio
    return dict(sorted(out.items()))


def grade_and_age_totals(
    cohorts: Mapping[int, float], base_year: int, grade_share: Mapping[int, float] | None = None
) -> tuple[dict[int, int], dict[int, int]]:
    """Pupils by grade and children by age in the base year, from people per birth year.

    Grade ``g`` is the cohort born in ``base_year - 5 - g`` (school starts at 6, in
    September), age ``a`` the one born in ``base_year - a``.

    Parameters
    ----------
    cohorts : Mapping[int, float]
        People per birth year (:func:`cohorts_from_census`).
    base_year : int
        School year (autumn) the totals describe.
    grade_share : Mapping[int, float], optional
        Share of a cohort at school in the area per grade (default 1; e.g. the share in
        general senior high school for grades 10-12).

    Returns
    -------
    tuple[dict[int, int], dict[int, int]]
        Pupils per grade 1-12 and children per age 0-5, rounded to whole people.
    """
    share = grade_share or {}
    grades = {g: int(round(cohorts[base_year - 5 - g] * share.get(g, 1.0))) for g in range(1, 13)}
    ages = {a: int(round(cohorts[base_year - a])) for a in range(6)}
    return grades, ages


def _round_to_total(values: np.ndarray, total: int) -> np.ndarray:
    """Round non-negative ``values`` to integers summing exactly to ``total``."""
    floor = np.floor(values).astype(np.int64)
    short = int(total - floor.sum())
    if short > 0:
        order = np.argsort(-(values - floor), kind="stable")[:short]
        floor[order] += 1
    return floor
