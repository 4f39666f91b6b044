"""The :class:`Scenario`: every rule and number of a planning run, with its default.

A scenario is frozen; derive variants with :meth:`Scenario.replace`, read one from TOML
with :meth:`Scenario.from_toml`.  Each parameter carries its unit and source in
:data:`PARAMETERS`, which is also what the docs and the default TOML are made from.

Examples
--------
>>> from layout_opt import Scenario
>>> s = Scenario()
>>> s.class_cap_primary, s.closure_target
(45, 70)
>>> t = s.replace(day_limit_lower_primary_min=25)
>>> t.day_limit_lower_primary_min
25.0
>>> s.replace(class_cap_primary=0)
Traceback (most recent call last):
...
ValueError: class_cap_primary = 0 is out of range: must be 10 to 80 (pupils per class)
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from .schema import BANDS, LEVEL_OF_BAND


@dataclass(frozen=True)
class Param:
    """Documentation of one scenario parameter."""

    unit: str
    source: str
    low: float | None = None
    high: float | None = None
    help: str = ""


#: Unit, source and valid range of every scenario parameter.
PARAMETERS: dict[str, Param] = {
    "name": Param("", "", help="label of the scenario"),
    "years": Param("school years", "policy document: 2024-2026 plan", 2000, 2100, "planning years, autumn of each"),
    "bands": Param("bands", "", help="grade bands planned (others are left out, e.g. to study primary schools only)"),
    "class_cap_primary": Param("pupils per class", "policy document; 国发〔2016〕40号", 10, 80),
    "class_cap_junior": Param("pupils per class", "policy document; 国发〔2016〕40号", 10, 80),
    "class_cap_senior": Param("pupils per class", "国发〔2016〕40号", 10, 80),
    "school_cap_primary": Param("pupils per school", "policy document", 100, 10_000),
    "school_cap_junior": Param("pupils per school", "policy document", 100, 10_000),
    "school_cap_nine_year": Param("pupils per school", "policy document", 100, 10_000),
    "school_cap_senior": Param("pupils per school", "national guidance default", 100, 10_000),
    "day_limit_lower_primary_min": Param("minutes one way", "国办发〔2018〕27号", 5, 180),
    "day_limit_upper_primary_min": Param("minutes one way", "scenario default", 5, 180),
    "day_limit_junior_min": Param("minutes one way", "scenario default", 5, 180),
    "day_limit_senior_min": Param("minutes one way", "scenario default", 5, 180),
    "boarding_limit_min": Param("minutes one way (weekly trip)", "scenario default", 5, 300),
    "boarding_bands": Param("bands", "国办发〔2018〕27号: grades 1-3 do not board", help="bands allowed to board"),
    "small_school_pupils": Param("pupils", "国办发〔2018〕27号 (小规模学校 < 100)", 1, 1000),
    "small_schools_keep_own_village_only": Param("", "应留必留: a kept small school keeps its own village's pupils; receiving schools are the larger ones", help="closure candidates take pupils of their host village only"),
    "closure_target": Param("schools", "policy document: 70", -1, 10_000, "closures required by the last year; -1 asks for as many as the rules allow"),
    "senior_urban_ur_codes": Param("ur_code", "policy document, annex 2 §四", help="sites where senior high schools may be"),
    "senior_relocation_year": Param("year", "policy document, annex 2 §四", 2000, 2100, "high schools outside the main urban area close by this year"),
    "expand_ur_codes_senior": Param("ur_code", "三个集中", help="sites that may receive senior capacity"),
    "expand_ur_codes_junior": Param("ur_code", "三个集中", help="sites that may receive junior capacity"),
    "expand_ur_codes_primary": Param("ur_code", "三个集中", help="sites that may receive primary capacity (and central villages)"),
    "boarding_schools_per_town": Param("schools", "policy document: 每镇至少1所寄宿制初中、小学", 0, 10),
    "min_boarding_beds": Param("beds", "scenario default", 1, 5000, "beds a school needs to count as a boarding school"),
    "cost_per_added_seat_yuan": Param("yuan per seat", "Henan county projects, 2024", 0, 1e6),
    "cost_per_new_school_seat_yuan": Param("yuan per seat", "Henan county projects, 2024", 0, 1e6),
    "cost_per_added_bed_yuan": Param("yuan per bed", "scenario default", 0, 1e6),
    "value_of_time_yuan_per_hour": Param("yuan per pupil-hour", "scenario default (about half the rural hourly income in Henan)", 0, 1000),
    "school_days_per_year": Param("days", "national school calendar", 1, 366),
    "boarding_weeks_per_year": Param("weeks", "national school calendar", 1, 53),
    "boarding_cost_yuan_per_pupil_year": Param("yuan per boarder-year", "scenario default (board, lodging and supervision; 寄宿生生活补助 is about 1,000)", 0, 1e6, "yearly cost of each boarding pupil, valued over the appraisal period like travel time"),
    "appraisal_years": Param("years", "scenario default", 1, 100, "years over which the yearly travel time is valued"),
    "small_school_running_cost_yuan": Param("yuan per school-year", "scenario default (off)", 0, 1e8, "running cost of each kept small school"),
    "horizon_year": Param("year", "scenario default", 2000, 2100, "last year of the school-age forecast (stranded seats are judged there)"),
    "enrolment_age": Param("years", "义务教育法: school starts at 6", 6, 7),
    "enrolment_factor": Param("grade-1 entrants per child", "scenario default", 0.01, 1.5),
    "retention": Param("pupils next grade per pupil", "scenario default (九年义务教育巩固率 about 96%)", 0.5, 1.2),
    "senior_entry_share": Param("grade-10 per grade-9 pupil", "普职比大体相当", 0, 1),
    "urban_drift_per_year": Param("share of village pupils per year", "scenario default (进城上学)", 0, 0.5),
    "drift_destination": Param("", "scenario default", help="'town_seat' or 'main_urban'"),
    "births_trend_per_year": Param("relative change per year", "scenario default", -0.5, 0.5),
    "walk_speed_kmh": Param("km/h", "scenario default", 1, 10),
    "time_limit_s": Param("seconds", "", 1, 86_400, "solver time limit"),
    "gap_target": Param("relative gap", "", 0, 1, "stop when the gap is at most this"),
    "backend": Param("", "", help="solver backend: 'highs', 'scip' or 'cp-sat'"),
    "seed": Param("", "", 0, 2**31 - 1, "solver random seed"),
    "threads": Param("threads", "", 1, 64),
}


@dataclass(frozen=True)
class Scenario:
    """A planning scenario: the rules of ``DESIGN.md`` §2 with their defaults.

    Every field is documented in :data:`PARAMETERS` (unit, source, range).  Times are
    one-way minutes; money is yuan; caps are pupils.

    Examples
    --------
    >>> from layout_opt import Scenario
    >>> Scenario().day_limit("lower_primary")
    30.0
    >>> Scenario().class_cap("junior")
    50
    """

    name: str = "default"
    years: tuple[int, ...] = (2024, 2025, 2026)
    bands: tuple[str, ...] = ("lower_primary", "upper_primary", "junior", "senior")
    class_cap_primary: int = 45
    class_cap_junior: int = 50
    class_cap_senior: int = 50
    school_cap_primary: int = 2000
    school_cap_junior: int = 2000
    school_cap_nine_year: int = 2500
    school_cap_senior: int = 3000
    day_limit_lower_primary_min: float = 30.0
    day_limit_upper_primary_min: float = 40.0
    day_limit_junior_min: float = 45.0
    day_limit_senior_min: float = 60.0
    boarding_limit_min: float = 90.0
    boarding_bands: tuple[str, ...] = ("upper_primary", "junior", "senior")
    small_school_pupils: int = 100
    small_schools_keep_own_village_only: bool = True
    closure_target: int = 70
    senior_urban_ur_codes: tuple[int, ...] = (111, 112)
    senior_relocation_year: int = 2026
    expand_ur_codes_senior: tuple[int, ...] = (111, 112)
    expand_ur_codes_junior: tuple[int, ...] = (111, 112, 121, 122)
    expand_ur_codes_primary: tuple[int, ...] = (111, 112, 121, 122)
    boarding_schools_per_town: int = 1
    min_boarding_beds: int = 50
    cost_per_added_seat_yuan: float = 18_000.0
    cost_per_new_school_seat_yuan: float = 35_000.0
    cost_per_added_bed_yuan: float = 12_000.0
    value_of_time_yuan_per_hour: float = 10.0
    school_days_per_year: int = 190
    boarding_weeks_per_year: int = 38
    boarding_cost_yuan_per_pupil_year: float = 2_000.0
    appraisal_years: int = 10
    small_school_running_cost_yuan: float = 0.0
    horizon_year: int = 2030
    enrolment_age: int = 6
    enrolment_factor: float = 1.0
    retention: float = 0.995
    senior_entry_share: float = 0.5
    urban_drift_per_year: float = 0.02
    drift_destination: str = "town_seat"
    births_trend_per_year: float = 0.0
    walk_speed_kmh: float = 4.0
    time_limit_s: float = 60.0
    gap_target: float = 0.001
    backend: str = "highs"
    seed: int = 0
    threads: int = 2

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in ("years", "bands", "boarding_bands", "senior_urban_ur_codes", "expand_ur_codes_senior", "expand_ur_codes_junior", "expand_ur_codes_primary"):
                if isinstance(value, (list, tuple)):
                    object.__setattr__(self, f.name, tuple(value))
                    value = tuple(value)
                else:
                    raise ValueError(f"{f.name} must be a list, got {value!r}")
            elif f.type in ("float",) and isinstance(value, int) and not isinstance(value, bool):
                object.__setattr__(self, f.name, float(value))
                value = float(value)
            p = PARAMETERS[f.name]
            values = value if isinstance(value, tuple) else (value,)
            for v in values:
                if p.low is not None and isinstance(v, (int, float)) and not (p.low <= v <= p.high):
                    raise ValueError(f"{f.name} = {v!r} is out of range: must be {p.low:g} to {p.high:g} ({p.unit})")
        if not self.years or list(self.years) != sorted(set(self.years)):
            raise ValueError(f"years must be increasing and distinct, got {self.years!r}")
        bad = [b for b in (*self.boarding_bands, *self.bands) if b not in BANDS]
        if bad:
            raise ValueError(f"unknown bands {bad}; expected some of {list(BANDS)}")
        if "lower_primary" in self.boarding_bands:
            raise ValueError("boarding_bands: grades 1-3 do not board (国办发〔2018〕27号)")
        if self.backend not in ("highs", "scip", "cp-sat"):
            raise ValueError(f"backend must be 'highs', 'scip' or 'cp-sat', got {self.backend!r}")
        if self.closure_target < -1:
            raise ValueError("closure_target must be a number of schools, or -1 for as many as the rules allow")

    # ---------------------------------------------------------------- accessors

    def class_cap(self, level_or_band: str) -> int:
        """Pupils per class for a level (``primary``, ``junior``, ``senior``) or band."""
        level = LEVEL_OF_BAND.get(level_or_band, level_or_band)
        return int(getattr(self, f"class_cap_{level}"))

    def day_limit(self, band: str) -> float:
        """Longest one-way day trip for ``band``, minutes."""
        return float(getattr(self, f"day_limit_{band}_min"))

    def school_cap(self, cap_class: str) -> int:
        """Pupils per school for ``primary``, ``junior``, ``nine_year`` or ``senior``."""
        return int(getattr(self, f"school_cap_{cap_class}"))

    def expand_ur_codes(self, level: str) -> tuple[int, ...]:
        """Settlement classes that may receive new capacity for ``level``."""
        return getattr(self, f"expand_ur_codes_{level}")

    def forecast_params(self) -> "ForecastParams":  # noqa: F821
        """The forecast parameters of this scenario (:class:`layout_opt.demand.ForecastParams`)."""
        from .demand import ForecastParams

        return ForecastParams(
            horizon_year=max(self.horizon_year, self.years[-1]),
            enrolment_age=self.enrolment_age,
            enrolment_factor=self.enrolment_factor,
            retention=self.retention,
            senior_entry_share=self.senior_entry_share,
            urban_drift_per_year=self.urban_drift_per_year,
            drift_destination=self.drift_destination,  # type: ignore[arg-type]
            births_trend_per_year=self.births_trend_per_year,
        )

    @property
    def longest_trip_min(self) -> float:
        """The longest trip any rule allows, minutes (the travel-matrix cutoff)."""
        return max(self.boarding_limit_min if self.boarding_bands else 0.0, *(self.day_limit(b) for b in BANDS))

    @property
    def value_of_time_yuan_per_min(self) -> float:
        """Value of one pupil-minute, yuan."""
        return self.value_of_time_yuan_per_hour / 60.0

    # ---------------------------------------------------------------- derivation & I/O

    def replace(self, **changes: Any) -> "Scenario":
        """A copy with ``changes`` applied (validated).

        Raises
        ------
        TypeError
            For a parameter that does not exist.
        ValueError
            For a value out of range.
        """
        unknown = sorted(set(changes) - {f.name for f in fields(self)})
        if unknown:
            raise TypeError(f"unknown scenario parameter(s): {', '.join(unknown)}")
        return dataclasses.replace(self, **changes)

    @classmethod
    def from_dict(cls, values: dict[str, Any], source: str = "scenario") -> "Scenario":
        """Build a scenario from a flat mapping; unknown keys are an error naming ``source``."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"{source}: unknown parameter(s) {', '.join(unknown)}")
        try:
            return cls(**values)
        except (ValueError, TypeError) as exc:
            raise ValueError(f"{source}: {exc}") from exc

    @classmethod
    def from_toml(cls, path: str | Path) -> "Scenario":
        """Read a scenario from a TOML file (flat keys, or grouped in tables).

        Tables are only for readability: ``[class_caps] class_cap_primary = 45`` and a
        top-level ``class_cap_primary = 45`` mean the same.
        """
        path = Path(path)
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise ValueError(f"{path.name}: scenario file not found") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ValueError(f"{path.name}: not valid TOML: {exc}") from exc
        flat: dict[str, Any] = {}
        for key, value in raw.items():
            if isinstance(value, dict):
                flat.update(value)
            else:
                flat[key] = value
        return cls.from_dict(flat, source=path.name)

    def to_dict(self) -> dict[str, Any]:
        """All parameters as plain values (lists for tuples)."""
        return {f.name: (list(v) if isinstance(v := getattr(self, f.name), tuple) else v) for f in fields(self)}

    def describe(self) -> "pd.DataFrame":  # noqa: F821
        """A table of every parameter: value, default, unit, source."""
        import pandas as pd

        default = Scenario()
        rows = []
        for f in fields(self):
            p = PARAMETERS[f.name]
            rows.append({"parameter": f.name, "value": getattr(self, f.name), "default": getattr(default, f.name), "unit": p.unit, "source": p.source, "help": p.help})
        return pd.DataFrame(rows).set_index("parameter")
