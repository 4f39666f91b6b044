"""The planning problem as arrays: the solver core's only input.

:class:`PlanningProblem` holds plain numpy arrays (pupil groups, travel minutes and
kilometres, school capacities, rules and prices already resolved per school), like
spopt's ``from_cost_matrix``; :meth:`PlanningProblem.from_district` is the thin wrapper
that derives them from a :class:`~layout_opt.district.District`, a
:class:`~layout_opt.scenario.Scenario`, a travel matrix, the yearly pupils and today's
attendance.  The formulation is written out in ``docs/model.md``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from ..scenario import Scenario
from ..schema import (
    BANDS,
    BANDS_OF_KIND,
    GRADE_COLUMNS,
    GRADES_OF_BAND,
    LEVEL_OF_BAND,
    LEVEL_OF_KIND,
    N_GRADES,
    SCHOOL_GRADES,
    SIZE_CAP_CLASS_OF_KIND,
    grade_column,
)
from .cohorts import Cohorts, build_cohorts

#: Mode codes of a position.
DAY, BOARDING = 0, 1
MODES = ("day", "boarding")
NEVER = 9999
#: Zone index meaning "no zone rule" (the band is planned district-wide).
ANY_ZONE = -1


@dataclass(frozen=True)
class PlanningProblem:
    """Everything the model needs, as arrays.

    Shapes: ``K`` plan years, ``V`` villages, ``S`` schools, ``T`` towns, ``Z`` catchment
    zones, ``G`` = 15 grades (school grades 1-12, kindergarten 13-15), ``B`` = 5 bands
    (:data:`layout_opt.schema.BANDS`).

    Attributes
    ----------
    years : numpy.ndarray
        ``(K,)`` plan years (school years, autumn).
    base_year : int
        The year of today's attendance.
    village_ids, school_ids, village_names, school_names : numpy.ndarray
        Labels.
    demand : numpy.ndarray
        ``(K, V, G)`` pupils by year, village and grade (planned bands only).
    cohorts : Cohorts
        The pupil groups the plan places (:mod:`layout_opt.model.cohorts`).
    travel_min : numpy.ndarray
        ``(V, S)`` one-way minutes; ``inf`` where unreachable.
    distance_km : numpy.ndarray
        ``(V, S)`` one-way road kilometres (with the walks to and from the road).
    village_zone, school_zone : numpy.ndarray
        ``(V,)`` and ``(S,)`` catchment zone index.
    zone_names : numpy.ndarray
        ``(Z,)`` zone labels.
    zoned_band : numpy.ndarray
        ``(B,)`` bool, the band's pupils attend schools of their own zone.
    teaches : numpy.ndarray
        ``(S, B)`` bool, school teaches band.
    class_cap : numpy.ndarray
        ``(S, G)`` pupils per class for each grade (0 where not taught).
    class_group : numpy.ndarray
        ``(S, G)`` the class group each grade is taught in: its own index normally; the
        band's first grade for mixed-grade classes (复式班, teaching points); -1 where not
        taught.
    teachers_per_pupil : numpy.ndarray
        ``(S, B)`` teachers each pupil of a band needs at the school (1 / pupils per
        teacher of the band's level).
    min_teachers_per_class : float
        Teachers every class needs at least.
    teacher_cost_yuan : float
        Yearly cost of one teacher.
    school_cost_yuan : numpy.ndarray
        ``(S,)`` yearly fixed cost of keeping the school open.
    caps_from_year : int
        First plan year in which the class and school-size caps hold for every school;
        before it, a school over them today may stay at today's pupils per class
        (:attr:`class_cap_today`) and today's size (:attr:`size_cap_today`), no more.
    class_cap_today : numpy.ndarray
        ``(S, G)`` the larger of the class cap and the school's pupils per class today.
    size_cap_today : numpy.ndarray
        ``(S,)`` the larger of the school-size cap and the school's pupils today.
    size_cap, rooms, beds, max_added_rooms : numpy.ndarray
        ``(S,)`` pupils per school, classrooms and beds today, classrooms that may be
        added (0 where the site may not grow).
    may_add_beds : numpy.ndarray
        ``(S,)`` bool, beds may be added (site allowed by the three concentrations).
    room_seats : numpy.ndarray
        ``(S,)`` seats of one added classroom: the class cap of the school's main level (a
        nine-year school's, the primary cap).
    room_cost_yuan, bed_cost_yuan : numpy.ndarray
        ``(S,)`` cost of one added classroom (its seats x cost per seat) and one bed.
    candidate : numpy.ndarray
        ``(S,)`` bool, the school may be closed (teaching point or small school).
    open_from, close_by : numpy.ndarray
        ``(S,)`` first year the school takes pupils (planned projects); year from which it
        must be closed (:data:`NEVER` if never): a high school outside the main urban area
        from ``senior_relocation_year``, a school that moves to a new site (``moves_to``)
        from the year the new site opens.
    school_town : numpy.ndarray
        ``(S,)`` town index.
    town_names, town_needs_boarding : numpy.ndarray
        ``(T,)`` names; the boarding-school rule applies (towns, not subdistricts).
    public : numpy.ndarray
        ``(S,)`` bool, the school is public (公办; the ``ownership`` column).
    public_kindergartens_per_town : int
        Open public kindergartens each town keeps.
    host_village, host_only : numpy.ndarray
        ``(S,)`` the unit the school stands in (-1 if unknown); the school may only take
        its host unit's pupils (a kept small school keeps its own village, 应留必留).
    day_limit_min, boarding_limit_min : numpy.ndarray
        ``(B,)`` longest day trip per band; longest boarding trip (0: may not board).
    boarding_min_km : float
        Shortest trip from which a pupil within the day limit may board.
    walk_threshold_km : float
        Pupils living farther than this from their school ride a bus.
    bus_band : numpy.ndarray
        ``(B,)`` bool, the band's day pupils beyond the walking threshold ride a school bus.
    planned_bands : numpy.ndarray
        ``(B,)`` bool, the band is planned (its rules apply even without pupils).
    closure_target : int
        Closures of candidates required by the last year; ``-1`` for as many as possible.
    boarding_schools_per_town, min_boarding_beds, min_boarders : int
        Boarding schools per town and level, the beds and the boarders each needs.
    allow_reassignment : bool
        Enrolled pupils may be moved to another open school (at a price).
    reassignment_cost_yuan : float
        One-off cost of each pupil moved while the school stays open.
    year_weight : numpy.ndarray
        ``(K,)`` appraisal years (discounted) each plan year's yearly costs stand for.
    capital_weight : numpy.ndarray
        ``(K,)`` discount factor of money spent in each plan year.
    value_per_min_yuan : float
        Value of one pupil-minute of travel.
    trips_per_year : numpy.ndarray
        ``(2,)`` one-way trips a year of a day pupil and of a boarder.
    boarding_cost_yuan : float
        Yearly living cost of one boarder.
    bus_cost_yuan : float
        Yearly cost of one school bus (vehicle annuity, driver, attendant, upkeep).
    bus_km_cost_yuan : float
        Cost of one bus-kilometre.
    school_days : int
        Days a year the buses run.
    pupils_per_bus : numpy.ndarray
        ``(S,)`` bused pupils one bus carries at each school (calibrated by routing).
    bus_km_per_pupil_km : numpy.ndarray
        ``(S,)`` bus-kilometres a day per pupil-kilometre of direct trip (calibrated).
    """

    years: np.ndarray
    base_year: int
    village_ids: np.ndarray
    school_ids: np.ndarray
    village_names: np.ndarray
    school_names: np.ndarray
    demand: np.ndarray
    cohorts: Cohorts
    travel_min: np.ndarray
    distance_km: np.ndarray
    village_zone: np.ndarray
    school_zone: np.ndarray
    zone_names: np.ndarray
    zoned_band: np.ndarray
    teaches: np.ndarray
    class_cap: np.ndarray
    class_group: np.ndarray
    teachers_per_pupil: np.ndarray
    min_teachers_per_class: float
    teacher_cost_yuan: float
    school_cost_yuan: np.ndarray
    size_cap: np.ndarray
    caps_from_year: int
    class_cap_today: np.ndarray
    size_cap_today: np.ndarray
    rooms: np.ndarray
    beds: np.ndarray
    max_added_rooms: np.ndarray
    may_add_beds: np.ndarray
    room_seats: np.ndarray
    room_cost_yuan: np.ndarray
    bed_cost_yuan: np.ndarray
    candidate: np.ndarray
    open_from: np.ndarray
    close_by: np.ndarray
    school_town: np.ndarray
    town_names: np.ndarray
    town_needs_boarding: np.ndarray
    public: np.ndarray
    public_kindergartens_per_town: int
    host_village: np.ndarray
    host_only: np.ndarray
    day_limit_min: np.ndarray
    boarding_limit_min: np.ndarray
    boarding_min_km: float
    walk_threshold_km: float
    bus_band: np.ndarray
    planned_bands: np.ndarray
    closure_target: int
    boarding_schools_per_town: int
    min_boarding_beds: int
    min_boarders: int
    allow_reassignment: bool
    reassignment_cost_yuan: float
    year_weight: np.ndarray
    capital_weight: np.ndarray
    value_per_min_yuan: float
    trips_per_year: np.ndarray
    boarding_cost_yuan: float
    bus_cost_yuan: float
    bus_km_cost_yuan: float
    school_days: int
    pupils_per_bus: np.ndarray
    bus_km_per_pupil_km: np.ndarray
    notes: dict = field(default_factory=dict)

    @property
    def shape(self) -> tuple[int, int, int]:
        """``(K, V, S)``."""
        return len(self.years), len(self.village_ids), len(self.school_ids)

    def band_demand(self) -> np.ndarray:
        """``(K, V, B)`` pupils per band."""
        return np.stack(
            [self.demand[:, :, [g - 1 for g in GRADES_OF_BAND[b]]].sum(axis=2) for b in BANDS],
            axis=2,
        )

    def class_cap_in(self, k: int) -> np.ndarray:
        """``(S, G)`` pupils per class allowed in plan year index ``k``."""
        return self.class_cap if self.years[k] >= self.caps_from_year else self.class_cap_today

    def size_cap_in(self, k: int) -> np.ndarray:
        """``(S,)`` pupils per school allowed in plan year index ``k``."""
        return self.size_cap if self.years[k] >= self.caps_from_year else self.size_cap_today

    def available(self) -> np.ndarray:
        """``(K, S)`` bool: the school can take pupils that year (ignoring closures)."""
        y = self.years[:, None]
        return (y >= self.open_from[None, :]) & (y < self.close_by[None, :])

    def with_bus_calibration(self, pupils_per_bus: np.ndarray, bus_km_per_pupil_km: np.ndarray) -> PlanningProblem:
        """The same problem with other bus estimates per school (from routed buses)."""
        return replace(
            self,
            pupils_per_bus=np.asarray(pupils_per_bus, dtype=float),
            bus_km_per_pupil_km=np.asarray(bus_km_per_pupil_km, dtype=float),
        )

    def pairs(self, zoned: bool = True) -> pd.DataFrame:
        """Every village-band-school position the rules allow, with its mode.

        A **day** position: the trip fits the band's day limit.  A **boarding**
        position: the band may board, the trip fits the boarding limit, the school has
        beds or may add them, and the trip is beyond the day limit or at least
        :attr:`boarding_min_km` long (boarding is then a choice).  Both need a school
        that teaches the band, in the village's zone when the band is zoned (and
        ``zoned``), and for a school that keeps its own village only, that village.
        Positions of bands without pupils in any year are left out.

        Returns
        -------
        pandas.DataFrame
            ``v``, ``b``, ``s`` (indices), ``mode`` (0 day, 1 boarding), ``travel_min``,
            ``km``, ``bused`` (a day trip beyond the walking threshold, in a band that
            rides school buses), sorted by
            ``b, v, s, mode``.
        """
        t, km = self.travel_min, self.distance_km
        has_pupils = self.band_demand().sum(axis=0) > 0  # (V, 4)
        same_zone = self.village_zone[:, None] == self.school_zone[None, :]
        hosted = np.ones_like(same_zone)
        restricted = self.host_only
        cols = np.flatnonzero(restricted)
        hosted[:, cols] = False
        ok_host = self.host_village[cols] >= 0
        hosted[self.host_village[cols][ok_host], cols[ok_host]] = True
        frames = []
        for b in range(len(BANDS)):
            base = self.teaches[None, :, b] & has_pupils[:, b][:, None] & hosted
            if zoned and self.zoned_band[b]:
                base = base & same_zone
            day = base & (t <= self.day_limit_min[b])
            board_ok = (self.beds > 0) | self.may_add_beds
            board = (
                base
                & board_ok[None, :]
                & (self.boarding_limit_min[b] > 0)
                & (t <= self.boarding_limit_min[b])
                & ((t > self.day_limit_min[b]) | (km >= self.boarding_min_km))
            )
            for mode, mask in ((DAY, day), (BOARDING, board)):
                v, s = np.nonzero(mask)
                frames.append(
                    pd.DataFrame(
                        {
                            "v": v,
                            "b": b,
                            "s": s,
                            "mode": mode,
                            "travel_min": t[v, s],
                            "km": km[v, s],
                            "bused": (mode == DAY) & (km[v, s] > self.walk_threshold_km) & bool(self.bus_band[b]),
                        }
                    )
                )
        out = pd.concat(frames, ignore_index=True)
        return out.sort_values(["b", "v", "s", "mode"], kind="stable").reset_index(drop=True)

    @classmethod
    def from_district(
        cls,
        district,
        scenario: Scenario,
        travel,
        demand: np.ndarray,
        attendance: pd.DataFrame | None,
    ) -> PlanningProblem:
        """Derive the arrays from a district (the geo wrapper).

        Parameters
        ----------
        district : layout_opt.District
            Villages, schools, towns.
        scenario : Scenario
            Rules and numbers.
        travel : layout_opt.travel.TravelMatrix
            Minutes and road kilometres from villages to schools (matched by id).
        demand : numpy.ndarray
            ``(K, V, G)`` pupils per plan year in the villages' order.
        attendance : pandas.DataFrame or None
            Today's attendance (``village_id, school_id, grade, pupils, boarders``);
            ``None`` places every pupil afresh.
        """
        years = np.array(scenario.years, dtype=np.int64)
        bands = district.planned_bands(scenario)
        v, s = district.villages, district.schools
        V, S, K = len(v), len(s), len(years)
        demand = np.asarray(demand, dtype=np.int64)
        if demand.shape != (K, V, N_GRADES):
            raise ValueError(f"demand must have shape {(K, V, N_GRADES)}, got {demand.shape}")
        left_out = [g - 1 for b in BANDS if b not in bands for g in GRADES_OF_BAND[b]]
        if left_out:
            demand = demand.copy()
            demand[:, :, left_out] = 0
        vid = v["village_id"].astype(str).to_numpy()
        sid = s["school_id"].astype(str).to_numpy()
        sub = travel.subset(vid, sid)
        if sub.km is None:
            raise ValueError("the travel matrix has no kilometres (TravelMatrix.km); build it with layout_opt.travel")
        tm = sub.minutes.astype(float)
        km = sub.km.astype(float)
        kinds = s["kind"].to_numpy()
        teaches = np.array([[b in BANDS_OF_KIND[k] for b in BANDS] for k in kinds], dtype=bool)
        class_cap = np.zeros((S, N_GRADES), dtype=np.int64)
        class_group = np.full((S, N_GRADES), -1, dtype=np.int64)
        for j, kind in enumerate(kinds):
            for band in BANDS_OF_KIND[kind]:
                grades = GRADES_OF_BAND[band]
                mixed = kind == "teaching_point"
                for g in grades:
                    class_cap[j, g - 1] = scenario.class_cap_teaching_point if mixed else scenario.class_cap_of_grade(g)
                    class_group[j, g - 1] = grades[0] - 1 if mixed else g - 1
        size_cap = np.array([scenario.school_cap(SIZE_CAP_CLASS_OF_KIND[k]) for k in kinds], dtype=np.int64)
        levels_of = [{LEVEL_OF_BAND[b] for b in BANDS_OF_KIND[k]} for k in kinds]
        ur = s["ur_code"].to_numpy()
        central_of = dict(zip(v["village_id"].astype(str), v["central_village"].astype(bool)))
        central = np.array([central_of.get(str(h), False) for h in s["village_id"]], dtype=bool)
        may_grow = np.array(
            [
                all(
                    (ur[j] in scenario.expand_ur_codes(lv)) or (lv in ("primary", "preschool") and central[j])
                    for lv in levels_of[j]
                )
                for j in range(S)
            ],
            dtype=bool,
        )
        planned = (s["status"] == "planned").to_numpy()
        max_added = np.where(may_grow & ~planned, s["max_added_classrooms"].to_numpy(np.int64), 0)
        room_seats = np.array([scenario.class_cap(LEVEL_OF_KIND[k]) for k in kinds], dtype=np.int64)
        room_cost = np.array([scenario.room_price_yuan(LEVEL_OF_KIND[k]) for k in kinds], dtype=float)
        everyone = s[list(GRADE_COLUMNS)].to_numpy(np.int64).sum(axis=1)
        enrol = s[[grade_column(g) for g in SCHOOL_GRADES]].to_numpy(np.int64).sum(axis=1)
        classes_today = s["classes"].to_numpy(np.int64) if "classes" in s.columns else np.zeros(S, dtype=np.int64)
        per_class_today = np.ceil(everyone / np.maximum(classes_today, 1)).astype(np.int64)
        small_kinds = np.isin(kinds, ["primary", "central_primary", "junior", "nine_year"])
        candidate = (s["status"] == "open").to_numpy() & (
            (kinds == "teaching_point") | ((enrol < scenario.small_school_pupils) & small_kinds)
        )
        candidate &= teaches[:, [b in bands for b in BANDS]].any(axis=1)
        open_from = np.where(planned, s["open_year"].to_numpy(np.int64), -NEVER)
        outside = (kinds == "high") & ~np.isin(ur, scenario.senior_urban_ur_codes)
        close_by = np.where(outside, scenario.senior_relocation_year, NEVER)
        close_by = np.minimum(close_by, moved_away_year(s))
        vid_index = {x: k for k, x in enumerate(vid)}
        host = np.array([vid_index.get(str(h), -1) for h in s["village_id"]], dtype=np.int64)
        towns = district.towns.sort_values("town_code")
        town_codes = towns["town_code"].astype(str).tolist()
        school_town = np.array([town_codes.index(str(c)) for c in s["town_code"]])
        village_zone_label, school_zone_label = catchment_zones(district, scenario.catchment_zones)
        zone_names = np.array(sorted(set(village_zone_label) | set(school_zone_label)))
        zidx = {z: i for i, z in enumerate(zone_names)}
        limits = np.array([scenario.day_limit(b) for b in BANDS])
        board = np.array([scenario.boarding_limit_min if b in scenario.boarding_bands else 0.0 for b in BANDS])
        idx_v = pd.Index(vid)
        idx_s = pd.Index(sid)
        attendance_idx = None
        if attendance is not None:
            a = attendance
            attendance_idx = pd.DataFrame(
                {
                    "v": idx_v.get_indexer(a["village_id"].astype(str)),
                    "s": idx_s.get_indexer(a["school_id"].astype(str)),
                    "grade": a["grade"].to_numpy(np.int64),
                    "pupils": a["pupils"].to_numpy(np.int64),
                    "boarders": a["boarders"].to_numpy(np.int64),
                }
            )
            attendance_idx = attendance_idx[(attendance_idx["v"] >= 0) & (attendance_idx["s"] >= 0)]
            attendance_idx = attendance_idx[attendance_idx["grade"].map(lambda g: _band(g) in bands).astype(bool)]
        cohorts = build_cohorts(years, district.base_year, demand, attendance_idx)
        seats = scenario.bus_seats * scenario.bus_load_factor
        return cls(
            years=years,
            base_year=int(district.base_year),
            village_ids=vid,
            school_ids=sid,
            village_names=v["name"].astype(str).to_numpy(),
            school_names=s["name"].astype(str).to_numpy(),
            demand=demand,
            cohorts=cohorts,
            travel_min=tm,
            distance_km=km,
            village_zone=np.array([zidx[z] for z in village_zone_label]),
            school_zone=np.array([zidx[z] for z in school_zone_label]),
            zone_names=zone_names,
            zoned_band=np.array([scenario.catchment_zones != "district" and b != "senior" for b in BANDS]),
            teaches=teaches,
            class_cap=class_cap,
            class_group=class_group,
            teachers_per_pupil=np.tile([1.0 / scenario.pupils_per_teacher(LEVEL_OF_BAND[b]) for b in BANDS], (S, 1)),
            min_teachers_per_class=float(scenario.min_teachers_per_class),
            teacher_cost_yuan=float(scenario.teacher_cost_yuan_per_year),
            school_cost_yuan=np.full(S, float(scenario.school_cost_yuan_per_year)),
            size_cap=size_cap,
            caps_from_year=int(scenario.caps_from_year),
            class_cap_today=np.where(class_cap > 0, np.maximum(class_cap, per_class_today[:, None]), 0),
            size_cap_today=np.maximum(size_cap, everyone),
            rooms=s["classrooms"].to_numpy(np.int64),
            beds=s["beds"].to_numpy(np.int64),
            max_added_rooms=max_added.astype(np.int64),
            may_add_beds=may_grow,
            room_seats=room_seats,
            room_cost_yuan=room_cost.astype(float),
            bed_cost_yuan=np.full(S, scenario.cost_per_added_bed_yuan),
            candidate=candidate,
            open_from=open_from.astype(np.int64),
            close_by=close_by.astype(np.int64),
            school_town=school_town,
            town_names=towns["town"].to_numpy(),
            town_needs_boarding=(towns["town_kind"] == "town").to_numpy(),
            public=(s["ownership"] == "public").to_numpy() if "ownership" in s.columns else np.ones(S, dtype=bool),
            public_kindergartens_per_town=int(scenario.public_kindergartens_per_town),
            host_village=host,
            host_only=candidate & scenario.small_schools_keep_own_village_only,
            day_limit_min=limits,
            boarding_limit_min=board,
            boarding_min_km=float(scenario.boarding_min_km),
            walk_threshold_km=float(scenario.walk_threshold_km),
            bus_band=np.array([b in scenario.bus_bands for b in BANDS]),
            planned_bands=np.array([b in bands for b in BANDS]),
            closure_target=int(scenario.closure_target),
            boarding_schools_per_town=int(scenario.boarding_schools_per_town),
            min_boarding_beds=int(scenario.min_boarding_beds),
            min_boarders=int(scenario.min_boarders),
            allow_reassignment=bool(scenario.allow_reassignment),
            reassignment_cost_yuan=float(scenario.reassignment_cost_yuan_per_pupil),
            year_weight=scenario.year_weights(),
            capital_weight=scenario.capital_weights(),
            value_per_min_yuan=scenario.value_of_time_yuan_per_min,
            trips_per_year=np.array([2.0 * scenario.school_days_per_year, 2.0 * scenario.boarding_weeks_per_year]),
            boarding_cost_yuan=float(scenario.boarding_cost_yuan_per_pupil_year),
            bus_cost_yuan=scenario.bus_cost_yuan_per_year,
            bus_km_cost_yuan=float(scenario.bus_cost_yuan_per_km),
            school_days=int(scenario.school_days_per_year),
            pupils_per_bus=np.full(S, seats),
            bus_km_per_pupil_km=np.full(S, 2.0 * scenario.bus_runs_per_day / seats),
        )


def _band(grade: int) -> str:
    for b in BANDS:
        if grade in GRADES_OF_BAND[b]:
            return b
    raise ValueError(f"grade must be 1-12, got {grade}")


def catchment_zones(district, rule: str) -> tuple[list[str], list[str]]:
    """Catchment zone (学区) of every village and school under ``rule``.

    ``"town"``: each town (镇) is a zone, and the subdistricts (街道) of the main urban
    area together form one zone, ``主城区``; ``"district"``: one zone; otherwise the name
    of a column of the villages table holding each village's zone.  A school belongs to
    the zone of the unit it stands in (its ``village_id``), or, without one, to its town's.

    Returns
    -------
    tuple of list of str
        Zone labels of the villages and of the schools, in table order.
    """
    v, s = district.villages, district.schools
    towns = district.towns.set_index(district.towns["town_code"].astype(str))
    if rule == "district":
        return ["全区"] * len(v), ["全区"] * len(s)

    def town_zone(code: str) -> str:
        if code in towns.index and towns.at[code, "town_kind"] == "subdistrict":
            return "主城区"
        return str(towns.at[code, "town"]) if code in towns.index else code

    if rule == "town":
        vz = [town_zone(str(c)) for c in v["town_code"]]
    else:
        if rule not in v.columns:
            raise ValueError(f"catchment_zones = {rule!r}: the villages table has no such column")
        vz = v[rule].astype(str).tolist()
    of_village = dict(zip(v["village_id"].astype(str), vz))
    sz = [
        of_village.get(str(h), town_zone(str(c)))
        for h, c in zip(s.get("village_id", pd.Series([None] * len(s))), s["town_code"])
    ]
    return vz, sz


def moved_away_year(schools: pd.DataFrame) -> np.ndarray:
    """``(S,)`` the year each school closes because it moves to a new site (its
    ``moves_to`` names the planned project that replaces it: 迁建), :data:`NEVER` if it
    does not move."""
    if "moves_to" not in schools.columns:
        return np.full(len(schools), NEVER, dtype=np.int64)
    opens = dict(zip(schools["school_id"].astype(str), schools["open_year"]))
    target = schools["moves_to"].fillna("").astype(str)
    return np.array([int(opens[t]) if t in opens else NEVER for t in target], dtype=np.int64)
