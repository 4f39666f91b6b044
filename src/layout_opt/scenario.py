"""The :class:`Scenario`: every rule and number of a planning run, with its default.

A scenario is frozen; derive variants with :meth:`Scenario.replace`, read one from TOML
with :meth:`Scenario.from_toml` (and write one with :meth:`Scenario.to_toml`).  Each
parameter carries its unit, source and valid range in :data:`PARAMETERS`, which is also
what :meth:`Scenario.describe`, the ``Parameters`` section of the :class:`Scenario`
docstring and ``scenarios/default.toml`` are made from.

Examples
--------
>>> from layout_opt import Scenario
>>> s = Scenario()
>>> s.class_cap_primary, s.closure_target
(45, 70)
>>> t = s.replace(name="25 min", day_limit_lower_primary_min=25)
>>> t
Scenario(name='25 min', day_limit_lower_primary_min=25.0)
>>> t.day_limit("lower_primary")
25.0
>>> s.replace(class_cap_primary=0)
Traceback (most recent call last):
...
ValueError: class_cap_primary = 0 is out of range: must be 10 to 80 (pupils per class)
>>> s.replace(class_cap_primry=40)
Traceback (most recent call last):
...
TypeError: unknown scenario parameter 'class_cap_primry' (did you mean 'class_cap_primary'?)
"""

from __future__ import annotations

import dataclasses
import difflib
import html
import json
import math
import numbers
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .demand import ForecastParams
from .errors import encoding_message
from .schema import BANDS, LEVEL_OF_BAND, MAX_PLANNING_YEARS, PRESCHOOL_GRADES, UR_CODES, band_of_grade

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd


@dataclass(frozen=True)
class Param:
    """Documentation of one scenario parameter.

    Attributes
    ----------
    unit : str
        Unit of the value (``"pupils per class"``, ``"minutes one way"``, ...).
    source : str
        Where the default comes from (policy document, national rule, scenario default).
    low, high : float, optional
        Valid range, inclusive (for lists: of every element).
    help : str
        What the parameter does, when the name and unit do not say it.
    also : tuple
        Values allowed outside the range, with a meaning given in ``help``.
    choices : tuple
        The values the parameter (or each element of a list) may take (empty: any).
    """

    unit: str
    source: str
    low: float | None = None
    high: float | None = None
    help: str = ""
    also: tuple = ()
    choices: tuple = ()

    def range_text(self) -> str:
        """The valid values in words, e.g. ``"10 to 80"`` (empty if any value goes)."""
        if self.choices:
            return ", ".join(repr(c) if isinstance(c, str) else str(c) for c in self.choices)
        if self.low is None:
            return ""
        text = f"{_num(self.low)} to {_num(self.high)}"
        if self.also:
            text += ", or " + " or ".join(_num(a) for a in self.also)
        return text

    def comment(self) -> str:
        """Unit, source and help joined by ``"; "`` (the comment of a TOML key)."""
        return "; ".join(x for x in (self.unit, self.source, self.help) if x)


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


_UR = tuple(sorted(UR_CODES))

