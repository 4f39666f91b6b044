"""The planning problem as arrays: the solver core's only input.

:class:`PlanningProblem` holds plain numpy arrays (demand, travel minutes, school
capacities and rules already resolved per school), like spopt's ``from_cost_matrix``;
:meth:`PlanningProblem.from_district` is the thin wrapper that derives them from a
:class:`~layout_opt.district.District`, a :class:`~layout_opt.scenario.Scenario`, a travel
matrix and the yearly demand.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..scenario import Scenario
from ..schema import BANDS, BANDS_OF_KIND, GRADES_OF_BAND, LEVEL_OF_BAND, SIZE_CAP_CLASS_OF_KIND

#: Mode codes of an assignment pair.
DAY, BOARDING = 0, 1
MODES = ("day", "boarding")
NEVER = 9999


@dataclass(frozen=True)
class PlanningProblem:
    """Everything the model needs, as arrays.

    Shapes: ``K`` years, ``V`` villages, ``S`` schools, ``T`` towns, 12 grades, 4 bands
    (:data:`layout_opt.schema.BANDS`).

    Attributes
    ----------
    years : numpy.ndarray
        ``(K,)`` school years.
    village_ids, school_ids : numpy.ndarray
        ``(V,)`` and ``(S,)`` labels.
    demand : numpy.ndarray
        ``(K, V, 12)`` pupils by year, village and grade (1-12 in columns 0-11).
    travel_min : numpy.ndarray
        ``(V, S)`` one-way minutes; ``inf`` where unreachable.
    teaches : numpy.ndarray
        ``(S, 4)`` bool, school teaches band.
    class_cap : numpy.ndarray
        ``(S, 12)`` pupils per class for each grade at each school (0 where not taught).
    class_group : numpy.ndarray
        ``(S, 12)`` the class group each grade is taught in: its own grade index
        (``g - 1``) normally; the first grade of the band for schools that teach mixed-grade
        classes (复式班, teaching points); -1 where not taught.
    size_cap : numpy.ndarray
        ``(S,)`` pupils per school.
    rooms : numpy.ndarray
        ``(S,)`` classrooms today (planned projects: their planned classrooms).
    beds : numpy.ndarray
        ``(S,)`` boarding beds today.
    max_added_rooms : numpy.ndarray
        ``(S,)`` classrooms that may be added (0 where the site may not grow).
    may_add_beds : numpy.ndarray
        ``(S,)`` bool, beds may be added (site allowed by the three concentrations).
    room_cost_yuan, bed_cost_yuan : numpy.ndarray
        ``(S,)`` cost of one added classroom (seats x cost per seat) and one bed.
    candidate : numpy.ndarray
        ``(S,)`` bool, the school may be closed (teaching point or small school).
    open_from : numpy.ndarray
        ``(S,)`` first year the school can take pupils (planned projects).
    close_by : numpy.ndarray
        ``(S,)`` year from which the school must be closed (:data:`NEVER` if never).
    town : numpy.ndarray
        ``(S,)`` town index of each school.
    town_names : numpy.ndarray
        ``(T,)`` town names.
    town_needs_boarding : numpy.ndarray
        ``(T,)`` bool, the boarding-school rule applies (towns, not subdistricts).
    day_limit_min : numpy.ndarray
        ``(4,)`` longest day trip per band.
    boarding_limit_min : numpy.ndarray
        ``(4,)`` longest boarding trip per band (0 where the band may not board).
    trips_per_year : numpy.ndarray
        ``(2,)`` one-way trips a year for day and boarding pupils.
    value_per_min_yuan : float
        Value of one pupil-minute.
    boarding_cost_yuan : float
        Yearly cost of one boarding pupil.
    travel_weight : float
        Years of travel each modelled year stands for (appraisal years / K).
    closure_target : int
        Closures required by the last year; ``-1`` for as many as possible.
    boarding_schools_per_town : int
        Boarding schools per town and level (primary, junior).
    min_boarding_beds : int
        Beds a boarding school needs.
    running_cost_yuan : float
        Yearly cost of each kept closure candidate.
    planned_bands : numpy.ndarray
        ``(4,)`` bool, the band is planned (its rules apply even in years without pupils).
    host_village : numpy.ndarray
        ``(S,)`` index of the village-level unit the school stands in (-1 if unknown).
    host_only : numpy.ndarray
        ``(S,)`` bool, the school may only take pupils of its host unit (closure
        candidates under the default rule: a kept small school keeps its own village's
        pupils, 应留必留, and is not a receiving school).
    school_names, village_names : numpy.ndarray
        Labels for explanations.
    """

    years: np.ndarray
    village_ids: np.ndarray
    school_ids: np.ndarray
    demand: np.ndarray
    travel_min: np.ndarray
    teaches: np.ndarray
    class_cap: np.ndarray
    class_group: np.ndarray
    size_cap: np.ndarray
    rooms: np.ndarray
    beds: np.ndarray
    max_added_rooms: np.ndarray
    may_add_beds: np.ndarray
    room_cost_yuan: np.ndarray
    bed_cost_yuan: np.ndarray
    candidate: np.ndarray
    open_from: np.ndarray
    close_by: np.ndarray
    town: np.ndarray
    town_names: np.ndarray
    town_needs_boarding: np.ndarray
    day_limit_min: np.ndarray
    boarding_limit_min: np.ndarray
    trips_per_year: np.ndarray
    value_per_min_yuan: float
    boarding_cost_yuan: float
    travel_weight: float
    closure_target: int
    boarding_schools_per_town: int
    min_boarding_beds: int
    running_cost_yuan: float
    planned_bands: np.ndarray = field(default_factory=lambda: np.ones(4, dtype=bool))
    host_village: np.ndarray = field(default_factory=lambda: np.array([], dtype=np.int64))
    host_only: np.ndarray = field(default_factory=lambda: np.array([], dtype=bool))
    school_names: np.ndarray = field(default_factory=lambda: np.array([]))
    village_names: np.ndarray = field(default_factory=lambda: np.array([]))

    @property
    def shape(self) -> tuple[int, int, int]:
        """``(K, V, S)``."""
        return len(self.years), len(self.village_ids), len(self.school_ids)

    def band_demand(self) -> np.ndarray:
        """``(K, V, 4)`` pupils per band."""
        return np.stack([self.demand[:, :, [g - 1 for g in GRADES_OF_BAND[b]]].sum(axis=2) for b in BANDS], axis=2)

    def available(self) -> np.ndarray:
        """``(K, S)`` bool: the school can take pupils that year (ignoring closures)."""
        y = self.years[:, None]
        return (y >= self.open_from[None, :]) & (y < self.close_by[None, :])

    def pairs(self) -> pd.DataFrame:
        """Every village-band-school pair the travel rules allow, with its mode.

        A pair is a day pair if the trip fits the band's day limit; otherwise a boarding
        pair if the band may board, the trip fits the boarding limit, and the school has
        beds or may add them.  Pairs for bands with no pupils in any year are left out.

        Returns
        -------
        pandas.DataFrame
            ``v``, ``b``, ``s`` (indices), ``mode`` (0 day, 1 boarding), ``travel_min``.
        """
        has_pupils = self.band_demand().sum(axis=0) > 0  # (V, 4)
        frames = []
        for b in range(len(BANDS)):
            t = self.travel_min
            ok_school = self.teaches[:, b]
            day = (t <= self.day_limit_min[b]) & ok_school[None, :] & has_pupils[:, b][:, None]
            board_ok = ok_school & ((self.beds > 0) | self.may_add_beds)
            board = (
                (~day)
                & (t <= self.boarding_limit_min[b])
                & board_ok[None, :]
                & has_pupils[:, b][:, None]
                & (self.boarding_limit_min[b] > 0)
            )
            if len(self.host_only):
                restricted = self.host_only & ok_school
                not_host = np.ones((len(t), len(ok_school)), dtype=bool)
                hv = self.host_village
                cols = np.flatnonzero(restricted & (hv >= 0))
                not_host[hv[cols], cols] = False
                day &= ~(restricted[None, :] & not_host)
                board &= ~(restricted[None, :] & not_host)
            for mode, mask in ((DAY, day), (BOARDING, board)):
                v, s = np.nonzero(mask)
                frames.append(pd.DataFrame({"v": v, "b": b, "s": s, "mode": mode, "travel_min": t[v, s]}))
        out = pd.concat(frames, ignore_index=True)
        return out.sort_values(["b", "v", "s"], kind="stable").reset_index(drop=True)

    @classmethod
    def from_district(
        cls,
        district,
        scenario: Scenario,
        travel,
        demand: np.ndarray | None = None,
        years: tuple[int, ...] | None = None,
    ) -> PlanningProblem:
        """Derive the arrays from a district (the geo wrapper).

        Parameters
        ----------
        district : layout_opt.district.District
            Villages and schools.
        scenario : Scenario
            Rules and numbers.
        travel : layout_opt.travel.TravelMatrix
            Minutes from villages to schools (any order; matched by id).
        demand : numpy.ndarray, optional
            ``(K, V, 12)`` pupils per year in the villages' order; defaults to the base
            year's pupils repeated for every year.
        years : tuple of int, optional
            Defaults to ``scenario.years``.
        """
        years_arr = np.array(years or scenario.years, dtype=int)
        v = district.villages
        s = district.schools
        V, S, K = len(v), len(s), len(years_arr)
        grades = v[[f"g{g}" for g in range(1, 13)]].to_numpy(np.int64)
        if demand is None:
            demand = np.repeat(grades[None, :, :], K, axis=0)
        demand = np.asarray(demand, dtype=np.int64)
        if demand.shape != (K, V, 12):
            raise ValueError(f"demand must have shape {(K, V, 12)}, got {demand.shape}")
        left_out = [g - 1 for b in BANDS if b not in scenario.bands for g in GRADES_OF_BAND[b]]
        if left_out:
            demand = demand.copy()
            demand[:, :, left_out] = 0
        tm = travel.subset(v["village_id"].to_numpy(), s["school_id"].to_numpy()).minutes
        teaches = np.array([[b in BANDS_OF_KIND[k] for b in BANDS] for k in s["kind"]], dtype=bool)
        class_cap = np.zeros((S, 12), dtype=np.int64)
        for j in range(S):
            for b, band in enumerate(BANDS):
                if teaches[j, b]:
                    for g in GRADES_OF_BAND[band]:
                        class_cap[j, g - 1] = scenario.class_cap(band)
        class_group = np.full((S, 12), -1, dtype=np.int64)
        for j, kind in enumerate(s["kind"]):
            for band in BANDS_OF_KIND[kind]:
                grades = GRADES_OF_BAND[band]
                for g in grades:
                    class_group[j, g - 1] = grades[0] - 1 if kind == "teaching_point" else g - 1
        size_cap = np.array([scenario.school_cap(SIZE_CAP_CLASS_OF_KIND[k]) for k in s["kind"]], dtype=np.int64)
        levels_of = [{LEVEL_OF_BAND[b] for b in BANDS_OF_KIND[k]} for k in s["kind"]]
        ur = s["ur_code"].to_numpy()
        central = (
            s["village_id"].map(dict(zip(v["village_id"], v["central_village"]))).fillna(False).to_numpy(bool)
            if "village_id" in s.columns
            else np.zeros(S, bool)
        )
        may_grow = np.array(
            [
                all((ur[j] in scenario.expand_ur_codes(lv)) or (lv == "primary" and central[j]) for lv in levels_of[j])
                for j in range(S)
            ],
            dtype=bool,
        )
        planned = (s["status"] == "planned").to_numpy()
        max_added = np.where(may_grow & ~planned, s["max_added_classrooms"].to_numpy(np.int64), 0)
        main_level = ["senior" if "senior" in lv else ("junior" if lv == {"junior"} else "primary") for lv in levels_of]
        room_cost = np.array([scenario.class_cap(lv) * scenario.cost_per_added_seat_yuan for lv in main_level])
        enrol = s[[f"g{g}" for g in range(1, 13)]].to_numpy(np.int64).sum(axis=1)
        candidate = (s["status"] == "open").to_numpy() & (
            (s["kind"] == "teaching_point").to_numpy()
            | (
                (enrol < scenario.small_school_pupils)
                & s["kind"].isin(["primary", "central_primary", "junior", "nine_year"]).to_numpy()
            )
        )
        open_from = np.where(planned, s["open_year"].to_numpy(np.int64), -NEVER)
        outside = (s["kind"] == "high").to_numpy() & ~np.isin(ur, scenario.senior_urban_ur_codes)
        close_by = np.where(outside, scenario.senior_relocation_year, NEVER)
        vid_index = {vid: k for k, vid in enumerate(v["village_id"].astype(str))}
        host = (
            np.array([vid_index.get(str(h), -1) for h in s["village_id"]], dtype=np.int64)
            if "village_id" in s.columns
            else np.full(S, -1)
        )
        towns = district.towns.sort_values("town_code")
        town_codes = towns["town_code"].astype(str).tolist()
        town_idx = np.array([town_codes.index(str(c)) for c in s["town_code"]])
        limits = np.array([scenario.day_limit(b) for b in BANDS])
        board = np.array([scenario.boarding_limit_min if b in scenario.boarding_bands else 0.0 for b in BANDS])
        return cls(
            years=years_arr,
            village_ids=v["village_id"].astype(str).to_numpy(),
            school_ids=s["school_id"].astype(str).to_numpy(),
            demand=demand,
            travel_min=np.asarray(tm, dtype=float),
            teaches=teaches,
            class_cap=class_cap,
            class_group=class_group,
            size_cap=size_cap,
            rooms=s["classrooms"].to_numpy(np.int64),
            beds=s["beds"].to_numpy(np.int64),
            max_added_rooms=max_added.astype(np.int64),
            may_add_beds=may_grow,
            room_cost_yuan=room_cost.astype(float),
            bed_cost_yuan=np.full(S, scenario.cost_per_added_bed_yuan),
            candidate=candidate,
            open_from=open_from.astype(np.int64),
            close_by=close_by.astype(np.int64),
            town=town_idx,
            town_names=towns["town"].to_numpy(),
            town_needs_boarding=(towns["town_kind"] == "town").to_numpy(),
            day_limit_min=limits,
            boarding_limit_min=board,
            trips_per_year=np.array([2.0 * scenario.school_days_per_year, 2.0 * scenario.boarding_weeks_per_year]),
            value_per_min_yuan=scenario.value_of_time_yuan_per_min,
            boarding_cost_yuan=scenario.boarding_cost_yuan_per_pupil_year,
            travel_weight=scenario.appraisal_years / len(years_arr),
            closure_target=int(scenario.closure_target),
            boarding_schools_per_town=int(scenario.boarding_schools_per_town),
            min_boarding_beds=int(scenario.min_boarding_beds),
            running_cost_yuan=float(scenario.small_school_running_cost_yuan),
            planned_bands=np.array([b in scenario.bands for b in BANDS]),
            host_village=host,
            host_only=candidate & scenario.small_schools_keep_own_village_only,
            school_names=s["name"].astype(str).to_numpy(),
            village_names=v["name"].astype(str).to_numpy(),
        )
