"""Verify a plan against the raw inputs, independently of the model.

Nothing here uses :mod:`layout_opt.model`: the rules are re-derived from the district
tables, the scenario, the travel matrix and the yearly pupils, so a modelling error shows
up as a violation even when the solver says "optimal".

:func:`check_plan` returns every violation as one row of a DataFrame with the rule, the
year, the record it concerns and a message; an empty frame means the plan keeps every
rule.  Each family of rules is one function (``_check_*``), called in this order: the
schools table, pupils conserved, each assignment, capacity per school and year, closures,
the closures table, boarding schools per town.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .scenario import Scenario
from .schema import BANDS, BANDS_OF_KIND, GRADES_OF_BAND, LEVEL_OF_BAND, SIZE_CAP_CLASS_OF_KIND

if TYPE_CHECKING:  # pragma: no cover
    from .district import District
    from .travel import TravelMatrix

VIOLATION_COLUMNS = ["rule", "year", "record", "message"]


@dataclass
class _Inputs:
    """What every rule family reads, and the violations found so far.

    ``schools`` is the district's school table indexed by ``school_id``; ``table`` the
    plan's schools table restricted to the district's schools and the scenario's years;
    ``status_of`` maps (school, year) to the status the plan's table gives.
    """

    plan: Any
    district: District
    scenario: Scenario
    demand: np.ndarray
    years: list[int]
    villages: pd.DataFrame
    schools: pd.DataFrame
    minutes: pd.DataFrame
    central: pd.Series
    status_of: dict[tuple[str, int], str]
    table: pd.DataFrame = field(default_factory=pd.DataFrame)
    out: list[tuple] = field(default_factory=list)

    def bad(self, rule: str, year: Any, record: str, message: str) -> None:
        """Record one violation."""
        self.out.append((rule, None if year is None else int(year), str(record), message))


def check_plan(plan, district, scenario: Scenario, travel: TravelMatrix, demand: np.ndarray) -> pd.DataFrame:
    """Every rule the plan breaks.

    Parameters
    ----------
    plan : layout_opt.Plan
        The plan (its ``assignments``, ``schools``, ``closures`` tables).
    district : layout_opt.District
        The raw inputs.
    scenario : Scenario
        The rules.
    travel : layout_opt.travel.TravelMatrix
        Minutes from villages to schools.
    demand : numpy.ndarray
        Pupils ``(years, villages, 12)`` in the district's village order.

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
    ctx = _Inputs(
        plan=plan,
        district=district,
        scenario=scenario,
        demand=demand,
        years=list(scenario.years),
        villages=v,
        schools=s,
        minutes=travel.to_frame(),
        central=central,
        status_of={(r.school_id, int(r.year)): r.status for r in plan.schools.itertuples(index=False)},
    )
    _check_schools_table(ctx)
    _check_pupils_conserved(ctx)
    known = _check_assignments(ctx)
    _check_capacity(ctx, known)
    _check_closures(ctx)
    _check_closures_table(ctx)
    _check_boarding_towns(ctx)
    return pd.DataFrame(ctx.out, columns=VIOLATION_COLUMNS)


def _check_schools_table(ctx: _Inputs) -> None:
    """One row per school of the district and planning year, and no other school."""
    s, st = ctx.schools, ctx.plan.schools
    for sid in s.index:
        for y in ctx.years:
            if (sid, y) not in ctx.status_of:
                ctx.bad("school listed", y, sid, f"{s.loc[sid, 'name']} has no row for {y} in the schools table")
    ctx.table = st[st["school_id"].isin(s.index) & st["year"].isin(ctx.years)]
    for sid in sorted(set(st["school_id"]) - set(s.index)):
        ctx.bad("known school", None, sid, "the schools table lists a school that is not in the district")


