"""Verify a plan against the raw inputs, independently of the model.

Nothing here uses :mod:`layout_opt.model`: the rules are re-derived from the district
tables (today's attendance included), the scenario, the travel matrix and the yearly
pupils, so a modelling error shows up as a violation even when the solver says
"optimal".

:func:`check_plan` returns every violation as one row of a DataFrame with the rule, the
year, the record it concerns and a message; an empty frame means the plan keeps every
rule.  Each family of rules is one function (``_check_*``), called in this order: the
schools table, pupils conserved, each group of pupils (school, trip, mode, zone),
entrants in one catchment, enrolled pupils who stay, capacity per school and year,
closures, the closures table, boarding schools per town, costs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .scenario import Scenario
from .schema import (
    ALL_GRADES,
    BANDS,
    BANDS_OF_KIND,
    GRADES_OF_BAND,
    LEVEL_OF_BAND,
    N_GRADES,
    SCHOOL_GRADES,
    SIZE_CAP_CLASS_OF_KIND,
    band_of_grade,
    grade_column,
)

if TYPE_CHECKING:  # pragma: no cover
    from .district import District
    from .travel import TravelMatrix

VIOLATION_COLUMNS = ["rule", "year", "record", "message"]

#: The first grade of each level: its pupils are all new entrants.
ENTRY_GRADES: tuple[int, ...] = (1, 7, 10, 13)


@dataclass
class _Inputs:
    """What every rule family reads, and the violations found so far.

    ``schools`` is the district's school table indexed by ``school_id``; ``table`` the
    plan's schools table restricted to the district's schools and the scenario's years;
    ``status_of`` maps (school, year) to the status the plan's table gives; ``zone_of``
    the catchment zone of each village and school.
    """

    plan: Any
    district: District
    scenario: Scenario
    demand: np.ndarray
    years: list[int]
    villages: pd.DataFrame
    schools: pd.DataFrame
    minutes: pd.DataFrame
    km: pd.DataFrame | None
    central: pd.Series
    status_of: dict[tuple[str, int], str]
    village_zone: dict[str, str]
    school_zone: dict[str, str]
    today: set[tuple[str, str, int]]
    bands: tuple[str, ...] = ()
    records: dict[str, dict] = field(default_factory=dict)
    candidate: dict[str, bool] = field(default_factory=dict)
    table: pd.DataFrame = field(default_factory=pd.DataFrame)
    out: list[tuple] = field(default_factory=list)

    def bad(self, rule: str, year: Any, record: str, message: str) -> None:
        """Record one violation."""
        self.out.append((rule, None if year is None else int(year), str(record), message))

    def open_in(self, school_id: str, year: int) -> bool:
        return self.status_of.get((school_id, year)) in ("open", "new")


#: Rules about the plan's tables themselves; when one is broken the other rules are not checked.
TABLE_RULES: frozenset[str] = frozenset(
    {"school listed", "known school", "known village", "grade and band", "planning year"}
)


def check_plan(plan, district, scenario: Scenario, travel: TravelMatrix, demand: np.ndarray) -> pd.DataFrame:
    """Every rule the plan breaks.

    Parameters
    ----------
    plan : layout_opt.Plan
        The plan (its ``pupils``, ``assignments``, ``schools``, ``closures`` tables).
    district : layout_opt.District
        The raw inputs (today's attendance in ``district.enrolment``).
    scenario : Scenario
        The rules.
    travel : layout_opt.travel.TravelMatrix
        Minutes (and kilometres) from villages to schools.
    demand : numpy.ndarray
        Pupils ``(years, villages, 15)`` in the district's village order.

    Returns
    -------
    pandas.DataFrame
        ``rule, year, record, message``; empty when the plan keeps every rule.
    """
    v = district.villages.reset_index(drop=True)
    s = district.schools.set_index("school_id")
    central = (
        s["village_id"].map(dict(zip(v["village_id"], v["central_village"]))).fillna(False)
        if "village_id" in s.columns
        else pd.Series(False, index=s.index)
    )
    village_zone, school_zone = _zones(district, scenario)
    att = district.enrolment
    today = (
        set()
        if att is None
        else set(zip(att["village_id"].astype(str), att["school_id"].astype(str), att["grade"].astype(int)))
    )
    ctx = _Inputs(
        plan=plan,
        district=district,
        scenario=scenario,
        demand=demand,
        years=list(scenario.years),
        villages=v,
        schools=s,
        minutes=travel.to_frame(),
        km=None
        if travel.km is None
        else pd.DataFrame(travel.km, index=travel.origin_ids, columns=travel.destination_ids),
        central=central,
        status_of={(r.school_id, int(r.year)): r.status for r in plan.schools.itertuples(index=False)},
        village_zone=village_zone,
        school_zone=school_zone,
        today=today,
        records=s.to_dict("index"),
        bands=district.planned_bands(scenario),
    )
    ctx.candidate = {sid: _is_candidate(rec, scenario) for sid, rec in ctx.records.items()}
    _check_schools_table(ctx)
    _check_pupils_conserved(ctx)
    known = _check_pupils(ctx)
    if any(rule in TABLE_RULES for rule, *_ in ctx.out):
        # the tables themselves are malformed: the rules below would read records that do
        # not exist (an unknown school, a grade outside 1-12, a school listed twice)
        return pd.DataFrame(ctx.out, columns=VIOLATION_COLUMNS)
    _check_catchments(ctx)
    if not scenario.allow_reassignment:
        _check_enrolled_stay(ctx)
    _check_capacity(ctx, known)
    _check_closures(ctx)
    _check_closures_table(ctx)
    _check_boarding_towns(ctx)
    _check_public_kindergartens(ctx)
    _check_costs(ctx)
    return pd.DataFrame(ctx.out, columns=VIOLATION_COLUMNS)


def _zones(district, scenario: Scenario) -> tuple[dict[str, str], dict[str, str]]:
    """The catchment zone of every village and school (see ``catchment_zones``): a town,
    the subdistricts together, one zone, or the villages' own column."""
    v, s = district.villages, district.schools
    kind_of_town = dict(zip(district.towns["town_code"].astype(str), district.towns["town_kind"]))
    rule = scenario.catchment_zones
    if rule == "district":
        vz = dict.fromkeys(v["village_id"].astype(str), "all")
    elif rule == "town":
        vz = {
            vid: ("urban" if kind_of_town.get(str(t)) == "subdistrict" else str(t))
            for vid, t in zip(v["village_id"].astype(str), v["town_code"])
        }
    else:
        vz = dict(zip(v["village_id"].astype(str), v[rule].astype(str)))
    sz = {}
    for sid, host, t in zip(s["school_id"].astype(str), s["village_id"].astype(str), s["town_code"].astype(str)):
        sz[sid] = vz.get(host, "urban" if kind_of_town.get(t) == "subdistrict" else t)
    return vz, sz


def _check_schools_table(ctx: _Inputs) -> None:
    """One row per school of the district and planning year, and no other school."""
    s, st = ctx.schools, ctx.plan.schools
    for sid in s.index:
        for y in ctx.years:
            if (sid, y) not in ctx.status_of:
                ctx.bad("school listed", y, sid, f"{s.loc[sid, 'name']} has no row for {y} in the schools table")
    ctx.table = st[st["school_id"].isin(s.index) & st["year"].isin(ctx.years)]
    twice = ctx.table[ctx.table.duplicated(["school_id", "year"])]
    for sid, y in sorted(set(zip(twice["school_id"], twice["year"]))):
        ctx.bad("school listed", y, sid, f"{s.loc[sid, 'name']} has more than one row for {y} in the schools table")
    for sid in sorted(set(st["school_id"]) - set(s.index)):
        ctx.bad("known school", None, sid, "the schools table lists a school that is not in the district")


def _check_pupils_conserved(ctx: _Inputs) -> None:
    """Every pupil who lives in a village is placed, grade by grade, and the assignments
    table sums the pupils table."""
    p, v = ctx.plan.pupils, ctx.villages
    got = p.groupby(["year", "village_id", "grade"])["pupils"].sum()
    grades = [g for b in ctx.bands for g in GRADES_OF_BAND[b]]
    for k, y in enumerate(ctx.years):
        for g in grades:
            need = ctx.demand[k][:, g - 1]
            for i in np.flatnonzero(need > 0):
                vid = v["village_id"].iat[i]
                have = int(got.get((y, vid, g), 0))
                if have != int(need[i]):
                    ctx.bad(
                        "pupils conserved", y, f"{vid}/g{g}", f"{int(need[i])} pupils live there, {have} are placed"
                    )
    keys = ["year", "village_id", "band", "school_id", "mode"]
    summed = p.groupby(keys)["pupils"].sum()
    listed = ctx.plan.assignments.groupby(keys)["pupils"].sum()
    both = pd.concat([summed.rename("pupils"), listed.rename("assigned")], axis=1).fillna(0)
    for key, r in both[both["pupils"] != both["assigned"]].iterrows():
        ctx.bad(
            "assignments table",
            key[0],
            "/".join(map(str, key[1:])),
            f"{int(r.assigned)} assigned, {int(r.pupils)} placed",
        )


def _check_pupils(ctx: _Inputs) -> list:
    """Each group of pupils: known records, a school that teaches the grade and is open,
    a trip and mode within the rules, the catchment zone; returns the known rows."""
    years, s = ctx.years, ctx.schools
    vpos = set(ctx.villages["village_id"])
    known = []
    for r in ctx.plan.pupils.itertuples(index=False):
        if r.year not in years:
            ctx.bad("planning year", r.year, f"{r.village_id}/g{r.grade}", f"{r.year} is not a year of the scenario")
            continue
        if r.village_id not in vpos:
            ctx.bad("known village", r.year, r.village_id, "village not in the district")
            continue
        if r.school_id not in s.index:
            ctx.bad("known school", r.year, r.school_id, "school not in the district")
            continue
        if not 1 <= int(r.grade) <= N_GRADES or band_of_grade(int(r.grade)) != r.band:
            ctx.bad("grade and band", r.year, f"{r.village_id}/g{r.grade}", f"grade {r.grade} is not in band {r.band}")
            continue
        known.append(r)
        rec = ctx.records[r.school_id]
        if r.band not in BANDS_OF_KIND[rec["kind"]]:
            ctx.bad("teaches band", r.year, r.school_id, f"{rec['name']} does not teach {r.band}")
        state = ctx.status_of.get((r.school_id, int(r.year)), "missing")
        if state not in ("open", "new"):
            ctx.bad(
                "school open",
                r.year,
                r.school_id,
                f"{rec['name']} is {state} in {r.year} but has pupils of {r.village_id}",
            )
        if rec["status"] == "planned" and r.year < int(rec["open_year"]):
            ctx.bad("school open", r.year, r.school_id, f"{rec['name']} opens in {int(rec['open_year'])}")
        _check_trip(ctx, r)
        _check_school_may_take(ctx, r, rec)
    return known


def _check_trip(ctx: _Inputs, r: Any) -> None:
    """The trip of one group: its minutes, its mode and the day or boarding rules."""
    sc, tm = ctx.scenario, ctx.minutes
    pair = f"{r.village_id}->{r.school_id}"
    t = float(tm.at[r.village_id, r.school_id]) if r.village_id in tm.index and r.school_id in tm.columns else math.nan
    if not math.isfinite(t) or abs(t - r.travel_min) > 0.01:
        ctx.bad("travel matches matrix", r.year, pair, f"reported {r.travel_min} min, matrix {t:.2f} min")
    km = float(ctx.km.at[r.village_id, r.school_id]) if ctx.km is not None and math.isfinite(t) else math.nan
    if r.mode not in ("day", "boarding"):
        ctx.bad("mode", r.year, pair, f"mode {r.mode!r} is neither 'day' nor 'boarding'")
    day = sc.day_limit(r.band)
    if r.mode == "day" and t > day + 1e-6:
        ctx.bad("day trip limit", r.year, pair, f"{t:.1f} min exceeds the {day:.0f}-min day limit for {r.band}")
    rides = km > sc.walk_threshold_km and r.band in sc.bus_bands
    if r.mode == "day" and math.isfinite(km) and bool(r.bused) != rides:
        ctx.bad("bus riders", r.year, pair, f"a {km:.2f}-km trip is {'not ' if r.bused else ''}a bus ride")
    if r.mode == "boarding":
        if r.band not in sc.boarding_bands:
            ctx.bad("no boarding", r.year, pair, f"{r.band} may not board")
        if t <= day + 1e-6 and math.isfinite(km) and km < sc.boarding_min_km - 1e-9:
            ctx.bad(
                "boarding from a distance",
                r.year,
                pair,
                f"a {km:.2f}-km day trip is shorter than the {sc.boarding_min_km:g} km from which pupils may board",
            )
        if t > sc.boarding_limit_min + 1e-6:
            ctx.bad(
                "boarding trip limit",
                r.year,
                pair,
                f"{t:.1f} min exceeds the {sc.boarding_limit_min:.0f}-min boarding limit",
            )


def _enrolled_today(ctx: _Inputs, r: Any) -> bool:
    """The group's cohort attended this school in the base year (a kept position)."""
    g0 = int(r.grade) - (int(r.year) - ctx.district.base_year)
    return (r.village_id, r.school_id, g0) in ctx.today


def _check_school_may_take(ctx: _Inputs, r: Any, rec: pd.Series) -> None:
    """Seniors only in the main urban area after the relocation year; a kept small school
    only takes its own village's pupils; compulsory pupils in their own catchment zone
    (pupils enrolled there today may stay)."""
    sc = ctx.scenario
    if _outside_main_urban(rec, sc) and r.year >= sc.senior_relocation_year:
        ctx.bad(
            "senior in main urban area",
            r.year,
            r.school_id,
            f"{rec['name']} lies outside the main urban area but teaches seniors in {r.year}",
        )
    if (
        sc.small_schools_keep_own_village_only
        and ctx.candidate[r.school_id]
        and "village_id" in ctx.schools.columns
        and rec["village_id"] != r.village_id
    ):
        ctx.bad(
            "small school keeps own village",
            r.year,
            r.school_id,
            f"{rec['name']} is a small school and takes pupils of {r.village_id}",
        )
    if (
        r.band != "senior"
        and ctx.village_zone.get(r.village_id) != ctx.school_zone.get(r.school_id)
        and not _enrolled_today(ctx, r)
    ):
        ctx.bad(
            "catchment zone",
            r.year,
            f"{r.village_id}->{r.school_id}",
            f"{rec['name']} lies outside the catchment zone of {r.village_id}",
        )


def _check_catchments(ctx: _Inputs) -> None:
    """The new entrants of a village (grades 1, 7 and 10) go to one school, in one mode."""
    p = ctx.plan.pupils
    first = p[p["grade"].isin(ENTRY_GRADES) & (p["pupils"] > 0)]
    n = first.groupby(["year", "village_id", "grade"])[["school_id", "mode"]].nunique()
    for y, vid, g in n[(n["school_id"] > 1) | (n["mode"] > 1)].index:
        ctx.bad(
            "one catchment", y, f"{vid}/g{g}", f"the grade-{g} entrants of {vid} go to more than one school or mode"
        )


def _check_enrolled_stay(ctx: _Inputs) -> None:
    """Pupils stay where they were last year (today's school in the first plan year) while
    that school is open, teaches their grade and the trip rules allow it.

    A cohort may shrink (pupils who move away or leave school); the pupils who leave are
    not moves.  So a school is found emptied of a cohort only when it had more of the
    cohort's pupils last year than the cohort lost."""
    p = ctx.plan.pupils
    at = p.groupby(["year", "village_id", "grade", "school_id"])["pupils"].sum().to_dict()
    pupils = p.groupby(["year", "village_id", "grade"])["pupils"].sum()
    allowed_cache: dict[tuple, bool] = {}
    prev_year = {y: (ctx.years[i - 1] if i else ctx.district.base_year) for i, y in enumerate(ctx.years)}
    where_before: dict[tuple, dict[str, int]] = {}
    att = ctx.district.enrolment
    if att is not None:
        for vid, sid, g, n in zip(
            att["village_id"].astype(str), att["school_id"].astype(str), att["grade"], att["pupils"]
        ):
            here = where_before.setdefault((ctx.district.base_year, vid, int(g)), {})
            here[sid] = here.get(sid, 0) + int(n)
    for (y, vid, g, sid), n in at.items():
        if n > 0:
            where_before.setdefault((y, vid, g), {})[sid] = int(n)
    for y in ctx.years:
        y0 = prev_year[y]
        for (yy, vid, g0), schools in list(where_before.items()):
            if yy != y0:
                continue
            g = g0 + (y - y0)
            if g > N_GRADES:
                continue
            now = int(pupils.get((y, vid, g), 0))
            if now == 0 or band_of_grade(g) not in ctx.bands:
                continue
            if LEVEL_OF_BAND[band_of_grade(g)] != LEVEL_OF_BAND[band_of_grade(g0)]:
                continue
            shrink = max(sum(schools.values()) - now, 0)
            for sid, before in schools.items():
                rec = ctx.records[sid]
                if not ctx.open_in(sid, y) or band_of_grade(g) not in BANDS_OF_KIND[rec["kind"]]:
                    continue
                key = (vid, sid, band_of_grade(g))
                if key not in allowed_cache:
                    allowed_cache[key] = _position_allowed(ctx, vid, sid, band_of_grade(g), rec)
                if allowed_cache[key] and at.get((y, vid, g, sid), 0) == 0 and before > shrink:
                    ctx.bad(
                        "enrolled pupils stay",
                        y,
                        f"{vid}/g{g}",
                        f"pupils of {vid} enrolled at {rec['name']} leave it in {y} although it is open",
                    )


def _position_allowed(ctx: _Inputs, vid: str, sid: str, band: str, rec: pd.Series) -> bool:
    """The trip rules allow pupils of ``vid`` in ``band`` at ``sid`` (day or boarding)."""
    sc = ctx.scenario
    t = float(ctx.minutes.at[vid, sid]) if vid in ctx.minutes.index and sid in ctx.minutes.columns else math.inf
    if not math.isfinite(t):
        return False
    if sc.small_schools_keep_own_village_only and ctx.candidate[sid] and rec["village_id"] != vid:
        return False
    if t <= sc.day_limit(band) + 1e-6:
        return True
    can_board = int(rec["beds"]) > 0 or _may_grow(
        rec["kind"], int(rec["ur_code"]), bool(ctx.central.get(sid, False)), sc
    )
    return band in sc.boarding_bands and t <= sc.boarding_limit_min + 1e-6 and can_board


def _school_year_pupils(known: list) -> tuple[dict[tuple, np.ndarray], dict[tuple, dict[str, int]]]:
    """Pupils by grade, and boarders by level, per (school, year)."""
    grade_pupils: dict[tuple, np.ndarray] = {}
    board: dict[tuple, dict[str, int]] = {}
    for r in known:
        key = (r.school_id, int(r.year))
        grade_pupils.setdefault(key, np.zeros(N_GRADES))[int(r.grade) - 1] += int(r.pupils)
        if r.mode == "boarding":
            lv = board.setdefault(key, {})
            lv[LEVEL_OF_BAND[r.band]] = lv.get(LEVEL_OF_BAND[r.band], 0) + int(r.pupils)
    return grade_pupils, board


def _classes_needed(kind: str, pupils: np.ndarray, scenario: Scenario, today_per_class: int = 0) -> int:
    """Classes a school of ``kind`` needs for ``pupils`` by grade at the class caps (mixed
    classes at a teaching point), or at ``today_per_class`` if that is larger."""
    need = 0
    for band in BANDS_OF_KIND[kind]:
        grades = [g - 1 for g in GRADES_OF_BAND[band]]
        if kind == "teaching_point":
            cap = max(scenario.class_cap_teaching_point, today_per_class)
            need += math.ceil(pupils[grades].sum() / cap - 1e-9)
        else:
            need += sum(
                math.ceil(pupils[g] / max(scenario.class_cap_of_grade(g + 1), today_per_class) - 1e-9) for g in grades
            )
    return need


def _check_capacity(ctx: _Inputs, known: list) -> None:
    """Per school and year: enrolment and boarders as reported, classes as the pupils need
    them at the class caps and within classrooms, the school-size cap (before
    ``caps_from_year`` a school over the caps today may keep today's class size and
    pupils), beds, where a school may grow, and additions that only accumulate."""
    sc = ctx.scenario
    grade_pupils, board = _school_year_pupils(known)
    prev: dict[str, tuple[int, int]] = {}
    for r in ctx.table.sort_values(["school_id", "year"]).itertuples(index=False):
        rec = ctx.records[r.school_id]
        key = (r.school_id, int(r.year))
        pupils = grade_pupils.get(key, np.zeros(N_GRADES))
        if int(pupils.sum()) != r.enrolment:
            ctx.bad(
                "enrolment reported", r.year, r.school_id, f"table says {r.enrolment}, pupils give {int(pupils.sum())}"
            )
        today = sum(int(rec[grade_column(g)]) for g in ALL_GRADES)
        early = r.year < sc.caps_from_year
        per_class = math.ceil(today / max(int(rec.get("classes", 0) or 0), 1)) if early else 0
        need = _classes_needed(rec["kind"], pupils, sc, per_class)
        rooms = int(rec["classrooms"]) + int(r.added_classrooms)
        if need > rooms:
            ctx.bad(
                "class size cap",
                r.year,
                r.school_id,
                f"{rec['name']}: {int(pupils.sum())} pupils need {need} classes at the caps but have {rooms} classrooms",
            )
        if r.classes != need and r.status in ("open", "new"):
            # fewer breaks the class cap; more is a count no pupil needs (and teachers for it)
            ctx.bad(
                "classes reported", r.year, r.school_id, f"{rec['name']}: {r.classes} classes reported, {need} needed"
            )
        size_cap = sc.school_cap(SIZE_CAP_CLASS_OF_KIND[rec["kind"]])
        if early:
            size_cap = max(size_cap, today)
        if pupils.sum() > size_cap:
            ctx.bad(
                "school size cap",
                r.year,
                r.school_id,
                f"{rec['name']}: {int(pupils.sum())} pupils over the cap of {size_cap}",
            )
        _check_beds(ctx, r, rec, sum(board.get(key, {}).values()))
        _check_growth(ctx, r, rec, prev.get(r.school_id))
        prev[r.school_id] = (r.added_classrooms, r.added_beds)
    ctx.board = board  # type: ignore[attr-defined]


def _check_beds(ctx: _Inputs, r: Any, rec: pd.Series, boarders: int) -> None:
    """Boarders within beds, as reported, and beds only where pupils may board."""
    if boarders > int(rec["beds"]) + int(r.added_beds):
        ctx.bad(
            "beds",
            r.year,
            r.school_id,
            f"{rec['name']}: {boarders} boarders, {int(rec['beds']) + int(r.added_beds)} beds",
        )
    if boarders != r.boarding_pupils:
        ctx.bad("boarders reported", r.year, r.school_id, f"table says {r.boarding_pupils}, pupils give {boarders}")
    if r.added_beds > 0 and not any(b in ctx.scenario.boarding_bands for b in BANDS_OF_KIND[rec["kind"]]):
        ctx.bad(
            "no boarding",
            r.year,
            r.school_id,
            f"{rec['name']} teaches no grade that may board but adds {int(r.added_beds)} beds",
        )


def _check_growth(ctx: _Inputs, r: Any, rec: pd.Series, before: tuple[int, int] | None) -> None:
    """Additions only where the three concentrations allow, within the room on site, never
    at a planned project's classrooms, and never decreasing from one year to the next."""
    grows = r.added_classrooms > 0 or r.added_beds > 0
    central = bool(ctx.central.get(r.school_id, False))
    if grows and not _may_grow(rec["kind"], int(rec["ur_code"]), central, ctx.scenario):
        ctx.bad(
            "three concentrations",
            r.year,
            r.school_id,
            f"{rec['name']} (ur_code {int(rec['ur_code'])}) may not receive new classrooms or beds",
        )
    if r.added_classrooms > int(rec["max_added_classrooms"]) and rec["status"] != "planned":
        ctx.bad(
            "room on site",
            r.year,
            r.school_id,
            f"{rec['name']}: {r.added_classrooms} classrooms added, room for {int(rec['max_added_classrooms'])}",
        )
    if rec["status"] == "planned" and r.added_classrooms > 0:
        ctx.bad("room on site", r.year, r.school_id, f"{rec['name']} is a planned project; its classrooms are planned")
    if before is not None and (r.added_classrooms < before[0] or r.added_beds < before[1]):
        ctx.bad("cumulative additions", r.year, r.school_id, "added classrooms or beds decrease")


def _first_closed(ctx: _Inputs) -> dict[str, int]:
    """School (not a planned project) -> the first plan year it is closed."""
    out = {}
    for sid in ctx.schools.index:
        closed_in = [y for y in ctx.years if ctx.status_of.get((sid, y)) == "closed"]
        if closed_in and ctx.schools.loc[sid, "status"] != "planned":
            out[sid] = closed_in[0]
    return out


def _moves_in(ctx: _Inputs, rec: pd.Series) -> int:
    """The year a school moves to the new site its ``moves_to`` names (迁建: the planned
    project's opening year), 9999 if it does not move."""
    target = str(rec.get("moves_to", "") or "")
    if target in ctx.records and ctx.records[target]["status"] == "planned":
        return int(ctx.records[target]["open_year"])
    return 9999


def _outside_main_urban(rec: pd.Series, scenario: Scenario) -> bool:
    """A high school outside the main urban area (must close by the relocation year)."""
    return rec["kind"] == "high" and int(rec["ur_code"]) not in scenario.senior_urban_ur_codes


def _teaches_planned(rec: pd.Series, scenario: Scenario) -> bool:
    return any(b in scenario.bands for b in BANDS_OF_KIND[rec["kind"]])


def _check_closures(ctx: _Inputs) -> None:
    """Only closure candidates (or relocated high schools, or schools moving to a new site)
    close, a closed school stays closed, high schools outside the main urban area close, a
    school that moves to a new site (``moves_to``) is closed from the year that site opens,
    and the closure target is met by candidates that teach a planned band."""
    sc, s, years = ctx.scenario, ctx.schools, ctx.years
    status = ctx.table.pivot(index="school_id", columns="year", values="status")
    for sid in status.index:
        rec = s.loc[sid]
        seq = [ctx.status_of.get((sid, y), "missing") for y in years]
        closed_years = [y for y, x in zip(years, seq) if x == "closed"]
        if closed_years:
            first = closed_years[0]
            if any(x in ("open", "new") for y, x in zip(years, seq) if y > first):
                ctx.bad("closed stays closed", first, sid, f"{rec['name']} reopens after closing in {first}")
            forced = (_outside_main_urban(rec, sc) and first >= sc.senior_relocation_year) or (
                first >= _moves_in(ctx, rec)
            )
            if not ((_is_candidate(rec, sc) and _teaches_planned(rec, sc)) or forced):
                ctx.bad(
                    "closure candidate",
                    first,
                    sid,
                    f"{rec['name']} closes but is neither a teaching point nor a small school",
                )
        moved = _moves_in(ctx, rec)
        for y, x in zip(years, seq):
            if y >= moved and x not in ("closed", "missing"):
                target = ctx.records[str(rec["moves_to"])]["name"]
                ctx.bad("moved site closes", y, sid, f"{rec['name']} moves to {target} in {moved} but is {x} in {y}")
        if _outside_main_urban(rec, sc) and rec["status"] == "open" and "senior" in sc.bands:
            for y, x in zip(years, seq):
                if y >= sc.senior_relocation_year and x != "closed":
                    ctx.bad(
                        "senior in main urban area",
                        y,
                        sid,
                        f"{rec['name']} must close or relocate by {sc.senior_relocation_year}",
                    )
    closed_candidates = [
        sid
        for sid in _first_closed(ctx)
        if _is_candidate(s.loc[sid], sc)
        and _teaches_planned(s.loc[sid], sc)
        and ctx.status_of.get((sid, years[-1])) == "closed"
    ]
    if sc.closure_target > 0 and len(closed_candidates) < sc.closure_target:
        ctx.bad(
            "closure target",
            years[-1],
            "-",
            f"{len(closed_candidates)} small schools closed, the target is {sc.closure_target}",
        )


def _check_closures_table(ctx: _Inputs) -> None:
    """Each closed school once in the closures table, in the year it closes, and no other."""
    s, closures = ctx.schools, ctx.plan.closures
    first_closed = _first_closed(ctx)
    listed = closures.groupby("school_id")["year"].apply(list).to_dict() if len(closures) else {}
    for sid, y in first_closed.items():
        if sid not in listed:
            ctx.bad("closures reported", y, sid, f"{s.loc[sid, 'name']} closes in {y} but is not in the closures table")
        elif listed[sid] != [y]:
            ctx.bad(
                "closures reported",
                y,
                sid,
                f"{s.loc[sid, 'name']} closes in {y}; the closures table says {', '.join(map(str, listed[sid]))}",
            )
    for sid, ys in listed.items():
        if sid not in first_closed:
            ctx.bad("closures reported", ys[0], sid, "listed in the closures table but not closed in the schools table")


def _check_boarding_towns(ctx: _Inputs) -> None:
    """At least ``boarding_schools_per_town`` open boarding primaries and juniors per town,
    each with ``min_boarding_beds`` beds and ``min_boarders`` boarders of the level."""
    sc, s = ctx.scenario, ctx.schools
    if sc.boarding_schools_per_town <= 0:
        return
    added_beds = {(r.school_id, int(r.year)): r.added_beds for r in ctx.table.itertuples(index=False)}
    board = getattr(ctx, "board", {})
    towns = ctx.district.towns
    for t in towns[towns["town_kind"] == "town"].itertuples():
        for level, band in (("primary", "upper_primary"), ("junior", "junior")):
            if band not in sc.bands:
                continue
            in_town = s[(s["town_code"] == t.town_code) & s["kind"].map(lambda k, band=band: band in BANDS_OF_KIND[k])]
            for y in ctx.years:
                n = 0
                for sid in in_town.index:
                    beds = int(s.loc[sid, "beds"]) + int(added_beds.get((sid, y), 0))
                    boarders = board.get((sid, y), {}).get(level, 0)
                    if ctx.open_in(sid, y) and beds >= sc.min_boarding_beds and boarders >= sc.min_boarders:
                        n += 1
                if n < sc.boarding_schools_per_town:
                    ctx.bad(
                        "boarding school per town",
                        y,
                        t.town_code,
                        f"{t.town} has {n} boarding {level} school(s) in use",
                    )


def _check_public_kindergartens(ctx: _Inputs) -> None:
    """At least ``public_kindergartens_per_town`` open public kindergartens per town."""
    sc, s = ctx.scenario, ctx.schools
    if sc.public_kindergartens_per_town <= 0 or "preschool" not in ctx.bands:
        return
    public = s[(s["kind"] == "kindergarten") & (s.get("ownership", "public") == "public")]
    towns = ctx.district.towns
    for t in towns[towns["town_kind"] == "town"].itertuples():
        mine = public.index[public["town_code"].astype(str) == str(t.town_code)]
        for y in ctx.years:
            n = sum(1 for sid in mine if ctx.open_in(sid, y))
            if n < sc.public_kindergartens_per_town:
                ctx.bad("public kindergarten per town", y, t.town_code, f"{t.town} has {n} open public kindergarten(s)")


#: The class cap that sizes (and prices) a classroom of each kind of school: a nine-year
#: school's classrooms are built at the primary cap (the policy's 班额: 45 primary, 50
#: junior and senior).  Stated here for the cost check, apart from the model's tables.
ROOM_LEVEL_OF_KIND: dict[str, str] = {
    "teaching_point": "primary",
    "primary": "primary",
    "central_primary": "primary",
    "junior": "junior",
    "nine_year": "primary",
    "high": "senior",
    "kindergarten": "preschool",
}
#: Pupils per teacher of each level (scenario parameters ``pupils_per_teacher_<level>``);
#: grades 13-15 are the kindergarten's 小班, 中班 and 大班.
TEACHER_LEVEL_OF_GRADE: dict[int, str] = {
    g: "primary" if g <= 6 else "junior" if g <= 9 else "senior" if g <= 12 else "preschool" for g in range(1, 16)
}
#: The objective's terms, in ``summary["costs_yuan"]``.
COST_TERMS: tuple[str, ...] = ("capital", "running", "buses", "boarding", "travel", "reassignment")


def appraisal_weights(scenario: Scenario) -> tuple[dict[int, float], dict[int, float]]:
    """How much each plan year's money counts, restated from the scenario's definition.

    Yearly costs (running, buses, boarding, travel time) of plan year ``y_k`` stand for
    the calendar years up to the next plan year, those of the last plan year for the rest
    of the appraisal period of ``appraisal_years`` from the first (at least its own year);
    calendar year ``t`` counts ``(1 + discount_rate) ** -(t - y_1)``.  Money spent in plan
    year ``y_k`` (classrooms, beds, moving a pupil) counts ``(1 + discount_rate) ** -(y_k - y_1)``.

    Returns
    -------
    tuple of dict
        Year -> weight of its yearly costs; year -> discount factor of its spending.
    """
    years = list(scenario.years)
    first, last = years[0], years[-1]
    end = max(first + scenario.appraisal_years, last + 1)
    factor = 1.0 + scenario.discount_rate
    yearly = {}
    for y, nxt in zip(years, [*years[1:], end]):
        yearly[y] = sum(factor ** -(t - first) for t in range(y, nxt))
    spent = {y: factor ** -(y - first) for y in years}
    return yearly, spent


def bus_cost_per_year(scenario: Scenario) -> float:
    """Yearly cost of one school bus: the vehicle over its life (an annuity at the
    discount rate; price / life without discounting), driver, attendant and upkeep."""
    r, life = scenario.discount_rate, scenario.bus_life_years
    vehicle = scenario.bus_price_yuan / life if r == 0 else scenario.bus_price_yuan * r / (1.0 - (1.0 + r) ** -life)
    return (
        vehicle
        + scenario.bus_driver_yuan_per_year
        + scenario.bus_attendant_yuan_per_year
        + scenario.bus_upkeep_yuan_per_year
    )


def _close(a: float, b: float, rel: float = 1e-6, floor: float = 1.0) -> bool:
    return abs(a - b) <= max(floor, rel * max(abs(a), abs(b)))


def _check_costs(ctx: _Inputs) -> None:
    """Money, school by school and term by term, from the plan's tables and the
    scenario's prices.

    Per school and year: the capital cost of the classrooms and beds added so far, the
    running cost (a yearly cost per open school and its teachers), teachers at least the
    staffing standard (pupils per teacher of each level, and ``min_teachers_per_class``
    per class), the bused pupils (day pupils the pupils table marks as bused), transport
    (at least the fleet's yearly cost; nothing without bused pupils) and the boarding
    cost.  Then the objective's terms in ``summary["costs_yuan"]``, each recomputed over
    the appraisal period: capital as spent year by year, running costs of the schools that
    teach a planned band, transport, boarding, travel time (minutes from the travel
    matrix) and reassignment (pupils moved while their school stays open); the objective
    is their sum, and the solver's objective the same."""
    sc = ctx.scenario
    p = ctx.plan.pupils
    yearly, spent = appraisal_weights(sc)
    bus_year = bus_cost_per_year(sc)
    keys = ["school_id", "year"]
    by_school = p.assign(
        bused_day=np.where(p["bused"].astype(bool) & (p["mode"] == "day"), p["pupils"], 0),
        need=p["pupils"]
        / p["grade"].map(lambda g: getattr(sc, f"pupils_per_teacher_{TEACHER_LEVEL_OF_GRADE[int(g)]}")),
    )
    sums = by_school.groupby(keys)[["bused_day", "need"]].sum()
    terms = dict.fromkeys(COST_TERMS, 0.0)
    before: dict[str, float] = {}
    for r in (
        ctx.table.sort_values(keys[::-1]).sort_values(["school_id", "year"], kind="stable").itertuples(index=False)
    ):
        rec = ctx.records[r.school_id]
        y = int(r.year)
        level = ROOM_LEVEL_OF_KIND[rec["kind"]]
        price = sc.cost_per_added_kindergarten_place_yuan if level == "preschool" else sc.cost_per_added_seat_yuan
        price_room = sc.class_cap(level) * price
        capital = r.added_classrooms * price_room + r.added_beds * sc.cost_per_added_bed_yuan
        if not _close(capital, r.capital_cost_yuan, floor=0.5):
            ctx.bad(
                "capital cost",
                y,
                r.school_id,
                f"table says {r.capital_cost_yuan:,.0f} yuan, the additions cost {capital:,.0f}",
            )
        terms["capital"] += spent.get(y, 0.0) * (capital - before.get(r.school_id, 0.0))
        before[r.school_id] = capital
        is_open = r.status in ("open", "new")
        bused, need = sums.loc[(r.school_id, r.year)] if (r.school_id, r.year) in sums.index else (0, 0.0)
        running = sc.school_cost_yuan_per_year + r.teachers * sc.teacher_cost_yuan_per_year if is_open else 0.0
        # the table gives teachers to two decimals: half a hundredth of a teacher's cost
        if not _close(running, r.running_cost_yuan, floor=0.5 + 0.005 * sc.teacher_cost_yuan_per_year):
            ctx.bad(
                "running cost",
                y,
                r.school_id,
                f"table says {r.running_cost_yuan:,.0f} yuan a year, the school and {r.teachers:g} teachers cost "
                f"{running:,.0f}",
            )
        staff = max(float(need), sc.min_teachers_per_class * r.classes) if is_open else 0.0
        if r.teachers < staff - 0.01:
            ctx.bad(
                "teachers",
                y,
                r.school_id,
                f"{r.teachers:g} teachers for {int(r.enrolment)} pupils in {int(r.classes)} classes; the staffing "
                f"standard asks for {staff:.2f}",
            )
        if int(bused) != int(r.bused_pupils):
            ctx.bad("bused pupils", y, r.school_id, f"table says {int(r.bused_pupils)}, the pupils table {int(bused)}")
        if r.transport_cost_yuan < r.buses * bus_year - 1.0 or (int(bused) == 0 and abs(r.transport_cost_yuan) > 0.5):
            ctx.bad(
                "transport cost",
                y,
                r.school_id,
                f"{r.transport_cost_yuan:,.0f} yuan a year for {r.buses:g} buses and {int(bused)} bused pupils",
            )
        boarding = r.boarding_pupils * sc.boarding_cost_yuan_per_pupil_year
        if not _close(boarding, r.boarding_cost_yuan, floor=0.5):
            ctx.bad(
                "boarding cost",
                y,
                r.school_id,
                f"table says {r.boarding_cost_yuan:,.0f} yuan, {int(r.boarding_pupils)} boarders cost {boarding:,.0f}",
            )
        w = yearly.get(y, 0.0)
        if _teaches_planned(rec, sc):
            terms["running"] += w * r.running_cost_yuan
        terms["buses"] += w * r.transport_cost_yuan
        terms["boarding"] += w * r.boarding_cost_yuan
    value_per_min = sc.value_of_time_yuan_per_hour / 60.0
    trips = {"day": 2.0 * sc.school_days_per_year, "boarding": 2.0 * sc.boarding_weeks_per_year}
    for r in p.itertuples(index=False):
        if r.village_id in ctx.minutes.index and r.school_id in ctx.minutes.columns and r.mode in trips:
            t = float(ctx.minutes.at[r.village_id, r.school_id])
            terms["travel"] += yearly.get(int(r.year), 0.0) * r.pupils * t * trips[r.mode] * value_per_min
    moves = getattr(ctx.plan, "moves", None)
    if moves is not None and len(moves):
        moved = moves[moves["reason"] == "reassignment"]
        terms["reassignment"] = float(
            sum(
                spent.get(int(y), 0.0) * n * sc.reassignment_cost_yuan_per_pupil
                for y, n in zip(moved["year"], moved["pupils"])
            )
        )
    _check_objective(ctx, terms)


def _check_objective(ctx: _Inputs, terms: dict[str, float]) -> None:
    """The summary's cost terms, objective and money against those recomputed."""
    summary = getattr(ctx.plan, "summary", None) or {}
    costs = summary.get("costs_yuan")
    if not costs:
        return
    for term, value in terms.items():
        # the tables round (teachers to two decimals, money to the fen): 1e-5 of the term
        if term in costs and not _close(value, costs[term], rel=1e-5):
            ctx.bad(
                "objective term",
                None,
                term,
                f"the summary says {costs[term]:,.2f} yuan, the plan's tables and the prices give {value:,.2f}",
            )
    total = sum(costs.get(t, 0.0) for t in COST_TERMS)
    if "objective" in costs and not _close(total, costs["objective"]):
        ctx.bad(
            "objective",
            None,
            "costs_yuan",
            f"the terms add up to {total:,.2f}, the summary says {costs['objective']:,.2f}",
        )
    if "money" in costs and not _close(total - costs.get("travel", 0.0), costs["money"]):
        ctx.bad(
            "objective",
            None,
            "money",
            f"the terms but travel add up to {total - costs.get('travel', 0.0):,.2f}, the summary says {costs['money']:,.2f}",
        )
    solver = summary.get("solver", {}).get("objective_yuan")
    if solver is not None and "objective" in costs and not _close(solver, costs["objective"]):
        ctx.bad(
            "objective",
            None,
            "solver",
            f"the solver's objective is {solver:,.2f}, the costs add up to {costs['objective']:,.2f}",
        )


def _may_grow(kind: str, ur_code: int, central: bool, scenario: Scenario) -> bool:
    levels = {LEVEL_OF_BAND[b] for b in BANDS_OF_KIND[kind]}
    return all(ur_code in scenario.expand_ur_codes(lv) or (lv == "primary" and central) for lv in levels)


def _is_candidate(rec: pd.Series, scenario: Scenario) -> bool:
    if rec["status"] != "open":
        return False
    if rec["kind"] == "teaching_point":
        return True
    enrol = sum(int(rec[grade_column(g)]) for g in SCHOOL_GRADES)
    return rec["kind"] in ("primary", "central_primary", "junior", "nine_year") and enrol < scenario.small_school_pupils


__all__ = ["BANDS", "VIOLATION_COLUMNS", "check_plan"]