#: Unit, source and valid range of every scenario parameter.
PARAMETERS: dict[str, Param] = {
    "name": Param("", "", help="label of the scenario"),
    "years": Param("school years", "policy document: 2024-2026 plan", 2000, 2100, "planning years, autumn of each"),
    "bands": Param(
        "bands", "", help="grade bands planned (others are left out, e.g. to study primary schools only)", choices=BANDS
    ),
    "catchment_zones": Param(
        "",
        "scenario default; 初中集中在镇政府所在地, town central schools run their primaries",
        help="catchment zones (学区) of compulsory pupils: 'town' (each town a zone, the subdistricts of the main urban area one zone), 'district' (any school in reach), or the name of a column of the villages table",
    ),
    "class_cap_primary": Param("pupils per class", "policy document; 国发〔2016〕40号", 10, 80),
    "class_cap_junior": Param("pupils per class", "policy document; 国发〔2016〕40号", 10, 80),
    "class_cap_senior": Param("pupils per class", "国发〔2016〕40号", 10, 80),
    "class_cap_teaching_point": Param(
        "pupils per class",
        "scenario default (mixed-grade classes, 复式班)",
        5,
        80,
        "pupils per mixed-grade class of a teaching point (grades 1-3 taught together)",
    ),
    "class_cap_preschool_k1": Param("children per class", "幼儿园工作规程 (2016) 第十一条: 小班25人", 5, 60),
    "class_cap_preschool_k2": Param("children per class", "幼儿园工作规程 (2016) 第十一条: 中班30人", 5, 60),
    "class_cap_preschool_k3": Param("children per class", "幼儿园工作规程 (2016) 第十一条: 大班35人", 5, 60),
    "caps_from_year": Param(
        "year",
        "policy document, annex 4: 确保到2026年，小学、初中班额不超过45人、50人，办学规模不超过2000人、2000人、2500人",
        2000,
        2100,
        "first year in which the class and school-size caps hold for every school; before it a school over them today may keep today's class size and pupils, no more",
    ),
    "school_cap_primary": Param("pupils per school", "policy document", 100, 10_000),
    "school_cap_junior": Param("pupils per school", "policy document", 100, 10_000),
    "school_cap_nine_year": Param("pupils per school", "policy document", 100, 10_000),
    "school_cap_senior": Param("pupils per school", "national guidance default", 100, 10_000),
    "school_cap_kindergarten": Param(
        "children per kindergarten",
        "幼儿园建设标准 (建标175-2016): at most 12 classes (12 x 30)",
        30,
        2_000,
    ),
    "day_limit_lower_primary_min": Param("minutes one way", "国办发〔2018〕27号", 5, 180),
    "day_limit_upper_primary_min": Param("minutes one way", "scenario default", 5, 180),
    "day_limit_junior_min": Param("minutes one way", "scenario default", 5, 180),
    "day_limit_senior_min": Param("minutes one way", "scenario default", 5, 180),
    "day_limit_preschool_min": Param(
        "minutes one way",
        "scenario default; policy document: 幼儿园就近就便 (a kindergarten near home: about a 2.5-km village-road trip, the reach the data gives every village)",
        5,
        180,
        "longest one-way trip of a kindergarten child (never boarding, never bused: parents bring the children)",
    ),
    "boarding_limit_min": Param("minutes one way (weekly trip)", "scenario default", 5, 300),
    "boarding_bands": Param(
        "bands", "国办发〔2018〕27号: grades 1-3 do not board", help="bands allowed to board", choices=BANDS[1:4]
    ),
    "boarding_min_km": Param(
        "km (road distance)",
        "scenario default (boarding places offered from about 3 km)",
        0,
        100,
        "shortest trip from which a pupil within the day limit may board (boarding is then a choice); beyond the day limit boarding is compulsory",
    ),
    "walk_threshold_km": Param(
        "km (road distance)",
        "scenario default (about the 2 km service radius of a primary school in the plains)",
        0,
        50,
        "day pupils living farther than this from their school ride a school bus; nearer ones walk",
    ),
    "allow_reassignment": Param(
        "",
        "scenario default (pupils finish their band where they are enrolled)",
        help="enrolled pupils may be moved to another open school, at reassignment_cost_yuan_per_pupil each",
    ),
    "reassignment_cost_yuan_per_pupil": Param(
        "yuan per pupil moved",
        "scenario default",
        0,
        1e6,
        "one-off cost of moving an enrolled pupil whose school stays open",
    ),
    "small_school_pupils": Param("pupils", "国办发〔2018〕27号 (小规模学校 < 100)", 1, 1000),
    "small_schools_keep_own_village_only": Param(
        "",
        "应留必留: a kept small school keeps its own village's pupils; receiving schools are the larger ones",
        help="closure candidates take pupils of their host village only",
    ),
    "closure_target": Param(
        "schools",
        "policy document: 70",
        0,
        10_000,
        "closures required by the last year; -1 asks for as many as the rules allow",
        also=(-1,),
    ),
    "senior_urban_ur_codes": Param(
        "ur_code", "policy document, annex 2 §四", help="sites where senior high schools may be", choices=_UR
    ),
    "senior_relocation_year": Param(
        "year",
        "policy document, annex 2 §四",
        2000,
        2100,
        "high schools outside the main urban area close by this year",
    ),
    "expand_ur_codes_senior": Param("ur_code", "三个集中", help="sites that may receive senior capacity", choices=_UR),
    "expand_ur_codes_junior": Param("ur_code", "三个集中", help="sites that may receive junior capacity", choices=_UR),
    "expand_ur_codes_primary": Param(
        "ur_code", "三个集中", help="sites that may receive primary capacity (and central villages)", choices=_UR
    ),
    "expand_ur_codes_preschool": Param(
        "ur_code",
        "policy document: 每个镇区…现代化幼儿园1所 (and central villages, as for primary schools)",
        help="sites that may receive kindergarten places (and central villages)",
        choices=_UR,
    ),
    "boarding_schools_per_town": Param("schools", "policy document: 每镇至少1所寄宿制初中、小学", 0, 10),
    "public_kindergartens_per_town": Param(
        "kindergartens",
        "policy document: 每个镇区至少建成…现代化幼儿园1所",
        0,
        10,
        "open public kindergartens each town keeps",
    ),
    "min_boarding_beds": Param(
        "beds", "scenario default", 1, 5000, "beds a school needs to count as a boarding school"
    ),
    "min_boarders": Param(
        "pupils", "scenario default", 0, 5000, "boarders a school needs to count as a town's boarding school"
    ),
    "cost_per_added_seat_yuan": Param("yuan per seat", "Henan county projects, 2024", 0, 1e6),
    "cost_per_added_kindergarten_place_yuan": Param(
        "yuan per place",
        "policy document, 四(一) 学前教育增容普惠: 计划投入资金7096万元 … 8所幼儿园建设任务，新增幼儿学位1800个 (70,960,000 / 1,800 = 39,422, rounded)",
        0,
        1e6,
        "capital cost of a kindergarten place added on a site (a kindergarten classroom holds a 中班 of class_cap_preschool_k2 places)",
    ),
    "cost_per_new_school_seat_yuan": Param("yuan per seat", "Henan county projects, 2024", 0, 1e6),
    "cost_per_added_bed_yuan": Param("yuan per bed", "scenario default", 0, 1e6),
    "value_of_time_yuan_per_hour": Param(
        "yuan per pupil-hour", "scenario default (about half the rural hourly income in Henan)", 0, 1000
    ),
    "school_days_per_year": Param("days", "national school calendar", 1, 366),
    "boarding_weeks_per_year": Param("weeks", "national school calendar", 1, 53),
    "boarding_cost_yuan_per_pupil_year": Param(
        "yuan per boarder-year",
        "scenario default (board, lodging and supervision; 寄宿生生活补助 is about 1,000)",
        0,
        1e6,
        "yearly cost of each boarding pupil, valued over the appraisal period like travel time",
    ),
    "school_cost_yuan_per_year": Param(
        "yuan per school-year",
        "scenario default (upkeep, utilities and administration of a school site)",
        0,
        1e8,
        "yearly cost of keeping a school open, apart from its teachers",
    ),
    "teacher_cost_yuan_per_year": Param(
        "yuan per teacher-year",
        "scenario default (a Henan county teacher's pay with employer contributions, about)",
        0,
        1e7,
    ),
    "pupils_per_teacher_primary": Param(
        "pupils per teacher",
        "中央编办发〔2014〕72号 城乡统一编制标准 (1:19)",
        1,
        100,
        "staffing ratio: a class at its cap needs cap / ratio teachers",
    ),
    "pupils_per_teacher_junior": Param(
        "pupils per teacher", "中央编办发〔2014〕72号 城乡统一编制标准 (1:13.5)", 1, 100
    ),
    "pupils_per_teacher_senior": Param(
        "pupils per teacher", "中央编办发〔2014〕72号 城乡统一编制标准 (1:12.5)", 1, 100
    ),
    "pupils_per_teacher_preschool": Param(
        "children per teacher",
        "幼儿园教职工配备标准（暂行）(教师〔2013〕1号): 保教人员与幼儿 1:7-1:9 (full-day)",
        1,
        100,
    ),
    "min_teachers_per_class": Param(
        "teachers per class",
        "中央编办发〔2014〕72号: village schools and teaching points staffed by pupils and by classes (生师比与班师比相结合); value: scenario default",
        0,
        10,
        "teachers every class needs at least, however few its pupils: what a half-empty school costs",
    ),
    "appraisal_years": Param(
        "years",
        "scenario default",
        1,
        100,
        "years from the first plan year over which every yearly cost (running, buses, boarding, travel time) is valued; the last plan year stands for the years after it",
    ),
    "discount_rate": Param(
        "per year",
        "scenario default (0.08 is the social discount rate of 建设项目经济评价方法与参数, 3rd ed.)",
        0,
        0.5,
        "rate at which yearly costs and spending of later years are discounted to the first plan year",
    ),
    "bus_bands": Param(
        "bands",
        "校车安全管理条例 第二条: school buses carry pupils of compulsory education; kindergartens left out: the same regulation asks that young children go to a kindergarten near home (就近入园) and be brought by their guardians, a 幼儿专用校车 only where that cannot be; policy document: 幼儿园就近就便",
        help="bands whose day pupils beyond the walking threshold ride a school bus; the others travel at their own cost (their time is still valued)",
        choices=BANDS,
    ),
    "bus_seats": Param("seats", "GB 24407-2012 (primary-school buses up to 56)", 5, 80),
    "bus_load_factor": Param(
        "share of seats",
        "scenario default; replaced per school by the routed buses",
        0.1,
        1,
        "seats a bus fills on average, for the first estimate of the fleet",
    ),
    "bus_runs_per_day": Param("runs", "morning and afternoon", 1, 8, "runs a bus makes a day, each with an empty leg"),
    "bus_price_yuan": Param("yuan per bus", "scenario default (a 56-seat 专用校车, about)", 0, 1e7),
    "bus_life_years": Param("years", "机动车强制报废标准规定 (2012): 专用校车 15 years", 1, 40),
    "bus_driver_yuan_per_year": Param("yuan per bus-year", "scenario default (a county driver's pay, about)", 0, 1e7),
    "bus_attendant_yuan_per_year": Param(
        "yuan per bus-year", "校车安全管理条例 (随车照管人员); pay: scenario default", 0, 1e7
    ),
    "bus_upkeep_yuan_per_year": Param(
        "yuan per bus-year", "scenario default (insurance, inspection, maintenance)", 0, 1e7
    ),
    "bus_cost_yuan_per_km": Param("yuan per bus-km", "scenario default (diesel and wear)", 0, 1000),
    "bus_estimate_tolerance": Param(
        "relative",
        "scenario default",
        0.001,
        1,
        "the plan is re-solved with the routed buses until the model's bus cost and the routed one differ by at most this",
    ),
    "bus_calibration_rounds": Param(
        "rounds", "scenario default", 0, 20, "most re-solves with routed bus costs (0: no routing inside the solve)"
    ),
    "horizon_year": Param(
        "year", "scenario default", 2000, 2100, "last year of the school-age forecast (stranded seats are judged there)"
    ),
    "enrolment_age": Param("years", "义务教育法: school starts at 6", 6, 7),
    "enrolment_factor": Param("grade-1 entrants per child", "scenario default", 0.01, 1.5),
    "preschool_enrolment_rate": Param(
        "kindergarten children per child aged 3-5",
        "2023年全国教育事业发展统计公报: 学前教育毛入园率 91.1%",
        0,
        1.5,
        "the children aged 3, 4 and 5 in a kindergarten (小班, 中班, 大班) in forecast years",
    ),
    "retention": Param("pupils next grade per pupil", "scenario default (九年义务教育巩固率 about 96%)", 0.5, 1.2),
    "senior_entry_share": Param("grade-10 per grade-9 pupil", "普职比大体相当", 0, 1),
    "urban_drift_per_year": Param("share of village pupils per year", "scenario default (进城上学)", 0, 0.5),
    "drift_destination": Param(
        "", "scenario default", help="'town_seat' or 'main_urban'", choices=("town_seat", "main_urban")
    ),
    "births_trend_per_year": Param("relative change per year", "scenario default", -0.5, 0.5),
    "walk_speed_kmh": Param("km/h", "scenario default", 1, 10),
    "time_limit_s": Param(
        "seconds",
        "",
        1,
        86_400,
        "solver budget, shared among the model's components and turned into deterministic work limits: equal inputs give equal plans, and the wall-clock time can run over it",
    ),
    "gap_target": Param("relative gap", "", 0, 1, "stop when the gap is at most this"),
    "backend": Param("", "", help="solver backend: 'highs', 'scip' or 'cp-sat'", choices=("highs", "scip", "cp-sat")),
    "price_zone_rule": Param(
        "",
        "",
        help="also solve the scenario with catchment_zones = 'district' (started from the zoned plan, within time_limit_s) to report what the zone rule costs",
    ),
    "seed": Param("", "", 0, 2**31 - 1, "solver random seed"),
    "threads": Param("threads", "", 1, 64),
}

