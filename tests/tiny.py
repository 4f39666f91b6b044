"""Hand-made tiny districts for the model tests: a few villages and schools, hand-made
travel minutes and kilometres, hand-made pupils, and (optionally) today's attendance.

A :class:`Tiny` builds a validated :class:`layout_opt.District` (positions do not matter:
the travel matrix is given), its :class:`~layout_opt.travel.TravelMatrix` and the yearly
pupils, solves it with :func:`layout_opt.solve` and compares the result with the
enumeration of :mod:`tests.brute`.

Two kinds of tiny district:

* **fresh** (``attendance=None``): nobody lives in the villages in the base year, so every
  pupil of a plan year is placed by the plan (an *arrival* or an *entrant*): each village
  band goes to its catchment school, as in a plan from scratch.  The schools' enrolment
  today (``S.enrol``) only decides which schools are closure candidates;
* **enrolled** (``attendance`` given): today's attendance, village by village and grade by
  grade; the villages' and schools' base-year pupils are its sums, and enrolled pupils
  stay at their school (the stay rule).

Money, for reading the expected numbers of the scenario :data:`EXACT` (one plan year, 10
appraisal years, no discounting; running, teacher and bus prices set to 0):

* one pupil-minute of a one-way day trip, over the appraisal period: 2 x 190 trips x
  10/60 yuan x 10 years = 6,333.33 yuan (:data:`DAY_MIN`);
* one pupil-minute of a weekly boarding trip: 2 x 38 x 10/60 x 10 = 1,266.67 yuan
  (:data:`BOARD_MIN`), plus 2,000 x 10 = 20,000 yuan a boarder (:data:`BOARDER`);
* a primary classroom: 45 seats x 18,000 = 810,000 yuan; junior and senior: 900,000; a
  kindergarten's: 30 places (a 中班) x 39,400 = 1,182,000;
* a bed: 12,000 yuan.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely import Point

import layout_opt as lo
from layout_opt import Scenario
from layout_opt.check import check_plan
from layout_opt.examples import METRIC_CRS
from layout_opt.schema import N_GRADES, grade_column
from layout_opt.travel import TravelMatrix
from layout_opt.validate.tables import grades_text

TOWN_CODE = "410322100"
X0, Y0 = 600_000.0, 3_850_000.0
#: Road kilometres per minute of a hand-made trip where the kilometres are not given
#: (30 km/h): a 1-minute trip is a 0.5-km walk, 5 minutes a 2.5-km bus ride.
KM_PER_MIN = 0.5

LOWER, UPPER, JUNIOR, SENIOR, PRESCHOOL = "lower_primary", "upper_primary", "junior", "senior", "preschool"

#: The grades each kind of school teaches, restated from the policy's school types
#: (教学点 grades 1-3, 小学 1-6, 初中 7-9, 九年一贯制 1-9, 高中 10-12; a kindergarten's
#: 小班, 中班 and 大班 are grades 13-15).
KIND_GRADES: dict[str, range] = {
    "teaching_point": range(1, 4),
    "primary": range(1, 7),
    "central_primary": range(1, 7),
    "junior": range(7, 10),
    "nine_year": range(1, 10),
    "high": range(10, 13),
    "kindergarten": range(13, 16),
}
BAND_GRADES: dict[str, tuple[int, ...]] = {
    LOWER: (1, 2, 3),
    UPPER: (4, 5, 6),
    JUNIOR: (7, 8, 9),
    SENIOR: (10, 11, 12),
    PRESCHOOL: (13, 14, 15),
}

#: Travel, boarding and capital only: the yearly running, teacher and bus prices are 0,
#: the caps hold from the first plan year, one plan year.
EXACT = Scenario(
    years=(2024,),
    closure_target=0,
    gap_target=0.0,
    time_limit_s=30,
    caps_from_year=2024,
    price_zone_rule=False,
    threads=1,
    school_cost_yuan_per_year=0.0,
    teacher_cost_yuan_per_year=0.0,
    bus_price_yuan=0.0,
    bus_driver_yuan_per_year=0.0,
    bus_attendant_yuan_per_year=0.0,
    bus_upkeep_yuan_per_year=0.0,
    bus_cost_yuan_per_km=0.0,
)
#: Every price of the policy defaults, on the same footing as :data:`EXACT` otherwise.
ECONOMICS = EXACT.replace(
    school_cost_yuan_per_year=Scenario.school_cost_yuan_per_year,
    teacher_cost_yuan_per_year=Scenario.teacher_cost_yuan_per_year,
    bus_price_yuan=Scenario.bus_price_yuan,
    bus_driver_yuan_per_year=Scenario.bus_driver_yuan_per_year,
    bus_attendant_yuan_per_year=Scenario.bus_attendant_yuan_per_year,
    bus_upkeep_yuan_per_year=Scenario.bus_upkeep_yuan_per_year,
    bus_cost_yuan_per_km=Scenario.bus_cost_yuan_per_km,
)

DAY_MIN = 2 * 190 * 10 / 60 * 10  # yuan per pupil-minute of a day trip over the appraisal period (one plan year)
BOARD_MIN = 2 * 38 * 10 / 60 * 10
BOARDER = 2_000 * 10
ROOM_PRIMARY = 45 * 18_000
ROOM_JUNIOR = 50 * 18_000
#: A kindergarten classroom: a 中班 of 30 places x 39,400 yuan.
ROOM_KINDERGARTEN = 30 * 39_400
BED = 12_000
#: A bus a year: 500,000 / 15 years + driver 60,000 + attendant 40,000 + upkeep 20,000.
BUS_YEAR = 500_000 / 15 + 60_000 + 40_000 + 20_000
#: Pupils a bus carries in the model's first estimate (56 seats x 0.85).
PUPILS_PER_BUS = 56 * 0.85


def grades(
    lower: tuple = (), upper: tuple = (), junior: tuple = (), senior: tuple = (), preschool: tuple = ()
) -> list[int]:
    """Pupils of grades 1-15 from per-band triples (missing bands are 0; ``preschool`` are
    the kindergarten's 小班, 中班 and 大班)."""
    out: list[int] = []
    for part in (lower, upper, junior, senior, preschool):
        out += list(part) + [0] * (3 - len(part))
    return out


@dataclass
class V:
    """A village-level unit: its key, its pupils by grade in every plan year (unless
    :attr:`Tiny.demand_by_year` says otherwise), settlement class and town."""

    key: str
    pupils: list[int]
    ur: int = 220
    central: bool = False
    town: str = TOWN_CODE


@dataclass
class S:
    """A school standing in village ``host``.

    ``enrol`` is today's enrolment of a fresh district (spread over the school's grades;
    default 40 a classroom, at most 300): it decides whether the school is a closure
    candidate (a teaching point always is, another school under 100 pupils is).  With an
    attendance table the enrolment is the table's.
    """

    sid: str
    kind: str
    host: str
    classrooms: int
    enrol: int | None = None
    beds: int = 0
    max_added: int = 0
    status: str = "open"
    open_year: int = 0
    planned_seats: int = 0
    classes: int | None = None
    ownership: str = "public"
    moves_to: str = ""


@dataclass
class Tiny:
    """A hand-made district with its travel minutes and kilometres and yearly pupils.

    ``minutes`` maps ``(village key, school id)`` to one-way minutes (missing pairs are
    unreachable); ``km`` the road kilometres of some pairs (the others are
    ``KM_PER_MIN`` x minutes).  ``attendance`` lists today's ``(village key, school id,
    grade, pupils, boarders)``.  ``town_kind`` is one kind for every town or a kind per
    town code.
    """

    villages: list[V]
    schools: list[S]
    minutes: dict[tuple[str, str], float]
    km: dict[tuple[str, str], float] = field(default_factory=dict)
    demand_by_year: list[dict[str, list[int]]] | None = None
    attendance: list[tuple[str, str, int, int, int]] | None = None
    town_kind: str | dict[str, str] = "subdistrict"
    towns: dict[str, str] = field(default_factory=lambda: {TOWN_CODE: "城关镇"})

    def vid(self, key: str) -> str:
        return village_id(key, self.villages)

    def kind_of_town(self, code: str) -> str:
        return self.town_kind if isinstance(self.town_kind, str) else self.town_kind[code]

    @property
    def district(self) -> lo.District:
        key = repr((self.villages, self.schools, self.town_kind, self.towns, self.attendance))
        if getattr(self, "_built", (None,))[0] != key:
            self._built = (key, make_district(self))
        return self._built[1]

    @property
    def travel(self) -> TravelMatrix:
        vkeys = [v.key for v in self.villages]
        sids = [s.sid for s in self.schools]
        m = np.full((len(vkeys), len(sids)), np.inf)
        km = np.full((len(vkeys), len(sids)), np.inf)
        for (vk, sid), t in self.minutes.items():
            if sid not in sids or vk not in vkeys:
                continue  # a school or village taken out of the instance
            i, j = vkeys.index(vk), sids.index(sid)
            m[i, j] = t
            km[i, j] = self.km.get((vk, sid), KM_PER_MIN * t)
        return TravelMatrix(
            minutes=m,
            origin_ids=np.array([self.vid(k) for k in vkeys]),
            destination_ids=np.array(sids),
            cutoff_min=300.0,
            km=km,
        )

    def demand(self, years: tuple[int, ...]) -> np.ndarray:
        """``(K, V, 15)``: the villages' pupils every year, or ``demand_by_year`` (lists of
        12 school grades are read with no kindergarten children)."""
        if self.demand_by_year is None:
            base = np.array([_full(v.pupils) for v in self.villages], dtype=np.int64)
            return np.repeat(base[None], len(years), axis=0)
        assert len(self.demand_by_year) == len(years), "one demand per plan year"
        return np.array(
            [[_full(yr.get(v.key, v.pupils)) for v in self.villages] for yr in self.demand_by_year], dtype=np.int64
        )

    def scenario(self, scenario: Scenario = EXACT, **changes) -> Scenario:
        return scenario.replace(**changes) if changes else scenario

    def solve(self, scenario: Scenario = EXACT, **changes) -> lo.Plan:
        sc = self.scenario(scenario, **changes)
        return lo.solve(self.district, sc, travel=self.travel, demand=self.demand(sc.years))

    def check(self, plan: lo.Plan) -> pd.DataFrame:
        return check_plan(plan, self.district, plan.scenario, self.travel, self.demand(plan.scenario.years))

    def brute(self, scenario: Scenario = EXACT, allow_reopen: bool = False, **changes):
        from .brute import brute_force

        sc = self.scenario(scenario, **changes)
        return brute_force(self, sc, allow_reopen=allow_reopen)


def _full(pupils: list[int]) -> list[int]:
    """``pupils`` by grade padded with zeros to all 15 grades."""
    return list(pupils) + [0] * (N_GRADES - len(pupils))


def village_id(key: str, villages: list[V]) -> str:
    return f"4103221{[v.key for v in villages].index(key):05d}"


def _today(t: Tiny) -> tuple[dict[str, list[int]], dict[str, list[int]], pd.DataFrame | None]:
    """Base-year pupils by grade of each village and school, and the attendance frame."""
    v_today = {v.key: [0] * N_GRADES for v in t.villages}
    s_today = {s.sid: [0] * N_GRADES for s in t.schools}
    if t.attendance is None:
        for s in t.schools:
            if s.status != "open":
                continue
            gr = list(KIND_GRADES[s.kind])
            n = min(300, 40 * s.classrooms) if s.enrol is None else s.enrol
            for j in range(n):
                s_today[s.sid][gr[j % len(gr)] - 1] += 1
        return v_today, s_today, None
    rows = []
    for vk, sid, g, n, b in t.attendance:
        v_today[vk][g - 1] += n
        s_today[sid][g - 1] += n
        rows.append({"village_id": t.vid(vk), "school_id": sid, "grade": g, "pupils": n, "boarders": b})
    return v_today, s_today, pd.DataFrame(rows)


def make_district(t: Tiny) -> lo.District:
    """Validated district of ``t`` (positions are irrelevant: travel is hand-made)."""
    v_today, s_today, enrolment = _today(t)
    vrows = []
    for k, v in enumerate(t.villages):
        row = {
            "village_id": t.vid(v.key),
            "name": f"{v.key}村",
            "town_code": v.town,
            "town": t.towns[v.town],
            "ur_code": v.ur,
            "central_village": v.central,
            "population": 5_000,
            "coord_source": "synthetic",
        }
        row |= {grade_column(g): int(n) for g, n in zip(range(1, N_GRADES + 1), v_today[v.key])}
        row |= {f"a{a}": 0 for a in range(6)}
        vrows.append((row, Point(X0 + 500.0 * k, Y0)))
    villages = gpd.GeoDataFrame([r for r, _ in vrows], geometry=[p for _, p in vrows], crs=METRIC_CRS)
    host = {v.key: v for v in t.villages}
    srows = []
    for k, s in enumerate(t.schools):
        h = host[s.host]
        enrol = s_today[s.sid]
        n = sum(enrol)
        classes = s.classes
        if classes is None:
            classes = 0 if s.status == "planned" else min(s.classrooms, max(1, math.ceil(n / 45)))
        row = {
            "school_id": s.sid,
            "name": f"{s.sid}校",
            "town_code": h.town,
            "kind": s.kind,
            "ur_code": h.ur,
            "grades": grades_text(s.kind),
            "classrooms": s.classrooms,
            "classes": classes,
            "beds": s.beds,
            "max_added_classrooms": s.max_added,
            "status": s.status,
            "open_year": s.open_year,
            "planned_seats": s.planned_seats,
            "village_id": t.vid(s.host),
            "ownership": s.ownership,
            "moves_to": s.moves_to,
        }
        row |= {grade_column(g): enrol[g - 1] for g in range(1, N_GRADES + 1)}
        srows.append((row, Point(X0 + 500.0 * [v.key for v in t.villages].index(s.host) + 100.0, Y0 + 50.0 * k)))
    schools = gpd.GeoDataFrame([r for r, _ in srows], geometry=[p for _, p in srows], crs=METRIC_CRS)
    towns = gpd.GeoDataFrame(
        {"town_code": list(t.towns), "town": list(t.towns.values()), "town_kind": [t.kind_of_town(c) for c in t.towns]},
        geometry=[Point(X0 + 2_000.0 * k, Y0 + 1_000.0) for k in range(len(t.towns))],
        crs=METRIC_CRS,
    )
    return lo.District.from_frames(
        villages=villages, schools=schools, roads=None, towns=towns, base_year=2023, name="tiny", enrolment=enrolment
    )


# --------------------------------------------------------------------------- plan helpers


def assigned(plan: lo.Plan, year: int | None = None) -> dict[tuple[str, str], str]:
    """``(village_id, band) -> school_id`` of one year (default: the first), for village
    bands at one school."""
    a = plan.assignments
    y = year or int(a["year"].min())
    a = a[a["year"] == y]
    out = {}
    for (v, b), grp in a.groupby(["village_id", "band"]):
        assert grp["school_id"].nunique() == 1, f"{v}/{b} attends {sorted(grp['school_id'])}"
        out[(v, b)] = grp["school_id"].iat[0]
    return out


def mode_of(plan: lo.Plan, vid: str, band: str, year: int | None = None) -> str:
    a = plan.assignments
    y = year or int(a["year"].min())
    modes = set(a.loc[(a["year"] == y) & (a["village_id"] == vid) & (a["band"] == band), "mode"])
    assert len(modes) == 1, modes
    return modes.pop()


def school_row(plan: lo.Plan, sid: str, year: int | None = None) -> pd.Series:
    s = plan.schools
    y = year or int(s["year"].max())
    return s[(s["school_id"] == sid) & (s["year"] == y)].iloc[0]


def closed_ids(plan: lo.Plan) -> set[str]:
    return set(plan.closures["school_id"])


def objective(plan: lo.Plan) -> float:
    return float(plan.summary["solver"]["objective_yuan"])


def assert_clean(t: Tiny, plan: lo.Plan) -> None:
    """The plan keeps every rule, as the independent checker sees it, and says so."""
    bad = t.check(plan)
    assert bad.empty, bad.to_string()
    assert plan.check().empty
    assert plan.summary["check"] == {"violations": 0}
    assert plan.summary["solver"]["status"] in ("optimal", "feasible")
