"""Verify a plan against the raw inputs, independently of the model.

Nothing here uses :mod:`layout_opt.model`: the rules are re-derived from the district
tables, the scenario, the travel matrix and the yearly pupils, so a modelling error shows
up as a violation even when the solver says "optimal".

:func:`check_plan` returns every violation as one row of a DataFrame with the rule, the
year, the record it concerns and a message; an empty frame means the plan keeps every
rule.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .scenario import Scenario
from .schema import BANDS, BANDS_OF_KIND, GRADES_OF_BAND, LEVEL_OF_BAND, SIZE_CAP_CLASS_OF_KIND

VIOLATION_COLUMNS = ["rule", "year", "record", "message"]


def _may_grow(kind: str, ur_code: int, central: bool, scenario: Scenario) -> bool:
    levels = {LEVEL_OF_BAND[b] for b in BANDS_OF_KIND[kind]}
    return all(ur_code in scenario.expand_ur_codes(lv) or (lv == "primary" and central) for lv in levels)


def check_plan(plan, district, scenario: Scenario, travel, demand: np.ndarray) -> pd.DataFrame:
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
    out: list[tuple] = []

    def bad(rule: str, year, record: str, message: str) -> None:
        out.append((rule, None if year is None else int(year), str(record), message))

    years = list(scenario.years)
    a = plan.assignments
    st = plan.schools
    v = district.villages.reset_index(drop=True)
    s = district.schools.set_index("school_id")
    vpos = {vid: i for i, vid in enumerate(v["village_id"])}
    tm = travel.to_frame()
    central = (
        s["village_id"].map(dict(zip(v["village_id"], v["central_village"]))).fillna(False)
        if "village_id" in s.columns
        else pd.Series(False, index=s.index)
    )
    status_of = {(r.school_id, int(r.year)): r.status for r in st.itertuples(index=False)}
    # --- the schools table: one row per school of the district and planning year
    for sid in s.index:
        for y in years:
            if (sid, y) not in status_of:
                bad("school listed", y, sid, f"{s.loc[sid, 'name']} has no row for {y} in the schools table")
    st = st[st["school_id"].isin(s.index) & st["year"].isin(years)]
    for sid in sorted(set(plan.schools["school_id"]) - set(s.index)):
        bad("known school", None, sid, "the schools table lists a school that is not in the district")
    status = st.pivot(index="school_id", columns="year", values="status")

    # --- every pupil assigned exactly once, pupils conserved
    dup = a.duplicated(["year", "village_id", "band"], keep=False)
    for r in a[dup].itertuples():
        bad("assigned once", r.year, f"{r.village_id}/{r.band}", "village band assigned to more than one school")
    got = a.groupby(["year", "village_id", "band"])["pupils"].sum()
    for k, y in enumerate(years):
        for b in scenario.bands:
            cols = [g - 1 for g in GRADES_OF_BAND[b]]
            need = demand[k][:, cols].sum(axis=1)
            for i in np.flatnonzero(need > 0):
                vid = v["village_id"].iat[i]
                have = int(got.get((y, vid, b), 0))
                if have != int(need[i]):
                    bad("pupils conserved", y, f"{vid}/{b}", f"{int(need[i])} pupils live there, {have} are assigned")
    # --- each assignment: known records, school teaches the band, is open, trip within the rules
    known = []
    for r in a.itertuples(index=False):
        if r.year not in years:
            bad(
                "planning year",
                r.year,
                f"{r.village_id}/{r.band}",
                f"{r.year} is not a year of the scenario ({', '.join(map(str, years))})",
            )
            continue
        if r.village_id not in vpos:
            bad("known village", r.year, r.village_id, "village not in the district")
            continue
        if r.band not in BANDS:
            bad("known band", r.year, f"{r.village_id}/{r.band}", f"unknown band {r.band!r}")
            continue
        if r.school_id not in s.index:
            bad("known school", r.year, r.school_id, "school not in the district")
            continue
        known.append(r)
        rec = s.loc[r.school_id]
        if r.band not in BANDS_OF_KIND[rec["kind"]]:
            bad("teaches band", r.year, r.school_id, f"{rec['name']} does not teach {r.band}")
        state = status_of.get((r.school_id, int(r.year)), "missing")
        if state not in ("open", "new"):
            bad(
                "school open",
                r.year,
                r.school_id,
                f"{rec['name']} is {state} in {r.year} but receives pupils from {r.village_id}",
            )
        if rec["status"] == "planned" and r.year < int(rec["open_year"]):
            bad("school open", r.year, r.school_id, f"{rec['name']} opens in {int(rec['open_year'])}")
        t = (
            float(tm.at[r.village_id, r.school_id])
            if r.village_id in tm.index and r.school_id in tm.columns
            else math.nan
        )
        if not math.isfinite(t) or abs(t - r.travel_min) > 0.01:
            bad(
                "travel matches matrix",
                r.year,
                f"{r.village_id}->{r.school_id}",
                f"reported {r.travel_min} min, matrix {t:.2f} min",
            )
        if r.mode not in ("day", "boarding"):
            bad("mode", r.year, f"{r.village_id}->{r.school_id}", f"mode {r.mode!r} is neither 'day' nor 'boarding'")
        day = scenario.day_limit(r.band)
        if r.mode == "day" and t > day + 1e-6:
            bad(
                "day trip limit",
                r.year,
                f"{r.village_id}->{r.school_id}",
                f"{t:.1f} min exceeds the {day:.0f}-min day limit for {r.band}",
            )
        if r.mode == "boarding":
            if r.band not in scenario.boarding_bands:
                bad("no boarding", r.year, f"{r.village_id}->{r.school_id}", f"{r.band} may not board")
            if t <= day + 1e-6:
                bad(
                    "mode follows trip",
                    r.year,
                    f"{r.village_id}->{r.school_id}",
                    f"a {t:.1f}-min trip is a day trip, not boarding",
                )
            if t > scenario.boarding_limit_min + 1e-6:
                bad(
                    "boarding trip limit",
                    r.year,
                    f"{r.village_id}->{r.school_id}",
                    f"{t:.1f} min exceeds the {scenario.boarding_limit_min:.0f}-min boarding limit",
                )
        if (
            rec["kind"] == "high"
            and int(rec["ur_code"]) not in scenario.senior_urban_ur_codes
            and r.year >= scenario.senior_relocation_year
        ):
            bad(
                "senior in main urban area",
                r.year,
                r.school_id,
                f"{rec['name']} lies outside the main urban area but teaches seniors in {r.year}",
            )
        if (
            scenario.small_schools_keep_own_village_only
            and _is_candidate(rec, scenario)
            and "village_id" in s.columns
            and rec["village_id"] != r.village_id
        ):
            bad(
                "small school keeps own village",
                r.year,
                r.school_id,
                f"{rec['name']} is a small school and takes pupils of {r.village_id}",
            )
    # --- capacity per school and year, recomputed from the assignments
    grade_pupils: dict[tuple, np.ndarray] = {}
    board: dict[tuple, int] = {}
    for r in known:
        k = years.index(r.year)
        i = vpos[r.village_id]
        key = (r.school_id, r.year)
        arr = grade_pupils.setdefault(key, np.zeros(12))
        for g in GRADES_OF_BAND[r.band]:
            arr[g - 1] += demand[k][i, g - 1]
        if r.mode == "boarding":
            board[key] = board.get(key, 0) + int(r.pupils)
    prev: dict[str, tuple[int, int]] = {}
    for r in st.sort_values(["school_id", "year"]).itertuples(index=False):
        rec = s.loc[r.school_id]
        key = (r.school_id, r.year)
        pupils = grade_pupils.get(key, np.zeros(12))
        if int(pupils.sum()) != r.enrolment:
            bad(
                "enrolment reported",
                r.year,
                r.school_id,
                f"table says {r.enrolment}, assignments give {int(pupils.sum())}",
            )
        need = 0
        for band in BANDS_OF_KIND[rec["kind"]]:
            cap = scenario.class_cap(band)
            grades = [g - 1 for g in GRADES_OF_BAND[band]]
            if rec["kind"] == "teaching_point":
                need += math.ceil(pupils[grades].sum() / cap - 1e-9)
            else:
                need += sum(math.ceil(pupils[g] / cap - 1e-9) for g in grades)
        rooms = int(rec["classrooms"]) + int(r.added_classrooms)
        if need > rooms:
            bad(
                "class size cap",
                r.year,
                r.school_id,
                f"{rec['name']}: {int(pupils.sum())} pupils need {need} classes at the caps but have {rooms} classrooms",
            )
        if r.classes < need and r.status in ("open", "new"):
            bad("classes reported", r.year, r.school_id, f"{rec['name']}: {r.classes} classes reported, {need} needed")
        size_cap = scenario.school_cap(SIZE_CAP_CLASS_OF_KIND[rec["kind"]])
        if pupils.sum() > size_cap:
            bad(
                "school size cap",
                r.year,
                r.school_id,
                f"{rec['name']}: {int(pupils.sum())} pupils over the cap of {size_cap}",
            )
        if board.get(key, 0) > int(rec["beds"]) + int(r.added_beds):
            bad(
                "beds",
                r.year,
                r.school_id,
                f"{rec['name']}: {board.get(key, 0)} boarders, {int(rec['beds']) + int(r.added_beds)} beds",
            )
        if board.get(key, 0) != r.boarding_pupils:
            bad(
                "boarders reported",
                r.year,
                r.school_id,
                f"table says {r.boarding_pupils}, assignments give {board.get(key, 0)}",
            )
        if r.added_beds > 0 and not any(b in scenario.boarding_bands for b in BANDS_OF_KIND[rec["kind"]]):
            bad(
                "no boarding",
                r.year,
                r.school_id,
                f"{rec['name']} teaches no grade that may board but adds {int(r.added_beds)} beds",
            )
        grows = r.added_classrooms > 0 or r.added_beds > 0
        if grows and not _may_grow(rec["kind"], int(rec["ur_code"]), bool(central.get(r.school_id, False)), scenario):
            bad(
                "three concentrations",
                r.year,
                r.school_id,
                f"{rec['name']} (ur_code {int(rec['ur_code'])}) may not receive new classrooms or beds",
            )
        if r.added_classrooms > int(rec["max_added_classrooms"]) and rec["status"] != "planned":
            bad(
                "room on site",
                r.year,
                r.school_id,
                f"{rec['name']}: {r.added_classrooms} classrooms added, room for {int(rec['max_added_classrooms'])}",
            )
        if rec["status"] == "planned" and r.added_classrooms > 0:
            bad("room on site", r.year, r.school_id, f"{rec['name']} is a planned project; its classrooms are planned")
        if r.school_id in prev and (r.added_classrooms < prev[r.school_id][0] or r.added_beds < prev[r.school_id][1]):
            bad("cumulative additions", r.year, r.school_id, "added classrooms or beds decrease")
        prev[r.school_id] = (r.added_classrooms, r.added_beds)
    # --- closures: only candidates or forced; stay closed; target
    for sid, _row in status.iterrows():
        rec = s.loc[sid]
        seq = [status_of.get((sid, y), "missing") for y in years]
        closed_years = [y for y, x in zip(years, seq) if x == "closed"]
        if closed_years:
            first = closed_years[0]
            if any(x in ("open", "new") for y, x in zip(years, seq) if y > first):
                bad("closed stays closed", first, sid, f"{rec['name']} reopens after closing in {first}")
            forced = (
                rec["kind"] == "high"
                and int(rec["ur_code"]) not in scenario.senior_urban_ur_codes
                and first >= scenario.senior_relocation_year
            )
            if not (_is_candidate(rec, scenario) or forced):
                bad(
                    "closure candidate",
                    first,
                    sid,
                    f"{rec['name']} closes but is neither a teaching point nor a small school",
                )
        if (
            rec["kind"] == "high"
            and int(rec["ur_code"]) not in scenario.senior_urban_ur_codes
            and rec["status"] == "open"
        ):
            for y, x in zip(years, seq):
                if y >= scenario.senior_relocation_year and x != "closed":
                    bad(
                        "senior in main urban area",
                        y,
                        sid,
                        f"{rec['name']} must close or relocate by {scenario.senior_relocation_year}",
                    )
    first_closed = {}
    for sid in s.index:
        closed_in = [y for y in years if status_of.get((sid, y)) == "closed"]
        if closed_in and s.loc[sid, "status"] != "planned":
            first_closed[sid] = closed_in[0]
    closed_candidates = [
        sid
        for sid in first_closed
        if _is_candidate(s.loc[sid], scenario) and status_of.get((sid, years[-1])) == "closed"
    ]
    if scenario.closure_target > 0 and len(closed_candidates) < scenario.closure_target:
        bad(
            "closure target",
            years[-1],
            "-",
            f"{len(closed_candidates)} small schools closed, the target is {scenario.closure_target}",
        )
    # --- the closures table: each closed school once, in the year it closes
    listed = plan.closures.groupby("school_id")["year"].apply(list).to_dict() if len(plan.closures) else {}
    for sid, y in first_closed.items():
        if sid not in listed:
            bad("closures reported", y, sid, f"{s.loc[sid, 'name']} closes in {y} but is not in the closures table")
        elif listed[sid] != [y]:
            bad(
                "closures reported",
                y,
                sid,
                f"{s.loc[sid, 'name']} closes in {y}; the closures table says {', '.join(map(str, listed[sid]))}",
            )
    for sid, ys in listed.items():
        if sid not in first_closed:
            bad("closures reported", ys[0], sid, "listed in the closures table but not closed in the schools table")
    # --- boarding schools per town
    added_beds = {(r.school_id, int(r.year)): r.added_beds for r in st.itertuples(index=False)}
    if scenario.boarding_schools_per_town > 0:
        towns = district.towns
        for t in towns[towns["town_kind"] == "town"].itertuples():
            for level, band in (("primary", "upper_primary"), ("junior", "junior")):
                if band not in scenario.bands:
                    continue
                in_town = s[
                    (s["town_code"] == t.town_code) & s["kind"].map(lambda k, band=band: band in BANDS_OF_KIND[k])
                ]
                for y in years:
                    n = 0
                    for sid in in_town.index:
                        if (
                            status_of.get((sid, y)) in ("open", "new")
                            and int(s.loc[sid, "beds"]) + int(added_beds[(sid, y)]) >= scenario.min_boarding_beds
                        ):
                            n += 1
                    if n < scenario.boarding_schools_per_town:
                        bad("boarding school per town", y, t.town_code, f"{t.town} has {n} boarding {level} school(s)")
    return pd.DataFrame(out, columns=VIOLATION_COLUMNS)


def _is_candidate(rec: pd.Series, scenario: Scenario) -> bool:
    if rec["status"] != "open":
        return False
    if rec["kind"] == "teaching_point":
        return True
    enrol = sum(int(rec[f"g{g}"]) for g in range(1, 13))
    return rec["kind"] in ("primary", "central_primary", "junior", "nine_year") and enrol < scenario.small_school_pupils