def _check_pupils_conserved(ctx: _Inputs) -> None:
    """Every village band assigned once, with every pupil who lives there."""
    a, v = ctx.plan.assignments, ctx.villages
    dup = a.duplicated(["year", "village_id", "band"], keep=False)
    for r in a[dup].itertuples():
        ctx.bad("assigned once", r.year, f"{r.village_id}/{r.band}", "village band assigned to more than one school")
    got = a.groupby(["year", "village_id", "band"])["pupils"].sum()
    for k, y in enumerate(ctx.years):
        for b in ctx.scenario.bands:
            cols = [g - 1 for g in GRADES_OF_BAND[b]]
            need = ctx.demand[k][:, cols].sum(axis=1)
            for i in np.flatnonzero(need > 0):
                vid = v["village_id"].iat[i]
                have = int(got.get((y, vid, b), 0))
                if have != int(need[i]):
                    ctx.bad(
                        "pupils conserved", y, f"{vid}/{b}", f"{int(need[i])} pupils live there, {have} are assigned"
                    )


def _check_assignments(ctx: _Inputs) -> list:
    """Each assignment: known records, a school that teaches the band and is open, a trip
    within the rules; returns the assignments whose records are known."""
    years, s = ctx.years, ctx.schools
    vpos = set(ctx.villages["village_id"])
    known = []
    for r in ctx.plan.assignments.itertuples(index=False):
        if r.year not in years:
            ctx.bad(
                "planning year",
                r.year,
                f"{r.village_id}/{r.band}",
                f"{r.year} is not a year of the scenario ({', '.join(map(str, years))})",
            )
            continue
        if r.village_id not in vpos:
            ctx.bad("known village", r.year, r.village_id, "village not in the district")
            continue
        if r.band not in BANDS:
            ctx.bad("known band", r.year, f"{r.village_id}/{r.band}", f"unknown band {r.band!r}")
            continue
        if r.school_id not in s.index:
            ctx.bad("known school", r.year, r.school_id, "school not in the district")
            continue
        known.append(r)
        rec = s.loc[r.school_id]
        if r.band not in BANDS_OF_KIND[rec["kind"]]:
            ctx.bad("teaches band", r.year, r.school_id, f"{rec['name']} does not teach {r.band}")
        state = ctx.status_of.get((r.school_id, int(r.year)), "missing")
        if state not in ("open", "new"):
            ctx.bad(
                "school open",
                r.year,
                r.school_id,
                f"{rec['name']} is {state} in {r.year} but receives pupils from {r.village_id}",
            )
        if rec["status"] == "planned" and r.year < int(rec["open_year"]):
            ctx.bad("school open", r.year, r.school_id, f"{rec['name']} opens in {int(rec['open_year'])}")
        _check_trip(ctx, r, rec)
        _check_school_may_take(ctx, r, rec)
    return known


def _check_trip(ctx: _Inputs, r: Any, rec: pd.Series) -> None:
    """The trip of one assignment: its minutes, its mode and the day or boarding limit."""
    sc, tm = ctx.scenario, ctx.minutes
    pair = f"{r.village_id}->{r.school_id}"
    t = float(tm.at[r.village_id, r.school_id]) if r.village_id in tm.index and r.school_id in tm.columns else math.nan
    if not math.isfinite(t) or abs(t - r.travel_min) > 0.01:
        ctx.bad("travel matches matrix", r.year, pair, f"reported {r.travel_min} min, matrix {t:.2f} min")
    if r.mode not in ("day", "boarding"):
        ctx.bad("mode", r.year, pair, f"mode {r.mode!r} is neither 'day' nor 'boarding'")
    day = sc.day_limit(r.band)
    if r.mode == "day" and t > day + 1e-6:
        ctx.bad("day trip limit", r.year, pair, f"{t:.1f} min exceeds the {day:.0f}-min day limit for {r.band}")
    if r.mode == "boarding":
        if r.band not in sc.boarding_bands:
            ctx.bad("no boarding", r.year, pair, f"{r.band} may not board")
        if t <= day + 1e-6:
            ctx.bad("mode follows trip", r.year, pair, f"a {t:.1f}-min trip is a day trip, not boarding")
        if t > sc.boarding_limit_min + 1e-6:
            ctx.bad(
                "boarding trip limit",
                r.year,
                pair,
                f"{t:.1f} min exceeds the {sc.boarding_limit_min:.0f}-min boarding limit",
            )