#: Tables of the scenario TOML file and the parameters each groups (for reading only:
#: ``[class_caps] class_cap_primary = 45`` and a top-level ``class_cap_primary = 45``
#: mean the same).
TOML_SECTIONS: dict[str, tuple[str, ...]] = {
    "planning": ("name", "years", "bands", "catchment_zones"),
    "class_caps": (
        "class_cap_primary",
        "class_cap_junior",
        "class_cap_senior",
        "class_cap_teaching_point",
        "class_cap_preschool_k1",
        "class_cap_preschool_k2",
        "class_cap_preschool_k3",
        "caps_from_year",
    ),
    "school_caps": (
        "school_cap_primary",
        "school_cap_junior",
        "school_cap_nine_year",
        "school_cap_senior",
        "school_cap_kindergarten",
    ),
    "travel_limits": (
        "day_limit_lower_primary_min",
        "day_limit_upper_primary_min",
        "day_limit_junior_min",
        "day_limit_senior_min",
        "day_limit_preschool_min",
        "boarding_limit_min",
        "boarding_bands",
        "boarding_min_km",
        "walk_speed_kmh",
        "walk_threshold_km",
    ),
    "enrolled_pupils": ("allow_reassignment", "reassignment_cost_yuan_per_pupil"),
    "closures": ("small_school_pupils", "small_schools_keep_own_village_only", "closure_target"),
    "concentration": (
        "senior_urban_ur_codes",
        "senior_relocation_year",
        "expand_ur_codes_senior",
        "expand_ur_codes_junior",
        "expand_ur_codes_primary",
        "expand_ur_codes_preschool",
        "boarding_schools_per_town",
        "public_kindergartens_per_town",
        "min_boarding_beds",
        "min_boarders",
    ),
    "costs": (
        "cost_per_added_seat_yuan",
        "cost_per_added_kindergarten_place_yuan",
        "cost_per_new_school_seat_yuan",
        "cost_per_added_bed_yuan",
        "value_of_time_yuan_per_hour",
        "school_days_per_year",
        "boarding_weeks_per_year",
        "boarding_cost_yuan_per_pupil_year",
        "school_cost_yuan_per_year",
        "teacher_cost_yuan_per_year",
        "pupils_per_teacher_primary",
        "pupils_per_teacher_junior",
        "pupils_per_teacher_senior",
        "pupils_per_teacher_preschool",
        "min_teachers_per_class",
        "appraisal_years",
        "discount_rate",
    ),
    "buses": (
        "bus_bands",
        "bus_seats",
        "bus_load_factor",
        "bus_runs_per_day",
        "bus_price_yuan",
        "bus_life_years",
        "bus_driver_yuan_per_year",
        "bus_attendant_yuan_per_year",
        "bus_upkeep_yuan_per_year",
        "bus_cost_yuan_per_km",
        "bus_estimate_tolerance",
        "bus_calibration_rounds",
    ),
    "forecast": (
        "horizon_year",
        "enrolment_age",
        "enrolment_factor",
        "preschool_enrolment_rate",
        "retention",
        "senior_entry_share",
        "urban_drift_per_year",
        "drift_destination",
        "births_trend_per_year",
    ),
    "solver": ("time_limit_s", "gap_target", "backend", "price_zone_rule", "seed", "threads"),
}


