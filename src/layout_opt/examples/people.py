"""Residents, pupils by grade and young children by age of village-level units."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..schema import AGE_COLUMNS, GRADE_COLUMNS

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
    weights = population * rng.lognormal(mean=0.0, sigma=0.12, size=len(population))
    p = weights / weights.sum()
    out = {}
    for g in range(1, 13):
        out[f"g{g}"] = rng.multinomial(grade_total[g], p)
    for a in range(6):
        out[f"a{a}"] = rng.multinomial(age_total[a], p)
    return pd.DataFrame(out, columns=[*GRADE_COLUMNS, *AGE_COLUMNS]).astype("int64")


def _round_to_total(values: np.ndarray, total: int) -> np.ndarray:
    """Round non-negative ``values`` to integers summing exactly to ``total``."""
    floor = np.floor(values).astype(np.int64)
    short = int(total - floor.sum())
    if short > 0:
        order = np.argsort(-(values - floor), kind="stable")[:short]
        floor[order] += 1
    return floor