def _check_school_may_take(ctx: _Inputs, r: Any, rec: pd.Series) -> None:
    """Seniors only in the main urban area after the relocation year; a kept small school
    only takes its own village's pupils."""
    sc = ctx.scenario
    if (
        rec["kind"] == "high"
        and int(rec["ur_code"]) not in sc.senior_urban_ur_codes
        and r.year >= sc.senior_relocation_year
    ):
        ctx.bad(
            "senior in main urban area",
            r.year,
            r.school_id,
            f"{rec['name']} lies outside the main urban area but teaches seniors in {r.year}",
        )
    if (
        sc.small_schools_keep_own_village_only
        and _is_candidate(rec, sc)
        and "village_id" in ctx.schools.columns
        and rec["village_id"] != r.village_id
    ):
        ctx.bad(
            "small school keeps own village",
            r.year,
            r.school_id,
            f"{rec['name']} is a small school and takes pupils of {r.village_id}",
        )


def _school_year_pupils(ctx: _Inputs, known: list) -> tuple[dict[tuple, np.ndarray], dict[tuple, int]]:
    """Pupils by grade and boarders per (school, year), recomputed from the assignments."""
    vpos = {vid: i for i, vid in enumerate(ctx.villages["village_id"])}
    grade_pupils: dict[tuple, np.ndarray] = {}
    board: dict[tuple, int] = {}
    for r in known:
        k = ctx.years.index(r.year)
        i = vpos[r.village_id]
        key = (r.school_id, r.year)
        arr = grade_pupils.setdefault(key, np.zeros(12))
        for g in GRADES_OF_BAND[r.band]:
            arr[g - 1] += ctx.demand[k][i, g - 1]
        if r.mode == "boarding":
            board[key] = board.get(key, 0) + int(r.pupils)
    return grade_pupils, board


def _classes_needed(kind: str, pupils: np.ndarray, scenario: Scenario) -> int:
    """Classes a school of ``kind`` needs for ``pupils`` by grade at the class caps
    (mixed-grade classes at a teaching point)."""
    need = 0
    for band in BANDS_OF_KIND[kind]:
        cap = scenario.class_cap(band)
        grades = [g - 1 for g in GRADES_OF_BAND[band]]
        if kind == "teaching_point":
            need += math.ceil(pupils[grades].sum() / cap - 1e-9)
        else:
            need += sum(math.ceil(pupils[g] / cap - 1e-9) for g in grades)
    return need