@dataclass(frozen=True)
class Scenario:
    """A planning scenario: every rule and number of the model (``docs/model.md``), with its default.

    ``Scenario()`` is the policy default (the Mengjin 2024-2026 plan).  A scenario is
    frozen: derive variants with :meth:`replace`, read one from a file with
    :meth:`from_toml`, write one with :meth:`to_toml`.  Every value is checked when the
    scenario is made: an unknown parameter, a value of the wrong type or out of its range
    raises an error that names the parameter and the valid values.

    Times are one-way minutes, money is yuan, caps are pupils.  :meth:`describe` gives all
    parameters as a table (value, default, unit, valid range, source); in Jupyter a
    scenario shows the parameters that differ from the defaults.  The parameters, their
    defaults, units, ranges and sources are listed below (from :data:`PARAMETERS`).

    Examples
    --------
    >>> from layout_opt import Scenario
    >>> s = Scenario()
    >>> s.day_limit("lower_primary"), s.class_cap("junior"), s.school_cap("nine_year")
    (30.0, 50, 2500)
    >>> tight = s.replace(name="tight", class_cap_primary=40, closure_target=-1)
    >>> tight
    Scenario(name='tight', class_cap_primary=40, closure_target=-1)
    >>> tight.describe(changed_only=True)[["value", "default", "unit"]]
                                value  default              unit
    parameter
    name                        tight  default
    class_cap_primary              40       45  pupils per class
    closure_target                 -1       70           schools

    Reading a scenario from TOML (tables such as ``[class_caps]`` only group the keys):

    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "short_trips.toml"
    >>> _ = path.write_text('name = "short trips"\\n[travel_limits]\\nday_limit_lower_primary_min = 25\\n', encoding="utf-8")
    >>> Scenario.from_toml(path)
    Scenario(name='short trips', day_limit_lower_primary_min=25.0)
    >>> _ = path.write_text("[travel_limits]\\nday_limit_lower_primery_min = 25\\n", encoding="utf-8")
    >>> Scenario.from_toml(path)
    Traceback (most recent call last):
    ...
    ValueError: short_trips.toml: unknown parameter 'day_limit_lower_primery_min' in [travel_limits] (did you mean 'day_limit_lower_primary_min'?)
    >>> Scenario(boarding_limit_min=400)
    Traceback (most recent call last):
    ...
    ValueError: boarding_limit_min = 400.0 is out of range: must be 5 to 300 (minutes one way (weekly trip))
    """

    name: str = "default"
    years: tuple[int, ...] = (2024, 2025, 2026)
    bands: tuple[str, ...] = ("lower_primary", "upper_primary", "junior", "senior", "preschool")
    catchment_zones: str = "town"
    class_cap_primary: int = 45
    class_cap_junior: int = 50
    class_cap_senior: int = 50
    class_cap_teaching_point: int = 25
    class_cap_preschool_k1: int = 25
    class_cap_preschool_k2: int = 30
    class_cap_preschool_k3: int = 35
    caps_from_year: int = 2026
    school_cap_primary: int = 2000
    school_cap_junior: int = 2000
    school_cap_nine_year: int = 2500
    school_cap_senior: int = 3000
    school_cap_kindergarten: int = 360
    day_limit_lower_primary_min: float = 30.0
    day_limit_upper_primary_min: float = 40.0
    day_limit_junior_min: float = 45.0
    day_limit_senior_min: float = 60.0
    day_limit_preschool_min: float = 15.0
    boarding_limit_min: float = 90.0
    boarding_bands: tuple[str, ...] = ("upper_primary", "junior", "senior")
    boarding_min_km: float = 3.0
    walk_threshold_km: float = 2.0
    allow_reassignment: bool = False
    reassignment_cost_yuan_per_pupil: float = 3_000.0
    small_school_pupils: int = 100
    small_schools_keep_own_village_only: bool = True
    closure_target: int = 70
    senior_urban_ur_codes: tuple[int, ...] = (111, 112)
    senior_relocation_year: int = 2026
    expand_ur_codes_senior: tuple[int, ...] = (111, 112)
    expand_ur_codes_junior: tuple[int, ...] = (111, 112, 121, 122)
    expand_ur_codes_primary: tuple[int, ...] = (111, 112, 121, 122)
    expand_ur_codes_preschool: tuple[int, ...] = (111, 112, 121, 122)
    boarding_schools_per_town: int = 1
    public_kindergartens_per_town: int = 1
    min_boarding_beds: int = 50
    min_boarders: int = 20
    cost_per_added_seat_yuan: float = 18_000.0
    cost_per_added_kindergarten_place_yuan: float = 39_400.0
    cost_per_new_school_seat_yuan: float = 35_000.0
    cost_per_added_bed_yuan: float = 12_000.0
    value_of_time_yuan_per_hour: float = 10.0
    school_days_per_year: int = 190
    boarding_weeks_per_year: int = 38
    boarding_cost_yuan_per_pupil_year: float = 2_000.0
    school_cost_yuan_per_year: float = 150_000.0
    teacher_cost_yuan_per_year: float = 100_000.0
    pupils_per_teacher_primary: float = 19.0
    pupils_per_teacher_junior: float = 13.5
    pupils_per_teacher_senior: float = 12.5
    pupils_per_teacher_preschool: float = 9.0
    min_teachers_per_class: float = 1.5
    appraisal_years: int = 10
    discount_rate: float = 0.0
    bus_bands: tuple[str, ...] = ("lower_primary", "upper_primary", "junior")
    bus_seats: int = 56
    bus_load_factor: float = 0.85
    bus_runs_per_day: int = 2
    bus_price_yuan: float = 500_000.0
    bus_life_years: int = 15
    bus_driver_yuan_per_year: float = 60_000.0
    bus_attendant_yuan_per_year: float = 40_000.0
    bus_upkeep_yuan_per_year: float = 20_000.0
    bus_cost_yuan_per_km: float = 3.0
    bus_estimate_tolerance: float = 0.10
    bus_calibration_rounds: int = 3
    # the forecast's defaults, with their reasons, are those of ForecastParams
    horizon_year: int = ForecastParams.horizon_year
    enrolment_age: int = ForecastParams.enrolment_age
    enrolment_factor: float = ForecastParams.enrolment_factor
    preschool_enrolment_rate: float = ForecastParams.preschool_enrolment_rate
    retention: float = ForecastParams.retention
    senior_entry_share: float = ForecastParams.senior_entry_share
    urban_drift_per_year: float = ForecastParams.urban_drift_per_year
    drift_destination: str = ForecastParams.drift_destination
    births_trend_per_year: float = ForecastParams.births_trend_per_year
    walk_speed_kmh: float = 4.0
    time_limit_s: float = 60.0
    gap_target: float = 0.001
    backend: str = "highs"
    price_zone_rule: bool = True
    seed: int = 0
    threads: int = 2

    def __post_init__(self) -> None:
        for f in fields(self):
            value = _coerce(f.name, str(f.type), getattr(self, f.name))
            object.__setattr__(self, f.name, value)
            p = PARAMETERS[f.name]
            for v in value if isinstance(value, tuple) else (value,):
                if p.choices and v not in p.choices:
                    raise ValueError(f"{f.name}: {v!r} is not allowed; must be one of {p.range_text()}")
                if p.low is not None and not (p.low <= v <= p.high) and v not in p.also:
                    raise ValueError(f"{f.name} = {v!r} is out of range: must be {p.range_text()} ({p.unit})")
        if not self.name.strip():
            raise ValueError("name must not be empty")
        if not self.years or list(self.years) != sorted(set(self.years)):
            raise ValueError(f"years must be increasing and distinct, got {list(self.years)!r}")
        if not self.bands:
            raise ValueError(f"bands must name at least one band of {', '.join(BANDS)}")
        for name in ("bands", "boarding_bands"):
            value = getattr(self, name)
            if len(set(value)) != len(value):
                raise ValueError(f"{name} lists a band twice: {list(value)!r}")
        for band in self.boarding_bands:
            day = f"day_limit_{band}_min"
            if self.boarding_limit_min < getattr(self, day):
                raise ValueError(
                    f"boarding_limit_min = {self.boarding_limit_min:g} is below {day} = {getattr(self, day):g}; "
                    f"{band} pupils may board, and a boarding trip may not be shorter than a day trip"
                )
        if self.horizon_year < self.years[-1]:
            raise ValueError(
                f"horizon_year = {self.horizon_year} is before the last plan year {self.years[-1]}; "
                f"it must be {self.years[-1]} or later"
            )

    def check_years(self, base_year: int, source: str = "district.json") -> None:
        """Check the plan years against the base year of the district's data.

        Plan years run from the base year (the school year of the enrolment data) to
        :data:`layout_opt.schema.MAX_PLANNING_YEARS` years after it.  :func:`layout_opt.solve`
        and ``layout-opt plan`` call this before any work.

        Parameters
        ----------
        base_year : int
            The district's base year (``district.base_year``).
        source : str
            Where the base year comes from, for the message.

        Raises
        ------
        ValueError
            Naming the years out of range and the range.

        Examples
        --------
        >>> from layout_opt import Scenario
        >>> Scenario(years=(2024, 2025)).check_years(2023)
        >>> Scenario(years=(2020, 2021)).check_years(2023)
        Traceback (most recent call last):
        ...
        ValueError: years [2020, 2021] are before the base year 2023 of the data (district.json); plan years must be 2023 to 2043
        """
        last = base_year + MAX_PLANNING_YEARS
        span = f"plan years must be {base_year} to {last}"
        early = [y for y in self.years if y < base_year]
        if early:
            raise ValueError(f"years {early} are before the base year {base_year} of the data ({source}); {span}")
        late = [y for y in self.years if y > last]
        if late:
            raise ValueError(
                f"years {late} are more than {MAX_PLANNING_YEARS} years after the base year {base_year} "
                f"of the data ({source}); {span}"
            )

    # ---------------------------------------------------------------- accessors

    def class_cap(self, level_or_band: str) -> int:
        """Pupils per class for a level (``primary``, ``junior``, ``senior``) or band; for
        kindergartens, the middle class's (中班) — see :meth:`class_cap_of_grade`."""
        level = LEVEL_OF_BAND.get(level_or_band, level_or_band)
        if level == "preschool":
            return int(self.class_cap_preschool_k2)
        return int(getattr(self, f"class_cap_{level}"))

    def room_price_yuan(self, level: str) -> float:
        """Capital cost of a classroom added at a school of ``level``: its class cap's seats
        (a kindergarten's: the 中班's places) at ``cost_per_added_seat_yuan`` per seat, or
        ``cost_per_added_kindergarten_place_yuan`` per kindergarten place."""
        if level == "preschool":
            return self.class_cap(level) * float(self.cost_per_added_kindergarten_place_yuan)
        return self.class_cap(level) * float(self.cost_per_added_seat_yuan)

    def class_cap_of_grade(self, grade: int) -> int:
        """Pupils per class of ``grade`` (1-15; the kindergarten's 13-15 have their own caps)."""
        if grade in PRESCHOOL_GRADES:
            return int(getattr(self, f"class_cap_preschool_k{grade - 12}"))
        return self.class_cap(band_of_grade(grade))

    def day_limit(self, band: str) -> float:
        """Longest one-way day trip for ``band``, minutes."""
        return float(getattr(self, f"day_limit_{band}_min"))

    def school_cap(self, cap_class: str) -> int:
        """Pupils per school for ``primary``, ``junior``, ``nine_year`` or ``senior``."""
        return int(getattr(self, f"school_cap_{cap_class}"))

    def expand_ur_codes(self, level: str) -> tuple[int, ...]:
        """Settlement classes that may receive new capacity for ``level``."""
        return getattr(self, f"expand_ur_codes_{level}")

    def pupils_per_teacher(self, level: str) -> float:
        """Pupils per teacher of the staffing standard for ``level`` (or a band)."""
        level = LEVEL_OF_BAND.get(level, level)
        return float(getattr(self, f"pupils_per_teacher_{level}"))

    def year_weights(self) -> np.ndarray:
        """Appraisal years (discounted) each plan year's yearly costs stand for.

        The appraisal period is :attr:`appraisal_years` years from the first plan year
        ``y_1``.  Plan year ``y_k`` stands for the calendar years up to the next plan year;
        the last one for the rest of the period (at least itself).  With discount rate
        ``r``, year ``t`` counts ``(1 + r) ** -(t - y_1)``::

            w_k = sum over t in [y_k, y_{k+1}) of (1 + r) ** -(t - y_1),  y_{K+1} = max(y_1 + N, y_K + 1)
        """
        ys = list(self.years)
        end = max(ys[0] + self.appraisal_years, ys[-1] + 1)
        bounds = [*ys[1:], end]
        d = 1.0 + self.discount_rate
        return np.array([sum(d ** -(t - ys[0]) for t in range(a, b)) for a, b in zip(ys, bounds)])

    def capital_weights(self) -> np.ndarray:
        """Discount factor of money spent in each plan year: ``(1 + r) ** -(y_k - y_1)``."""
        return np.array([(1.0 + self.discount_rate) ** -(y - self.years[0]) for y in self.years])

    @property
    def bus_cost_yuan_per_year(self) -> float:
        """Yearly cost of one school bus: the vehicle's annuity over its life (at the
        discount rate; price / life at 0) plus driver, attendant and upkeep."""
        r, n = self.discount_rate, self.bus_life_years
        annuity = self.bus_price_yuan / n if r == 0 else self.bus_price_yuan * r / (1.0 - (1.0 + r) ** -n)
        return (
            annuity + self.bus_driver_yuan_per_year + self.bus_attendant_yuan_per_year + self.bus_upkeep_yuan_per_year
        )

    def forecast_params(self) -> ForecastParams:
        """The forecast parameters of this scenario (:class:`layout_opt.demand.ForecastParams`)."""
        return ForecastParams(
            horizon_year=max(self.horizon_year, self.years[-1]),
            enrolment_age=self.enrolment_age,
            enrolment_factor=self.enrolment_factor,
            preschool_enrolment_rate=self.preschool_enrolment_rate,
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

    def replace(self, **changes: Any) -> Scenario:
        """A copy with ``changes`` applied, checked like a new scenario.

        Parameters
        ----------
        **changes
            Parameter names and their new values (see :data:`PARAMETERS`).

        Returns
        -------
        Scenario

        Raises
        ------
        TypeError
            For a parameter that does not exist (the message suggests the closest name),
            or a value of the wrong type.
        ValueError
            For a value out of range.

        Examples
        --------
        >>> from layout_opt import Scenario
        >>> Scenario().replace(years=[2024], class_cap_junior=45)
        Scenario(years=(2024,), class_cap_junior=45)
        """
        unknown = sorted(set(changes) - {f.name for f in fields(self)})
        if unknown:
            raise TypeError("; ".join(f"unknown scenario parameter {k!r}{_did_you_mean(k)}" for k in unknown))
        return dataclasses.replace(self, **changes)

    def changes(self) -> dict[str, Any]:
        """The parameters whose value differs from the default, in field order."""
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) != f.default}

    def __repr__(self) -> str:
        return "Scenario(" + ", ".join(f"{k}={v!r}" for k, v in self.changes().items()) + ")"

    @classmethod
    def from_dict(cls, values: dict[str, Any], source: str = "scenario") -> Scenario:
        """Build a scenario from a flat mapping of parameters (others keep their default).

        Raises
        ------
        ValueError
            For an unknown key, a value of the wrong type or out of range; the message
            starts with ``source``.
        """
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"{source}: " + "; ".join(f"unknown parameter {k!r}{_did_you_mean(k)}" for k in unknown))
        try:
            return cls(**values)
        except (ValueError, TypeError) as exc:
            raise ValueError(f"{source}: {exc}") from exc

    @classmethod
    def from_toml(cls, path: str | Path) -> Scenario:
        """Read a scenario from a TOML file; parameters it leaves out keep their default.

        Keys may be at the top level or grouped in tables: tables are only for reading
        (``[class_caps] class_cap_primary = 45`` and a top-level ``class_cap_primary = 45``
        mean the same; :data:`TOML_SECTIONS` lists the usual grouping).

        Parameters
        ----------
        path : str or pathlib.Path
            The file, e.g. ``scenarios/default.toml``.

        Raises
        ------
        ValueError
            Naming the file and the key: a missing file, invalid TOML, an unknown key
            (with the table it is in), a key given twice, a value of the wrong type or out
            of range.
        """
        path = Path(path)
        try:
            data = path.read_bytes()
        except FileNotFoundError as exc:
            raise ValueError(f"{path.name}: scenario file not found") from exc
        except IsADirectoryError as exc:
            raise ValueError(f"{path.name}: is a folder, not a scenario file") from exc
        except OSError as exc:
            raise ValueError(f"{path.name}: cannot be read: {exc.strerror}") from exc
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ValueError(f"{path.name}: {encoding_message(data, exc)}") from exc
        return cls.from_toml_text(text, source=path.name)

    @classmethod
    def from_toml_text(cls, text: str, source: str = "scenario") -> Scenario:
        """Read a scenario from TOML text (as :meth:`from_toml`; errors start with ``source``).

        A leading byte-order mark (as some Windows editors write) is ignored.
        """
        try:
            raw = tomllib.loads(text.removeprefix("\ufeff"))
        except tomllib.TOMLDecodeError as exc:
            raise ValueError(f"{source}: not valid TOML: {exc}") from exc
        flat: dict[str, Any] = {}
        where: dict[str, str] = {}

        def put(key: str, value: Any, place: str) -> None:
            if isinstance(value, dict):
                raise ValueError(f"{source}: [{place.strip('[]')}.{key}]: tables only group parameters and do not nest")
            if key in flat:
                raise ValueError(f"{source}: parameter {key!r} is given twice ({where[key]} and {place})")
            flat[key], where[key] = value, place

        for key, value in raw.items():
            if isinstance(value, dict):
                for k, v in value.items():
                    put(k, v, f"[{key}]")
            else:
                put(key, value, "top level")
        known = {f.name for f in fields(cls)}
        unknown = [k for k in flat if k not in known]
        if unknown:
            raise ValueError(
                f"{source}: "
                + "; ".join(
                    f"unknown parameter {k!r} {'at the top level' if where[k] == 'top level' else 'in ' + where[k]}{_did_you_mean(k)}"
                    for k in unknown
                )
            )
        return cls.from_dict(flat, source=source)

    def to_dict(self) -> dict[str, Any]:
        """All parameters as plain values (lists for tuples), ready for JSON."""
        return {f.name: (list(v) if isinstance(v := getattr(self, f.name), tuple) else v) for f in fields(self)}

    def to_toml(self) -> str:
        """The scenario as TOML text, every parameter with its unit and source as a comment.

        :meth:`from_toml` reads it back to an equal scenario.  Nothing is written to disk:
        save the text where you like, e.g. ``Path("my.toml").write_text(s.to_toml(), encoding="utf-8")``.

        Examples
        --------
        >>> from layout_opt import Scenario
        >>> text = Scenario(name="tight", class_cap_primary=40).to_toml()
        >>> print("\\n".join(text.splitlines()[9:11]))
        [class_caps]
        class_cap_primary = 40  # pupils per class; policy document; 国发〔2016〕40号
        >>> Scenario.from_toml_text(text) == Scenario(name="tight", class_cap_primary=40)
        True
        """
        lines = [
            f"# Scenario {self.name!r} of layout_opt: every rule and number of a planning run; units and sources in comments.",
            "# Tables only group the keys for reading: [class_caps] class_cap_primary = 45 equals a top-level key.",
        ]
        for section, names in TOML_SECTIONS.items():
            lines += ["", f"[{section}]"]
            for name in names:
                comment = PARAMETERS[name].comment()
                lines.append(f"{name} = {_toml_value(getattr(self, name))}" + (f"  # {comment}" if comment else ""))
        return "\n".join(lines) + "\n"

    def describe(self, changed_only: bool = False) -> pd.DataFrame:
        """A table of the parameters: value, default, unit, valid range, source and help.

        Parameters
        ----------
        changed_only : bool
            Only the parameters whose value differs from the default.

        Returns
        -------
        pandas.DataFrame
            Indexed by ``parameter``; columns ``value, default, unit, range, source, help``.
        """
        import pandas as pd

        rows = []
        for f in fields(self):
            value = getattr(self, f.name)
            if changed_only and value == f.default:
                continue
            p = PARAMETERS[f.name]
            rows.append(
                {
                    "parameter": f.name,
                    "value": value,
                    "default": f.default,
                    "unit": p.unit,
                    "range": p.range_text(),
                    "source": p.source,
                    "help": p.help,
                }
            )
        columns = ["parameter", "value", "default", "unit", "range", "source", "help"]
        return pd.DataFrame(rows, columns=columns).set_index("parameter")

    def _repr_html_(self) -> str:
        changed = self.describe(changed_only=True)
        years = f"{self.years[0]}–{self.years[-1]}" if len(self.years) > 1 else str(self.years[0])
        head = (
            f"<p><b>Scenario {html.escape(repr(self.name))}</b>: years {years}, bands {html.escape(', '.join(self.bands))}; "
            f"{len(changed) if len(changed) else 'no'} parameter{'' if len(changed) == 1 else 's'} differ{'s' if len(changed) == 1 else ''} from the policy defaults.</p>"
        )
        body = changed[["value", "default", "unit", "source"]].to_html() if len(changed) else ""
        full = self.describe()[["value", "unit", "range", "source", "help"]].to_html()
        return f"<div>{head}{body}<details><summary>All {len(fields(self))} parameters</summary>{full}</details></div>"


# --------------------------------------------------------------------------- helpers


def _did_you_mean(name: str) -> str:
    close = difflib.get_close_matches(name, list(PARAMETERS), n=1, cutoff=0.75)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _coerce(name: str, kind: str, value: Any) -> Any:
    """``value`` as the field's type (``int``, ``float``, ``bool``, ``str`` or a tuple of them).

    Numpy scalars become Python numbers, whole floats become ints where an int is expected
    and lists become tuples; anything else of the wrong type raises :class:`TypeError`.
    """
    if kind.startswith("tuple["):
        element = kind[len("tuple[") :].split(",")[0].strip()
        if isinstance(value, (str, bytes, dict)) or not hasattr(value, "__iter__"):
            raise TypeError(f"{name} must be a list of {_PLURAL_WORDS[element]}, got {value!r}")
        return tuple(_coerce(name, element, v) for v in value)
    if kind == "bool":
        if _is_bool(value):
            return bool(value)
    elif kind == "int":
        if isinstance(value, numbers.Integral) and not _is_bool(value):
            return int(value)
        if (
            isinstance(value, numbers.Real)
            and not _is_bool(value)
            and math.isfinite(value)
            and float(value).is_integer()
        ):
            return int(value)
    elif kind == "float":
        if isinstance(value, numbers.Real) and not _is_bool(value):
            return float(value)
    elif kind == "str":
        if isinstance(value, str):
            return value
    else:  # pragma: no cover - a field of a new type
        raise TypeError(f"{name}: no check for fields of type {kind}")
    raise TypeError(f"{name} must be {_KIND_WORDS[kind]}, got {value!r}")