def _check_capacity(ctx: _Inputs, known: list) -> None:
    """Per school and year: enrolment and boarders as reported, classes within classrooms,
    the school-size cap, beds, where a school may grow, and additions that only accumulate."""
    sc, s = ctx.scenario, ctx.schools
    grade_pupils, board = _school_year_pupils(ctx, known)
    prev: dict[str, tuple[int, int]] = {}
    for r in ctx.table.sort_values(["school_id", "year"]).itertuples(index=False):
        rec = s.loc[r.school_id]
        key = (r.school_id, r.year)
        pupils = grade_pupils.get(key, np.zeros(12))
        if int(pupils.sum()) != r.enrolment:
            ctx.bad(
                "enrolment reported",
                r.year,
                r.school_id,
                f"table says {r.enrolment}, assignments give {int(pupils.sum())}",
            )
        need = _classes_needed(rec["kind"], pupils, sc)
        rooms = int(rec["classrooms"]) + int(r.added_classrooms)
        if need > rooms:
            ctx.bad(
                "class size cap",
                r.year,
                r.school_id,
                f"{rec['name']}: {int(pupils.sum())} pupils need {need} classes at the caps but have {rooms} classrooms",
            )
        if r.classes < need and r.status in ("open", "new"):
            ctx.bad(
                "classes reported", r.year, r.school_id, f"{rec['name']}: {r.classes} classes reported, {need} needed"
            )
        size_cap = sc.school_cap(SIZE_CAP_CLASS_OF_KIND[rec["kind"]])
        if pupils.sum() > size_cap:
            ctx.bad(
                "school size cap",
                r.year,
                r.school_id,
                f"{rec['name']}: {int(pupils.sum())} pupils over the cap of {size_cap}",
            )
        _check_beds(ctx, r, rec, board.get(key, 0))
        _check_growth(ctx, r, rec, prev.get(r.school_id))
        prev[r.school_id] = (r.added_classrooms, r.added_beds)


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
        ctx.bad(
            "boarders reported", r.year, r.school_id, f"table says {r.boarding_pupils}, assignments give {boarders}"
        )
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


def _outside_main_urban(rec: pd.Series, scenario: Scenario) -> bool:
    """A high school outside the main urban area (must close by the relocation year)."""
    return rec["kind"] == "high" and int(rec["ur_code"]) not in scenario.senior_urban_ur_codes


def _check_closures(ctx: _Inputs) -> None:
    """Only closure candidates (or relocated high schools) close, a closed school stays
    closed, high schools outside the main urban area close, and the closure target is met."""
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
            forced = _outside_main_urban(rec, sc) and first >= sc.senior_relocation_year
            if not (_is_candidate(rec, sc) or forced):
                ctx.bad(
                    "closure candidate",
                    first,
                    sid,
                    f"{rec['name']} closes but is neither a teaching point nor a small school",
                )
        if _outside_main_urban(rec, sc) and rec["status"] == "open":
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
        if _is_candidate(s.loc[sid], sc) and ctx.status_of.get((sid, years[-1])) == "closed"
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
    """At least ``boarding_schools_per_town`` open boarding primaries and juniors per town."""
    sc, s = ctx.scenario, ctx.schools
    if sc.boarding_schools_per_town <= 0:
        return
    added_beds = {(r.school_id, int(r.year)): r.added_beds for r in ctx.table.itertuples(index=False)}
    towns = ctx.district.towns
    for t in towns[towns["town_kind"] == "town"].itertuples():
        for level, band in (("primary", "upper_primary"), ("junior", "junior")):
            if band not in sc.bands:
                continue
            in_town = s[(s["town_code"] == t.town_code) & s["kind"].map(lambda k, band=band: band in BANDS_OF_KIND[k])]
            for y in ctx.years:
                n = 0
                for sid in in_town.index:
                    if (
                        ctx.status_of.get((sid, y)) in ("open", "new")
                        and int(s.loc[sid, "beds"]) + int(added_beds[(sid, y)]) >= sc.min_boarding_beds
                    ):
                        n += 1
                if n < sc.boarding_schools_per_town:
                    ctx.bad("boarding school per town", y, t.town_code, f"{t.town} has {n} boarding {level} school(s)")


def _may_grow(kind: str, ur_code: int, central: bool, scenario: Scenario) -> bool:
    levels = {LEVEL_OF_BAND[b] for b in BANDS_OF_KIND[kind]}
    return all(ur_code in scenario.expand_ur_codes(lv) or (lv == "primary" and central) for lv in levels)


def _is_candidate(rec: pd.Series, scenario: Scenario) -> bool:
    if rec["status"] != "open":
        return False
    if rec["kind"] == "teaching_point":
        return True
    enrol = sum(int(rec[f"g{g}"]) for g in range(1, 13))
    return rec["kind"] in ("primary", "central_primary", "junior", "nine_year") and enrol < scenario.small_school_pupils