def _is_bool(value: Any) -> bool:
    """True for ``True``/``False`` and numpy booleans."""
    return isinstance(value, bool) or (
        getattr(getattr(value, "dtype", None), "kind", None) == "b" and getattr(value, "ndim", 1) == 0
    )


_KIND_WORDS = {"int": "a whole number", "float": "a number", "bool": "true or false", "str": "a text"}
_PLURAL_WORDS = {"int": "whole numbers", "float": "numbers", "bool": "true or false values", "str": "texts"}


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, float):
        return (
            "inf"
            if value == math.inf
            else ("-inf" if value == -math.inf else ("nan" if value != value else repr(value)))
        )
    return str(value)


def _parameter_doc() -> str:
    """The numpy-style ``Parameters`` section of :class:`Scenario`, from :data:`PARAMETERS`."""
    lines = ["", "    Parameters", "    ----------"]
    for f in fields(Scenario):
        p = PARAMETERS[f.name]
        default = f.default
        lines.append(f"    {f.name} : {f.type}, default {default!r}")
        text = (p.help[:1].upper() + p.help[1:]) if p.help else ""
        parts = [text.rstrip(".") + "." if text else ""]
        if p.unit:
            parts.append(f"Unit: {p.unit}.")
        if p.range_text():
            parts.append(f"Valid: {p.range_text()}.")
        if p.source:
            parts.append(f"Source: {p.source}.")
        lines.append("        " + " ".join(x for x in parts if x))
    return "\n".join(lines) + "\n"


def _with_parameters(doc: str) -> str:
    """``doc`` with the generated ``Parameters`` section before its ``Examples``."""
    marker = "\n    Examples\n    --------"
    head, sep, tail = doc.partition(marker)
    return head.rstrip() + "\n" + _parameter_doc() + (sep + tail if sep else "")


Scenario.__doc__ = _with_parameters(Scenario.__doc__ or "")
