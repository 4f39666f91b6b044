"""The independent plan checker: every corrupted plan is caught, with the rule broken and
the record it concerns.

Each case takes a real plan of a tiny district (see :mod:`tests.test_model`), breaks one
rule in a copy of its tables and asserts that :func:`layout_opt.check.check_plan`
reports it.  The clean plans themselves pass.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from layout_opt.check import VIOLATION_COLUMNS, check_plan

from .test_model import (
    EXACT,
    JUNIOR,
    LOWER,
    TOWN_CODE,
    UPPER,
    S,
    Tiny,
    V,
    boarding_town,
    grades,
    growth_site,
    thirty_minute_rule,
    two_teaching_points,
)

# --------------------------------------------------------------------------- clean plans


@dataclasses.dataclass
class Case:
    tiny: Tiny
    plan: object

    @property
    def a(self) -> pd.DataFrame:
        return self.plan.assignments.copy()

    @property
    def s(self) -> pd.DataFrame:
        return self.plan.schools.copy()

    @property
    def c(self) -> pd.DataFrame:
        return self.plan.closures.copy()

    def vid(self, key: str) -> str:
        return self.tiny.vid(key)

    def check(self, assignments=None, schools=None, closures=None, scenario=None, travel=None) -> pd.DataFrame:
        plan = dataclasses.replace(
            self.plan,
            assignments=self.a if assignments is None else assignments,
            schools=self.s if schools is None else schools,
            closures=self.c if closures is None else closures,
        )
        sc = scenario or self.plan.scenario
        return check_plan(plan, self.tiny.district, sc, travel or self.tiny.travel, self.tiny.demand(sc.years))


def found(bad: pd.DataFrame) -> set[tuple]:
    """``(rule, year, record)`` of every violation."""
    return {(r.rule, r.year, r.record) for r in bad.itertuples()}


def row(df: pd.DataFrame, **match) -> pd.Series:
    mask = np.ones(len(df), dtype=bool)
    for k, v in match.items():
        mask &= (df[k] == v).to_numpy()
    assert mask.sum() == 1, f"{match} matches {mask.sum()} rows"
    return mask


def solved(t: Tiny, **changes) -> Case:
    return Case(t, t.solve(EXACT.replace(**changes)))


@pytest.fixture(scope="module")
def closure():
    """Teaching point A closed (target 1), B kept, a central primary in C."""
    case = solved(two_teaching_points(), closure_target=1)
    assert set(case.plan.closures["school_id"]) == {"TPA"}
    return case


@pytest.fixture(scope="module")
def rule30():
    """Teaching point B closed, A kept (its pupils are 35 min from the central primary)."""
    return solved(thirty_minute_rule(), closure_target=1)


@pytest.fixture(scope="module")
def one_room():
    """A central primary with one added classroom (a 46-pupil grade 1)."""
    t = Tiny(
        villages=[V("C", grades(lower=(46, 40, 40), upper=(40, 40, 40)), ur=121)],
        schools=[S("CP", "central_primary", "C", classrooms=6, max_added=3)],
        minutes={("C", "CP"): 1},
    )
    case = solved(t)
    assert case.plan.schools["added_classrooms"].tolist() == [1]
    return case


@pytest.fixture(scope="module")
def village_site():
    """Primary P in an ordinary village (220): no new classrooms; grades 4-6 of X go to CP."""
    return solved(growth_site(ur=220))


@pytest.fixture(scope="module")
def town():
    """A town whose central primary is topped up to 50 beds."""
    case = solved(boarding_town())
    assert case.plan.schools.set_index("school_id").loc["CP", "added_beds"] == 20
    return case


@pytest.fixture(scope="module")
def boarders():
    """30 junior pupils board 60 minutes from their school; grades 1-3 walk to a primary."""
    t = Tiny(
        villages=[V("C", grades(lower=(10, 10, 10)), ur=121), V("F", grades(junior=(10, 10, 10)))],
        schools=[S("J", "junior", "C", classrooms=3, max_added=2), S("CP", "central_primary", "C", classrooms=6)],
        minutes={("F", "J"): 60, ("C", "CP"): 1},
    )
    case = solved(t)
    assert case.plan.assignments.set_index("band").loc[JUNIOR, "mode"] == "boarding"
    return case


@pytest.fixture(scope="module")
def seniors():
    """The high school outside the main urban area closes in 2026."""
    t = Tiny(
        villages=[V("U", grades(senior=(10, 10, 10)), ur=111), V("C", grades(senior=(30, 30, 30)), ur=121)],
        schools=[S("H2", "high", "U", classrooms=10), S("H1", "high", "C", classrooms=10)],
        minutes={("U", "H2"): 1, ("U", "H1"): 50, ("C", "H1"): 1, ("C", "H2"): 50},
    )
    return solved(t, years=(2025, 2026))


@pytest.fixture(scope="module")
def three_years():
    """Teaching point closed from 2024, a classroom added at the central primary by 2025."""
    t = Tiny(
        villages=[V("C", grades(lower=(35, 35, 35)), ur=121), V("A", grades(lower=(10, 10, 10)))],
        schools=[
            S("CP", "central_primary", "C", classrooms=3, max_added=2, enrol=120),
            S("TP", "teaching_point", "A", classrooms=1, enrol=30),
        ],
        minutes={("C", "CP"): 1, ("A", "CP"): 10, ("A", "TP"): 1},
        demand_by_year=[{}, {"C": grades(lower=(36, 35, 35))}, {}],
    )
    return Case(t, t.solve(EXACT.replace(years=(2024, 2025, 2026), small_school_running_cost_yuan=700_000.0)))


@pytest.fixture(scope="module")
def planned():
    """A primary project opening in 2025."""
    t = Tiny(
        villages=[
            V("C", grades(lower=(10, 10, 10), upper=(10, 10, 10)), ur=121),
            V("Y", grades(lower=(30, 30, 30), upper=(30, 30, 30)), ur=122),
        ],
        schools=[
            S("CP", "central_primary", "C", classrooms=12),
            S("NP", "primary", "Y", classrooms=12, status="planned", open_year=2025, planned_seats=540),
        ],
        minutes={("C", "CP"): 1, ("Y", "CP"): 20, ("Y", "NP"): 2, ("C", "NP"): 20},
    )
    return solved(t, years=(2024, 2025))


CASES = ["closure", "rule30", "one_room", "village_site", "town", "boarders", "seniors", "three_years", "planned"]


@pytest.mark.parametrize("name", CASES)
def test_the_solved_plans_keep_every_rule(name, request):
    case = request.getfixturevalue(name)
    bad = case.check()
    assert list(bad.columns) == VIOLATION_COLUMNS
    assert bad.empty, bad.to_string()


# --------------------------------------------------------------------------- assignments


def test_a_village_band_assigned_twice(closure):
    a = closure.a
    twice = pd.concat([a, a[row(a, village_id=closure.vid("B"), band=LOWER)]], ignore_index=True)
    bad = closure.check(assignments=twice)
    key = f"{closure.vid('B')}/{LOWER}"
    assert ("assigned once", 2024, key) in found(bad)
    assert ("pupils conserved", 2024, key) in found(bad)  # 24 assigned, 12 live there
    assert (bad["rule"] == "assigned once").sum() == 2  # both rows are named


def test_a_village_band_left_out(closure):
    a = closure.a
    bad = closure.check(assignments=a[~row(a, village_id=closure.vid("A"), band=LOWER)])
    assert ("pupils conserved", 2024, f"{closure.vid('A')}/{LOWER}") in found(bad)
    assert "10 pupils live there, 0 are assigned" in " ".join(bad["message"])


def test_travel_minutes_that_do_not_match_the_matrix(closure):
    a = closure.a
    a.loc[row(a, village_id=closure.vid("A")), "travel_min"] = 7.5  # the matrix says 10
    bad = closure.check(assignments=a)
    assert found(bad) == {("travel matches matrix", 2024, f"{closure.vid('A')}->CP")}
    assert "reported 7.5 min, matrix 10.00 min" in bad["message"].iloc[0]


def test_a_day_trip_over_the_limit(rule30):
    """A's pupils sent to the central primary, 35 minutes away (the limit is 30)."""
    a, s = rule30.a, rule30.s
    a.loc[row(a, village_id=rule30.vid("A")), ["school_id", "travel_min"]] = ["CP", 35.0]
    s.loc[row(s, school_id="CP"), "enrolment"] += 2
    s.loc[row(s, school_id="TPA"), "enrolment"] = 0
    bad = rule30.check(assignments=a, schools=s)
    assert found(bad) == {("day trip limit", 2024, f"{rule30.vid('A')}->CP")}
    assert "35.0 min exceeds the 30-min day limit for lower_primary" in bad["message"].iloc[0]


def test_a_closed_school_receiving_pupils(closure):
    """A's pupils back at their closed teaching point."""
    a = closure.a
    a.loc[row(a, village_id=closure.vid("A")), ["school_id", "travel_min"]] = ["TPA", 1.0]
    bad = closure.check(assignments=a)
    assert ("school open", 2024, "TPA") in found(bad)
    assert ("enrolment reported", 2024, "TPA") in found(bad) and ("enrolment reported", 2024, "CP") in found(bad)


def test_a_kept_small_school_taking_another_villages_pupils(closure):
    """B's teaching point takes A's pupils (a kept small school keeps its own village)."""
    t = closure.tiny
    minutes = dict(t.minutes) | {("A", "TPB"): 5.0}
    travel = Tiny(t.villages, t.schools, minutes).travel
    a, s = closure.a, closure.s
    a.loc[row(a, village_id=closure.vid("A")), ["school_id", "travel_min"]] = ["TPB", 5.0]
    s.loc[row(s, school_id="TPB"), "enrolment"] += 10
    s.loc[row(s, school_id="CP"), "enrolment"] -= 10
    bad = closure.check(assignments=a, schools=s, travel=travel)
    assert found(bad) == {("small school keeps own village", 2024, "TPB")}


def test_a_school_that_does_not_teach_the_band(town):
    a, s = town.a, town.s
    a.loc[row(a, village_id=town.vid("C"), band=JUNIOR), "school_id"] = "CP"
    s.loc[row(s, school_id="CP"), "enrolment"] += 30
    s.loc[row(s, school_id="J"), "enrolment"] -= 30
    bad = town.check(assignments=a, schools=s)
    assert ("teaches band", 2024, "CP") in found(bad)


def test_an_unknown_school_or_village(closure):
    a = closure.a
    extra = a.iloc[[0]].assign(village_id="999999999999")
    a.loc[row(a, village_id=closure.vid("B")), "school_id"] = "NOPE"
    bad = closure.check(assignments=pd.concat([a, extra], ignore_index=True))
    assert ("known school", 2024, "NOPE") in found(bad)
    assert ("known village", 2024, "999999999999") in found(bad)


def test_an_assignment_in_a_year_the_scenario_does_not_plan(closure):
    a = closure.a
    bad = closure.check(assignments=pd.concat([a, a.iloc[[0]].assign(year=2031)], ignore_index=True))
    assert ("planning year", 2031, f"{a['village_id'].iat[0]}/{a['band'].iat[0]}") in found(bad)


# --------------------------------------------------------------------------- boarding


def test_boarders_without_beds(boarders):
    s = boarders.s
    s.loc[row(s, school_id="J"), "added_beds"] = 20
    bad = boarders.check(schools=s)
    assert found(bad) == {("beds", 2024, "J")}
    assert "30 boarders, 20 beds" in bad["message"].iloc[0]


def test_a_day_trip_reported_as_boarding(boarders):
    a, s = boarders.a, boarders.s
    a.loc[row(a, band=LOWER), "mode"] = "boarding"
    s.loc[row(s, school_id="CP"), ["boarding_pupils", "added_beds"]] = [30, 30]
    bad = boarders.check(assignments=a, schools=s)
    rec = f"{boarders.vid('C')}->CP"
    assert found(bad) == {("no boarding", 2024, rec), ("mode follows trip", 2024, rec)}


def test_a_boarding_trip_over_the_limit(boarders):
    """The same plan against a matrix where F is 95 minutes from its school."""
    t = boarders.tiny
    travel = Tiny(t.villages, t.schools, dict(t.minutes) | {("F", "J"): 95.0}).travel
    bad = boarders.check(travel=travel)
    rec = f"{boarders.vid('F')}->J"
    assert found(bad) == {("boarding trip limit", 2024, rec), ("travel matches matrix", 2024, rec)}


def test_an_unknown_mode(boarders):
    a = boarders.a
    a.loc[row(a, band=JUNIOR), "mode"] = "bus"
    bad = boarders.check(assignments=a)
    assert ("mode", 2024, f"{boarders.vid('F')}->J") in found(bad)


def test_boarders_miscounted(boarders):
    s = boarders.s
    s.loc[row(s, school_id="J"), "boarding_pupils"] = 25
    assert found(boarders.check(schools=s)) == {("boarders reported", 2024, "J")}


def test_beds_at_a_school_whose_pupils_may_not_board(boarders):
    """Grades 1-3 do not board: beds added at a central primary teaching only them..."""
    t = Tiny(
        villages=[V("C", grades(lower=(10, 10, 10)), ur=121)],
        schools=[S("TP", "teaching_point", "C", classrooms=2, enrol=30)],
        minutes={("C", "TP"): 1},
    )
    case = solved(t)
    s = case.s
    s["added_beds"] = 50
    assert found(case.check(schools=s)) == {("no boarding", 2024, "TP")}


def test_a_town_without_a_boarding_primary(town):
    s = town.s
    s.loc[row(s, school_id="CP"), "added_beds"] = 0
    bad = town.check(schools=s)
    assert found(bad) == {("boarding school per town", 2024, TOWN_CODE)}
    assert bad["message"].iloc[0] == "城关镇 has 0 boarding primary school(s)"


# --------------------------------------------------------------------------- capacity


def test_a_class_over_the_cap(one_room):
    s = one_room.s
    s[["added_classrooms", "added_seats"]] = [0, 0]
    bad = one_room.check(schools=s)
    assert found(bad) == {("class size cap", 2024, "CP")}
    assert "246 pupils need 7 classes at the caps but have 6 classrooms" in bad["message"].iloc[0]


def test_classes_reported_below_need(one_room):
    s = one_room.s
    s["classes"] = 6
    assert found(one_room.check(schools=s)) == {("classes reported", 2024, "CP")}


def test_more_classrooms_than_the_site_has_room_for(one_room):
    s = one_room.s
    s["added_classrooms"] = 4  # room for 3
    assert found(one_room.check(schools=s)) == {("room on site", 2024, "CP")}


def test_a_school_over_the_size_cap(one_room):
    bad = one_room.check(scenario=one_room.plan.scenario.replace(school_cap_primary=200))
    assert found(bad) == {("school size cap", 2024, "CP")}
    assert "246 pupils over the cap of 200" in bad["message"].iloc[0]


def test_enrolment_misreported(one_room):
    s = one_room.s
    s["enrolment"] = 240
    assert found(one_room.check(schools=s)) == {("enrolment reported", 2024, "CP")}


def test_added_classrooms_at_an_ordinary_village_site(village_site):
    """P (220) gets a classroom and keeps all of X's pupils: the three concentrations forbid it."""
    a, s = village_site.a, village_site.s
    a.loc[row(a, village_id=village_site.vid("X"), band=UPPER), ["school_id", "travel_min"]] = ["P", 1.0]
    s.loc[row(s, school_id="P"), ["added_classrooms", "added_seats", "enrolment", "classes"]] = [1, 45, 246, 7]
    s.loc[row(s, school_id="CP"), "enrolment"] -= 120
    bad = village_site.check(assignments=a, schools=s)
    assert found(bad) == {("three concentrations", 2024, "P")}
    assert "(ur_code 220) may not receive new classrooms or beds" in bad["message"].iloc[0]


def test_additions_that_shrink(three_years):
    s = three_years.s
    s.loc[row(s, school_id="CP", year=2026), "added_classrooms"] = 0
    assert found(three_years.check(schools=s)) == {("cumulative additions", 2026, "CP")}


def test_a_planned_school_receiving_pupils_before_it_opens(planned):
    a, s = planned.a, planned.s
    y = planned.vid("Y")
    a.loc[(a["year"] == 2024) & (a["village_id"] == y), ["school_id", "travel_min"]] = ["NP", 2.0]
    s.loc[row(s, school_id="NP", year=2024), "enrolment"] = 180
    s.loc[row(s, school_id="CP", year=2024), "enrolment"] -= 180
    bad = planned.check(assignments=a, schools=s)
    assert {r for r in found(bad)} == {("school open", 2024, "NP")}
    assert "opens in 2025" in " ".join(bad["message"])


def test_classrooms_added_to_a_planned_project(planned):
    s = planned.s
    s.loc[row(s, school_id="NP", year=2025), "added_classrooms"] = 1
    assert ("room on site", 2025, "NP") in found(planned.check(schools=s))


# --------------------------------------------------------------------------- closures


def test_too_few_closures(closure):
    """Teaching point A reopened: no closure left against a target of 1."""
    a, s = closure.a, closure.s
    a.loc[row(a, village_id=closure.vid("A")), ["school_id", "travel_min"]] = ["TPA", 1.0]
    s.loc[row(s, school_id="TPA"), ["status", "enrolment", "classes"]] = ["open", 10, 1]
    s.loc[row(s, school_id="CP"), "enrolment"] -= 10
    bad = closure.check(assignments=a, schools=s, closures=closure.c.iloc[0:0])
    assert found(bad) == {("closure target", 2024, "-")}
    assert bad["message"].iloc[0] == "0 small schools closed, the target is 1"


def test_a_closure_missing_from_the_closures_table(closure):
    bad = closure.check(closures=closure.c.iloc[0:0])
    assert found(bad) == {("closures reported", 2024, "TPA")}
    assert bad["message"].iloc[0] == "TPA校 closes in 2024 but is not in the closures table"


def test_an_open_school_in_the_closures_table(closure):
    c = pd.concat([closure.c, closure.c.assign(school_id="TPB")], ignore_index=True)
    assert found(closure.check(closures=c)) == {("closures reported", 2024, "TPB")}


def test_a_closure_reported_in_the_wrong_year(three_years):
    c = three_years.c
    c["year"] = 2025
    bad = three_years.check(closures=c)
    assert found(bad) == {("closures reported", 2024, "TP")}
    assert bad["message"].iloc[0] == "TP校 closes in 2024; the closures table says 2025"


def test_a_school_missing_from_the_schools_table(closure):
    s = closure.s
    assert found(closure.check(schools=s[s["school_id"] != "CP"])) >= {("school listed", 2024, "CP")}


def test_a_school_that_is_not_a_candidate_closes(closure):
    s = closure.s
    s.loc[row(s, school_id="CP"), ["status", "enrolment", "classes"]] = ["closed", 0, 0]
    bad = closure.check(schools=s)
    assert ("closure candidate", 2024, "CP") in found(bad)
    assert ("school open", 2024, "CP") in found(bad)


def test_a_closed_school_that_reopens(three_years):
    s = three_years.s
    s.loc[row(s, school_id="TP", year=2025), "status"] = "open"
    assert ("closed stays closed", 2024, "TP") in found(three_years.check(schools=s))


def test_seniors_outside_the_main_urban_area_in_2026(seniors):
    """The high school in the town seat kept open in 2026, with its pupils."""
    a, s = seniors.a, seniors.s
    c = seniors.vid("C")
    a.loc[(a["year"] == 2026) & (a["village_id"] == c), ["school_id", "travel_min"]] = ["H1", 1.0]
    s.loc[row(s, school_id="H1", year=2026), ["status", "enrolment", "classes"]] = ["open", 90, 3]
    s.loc[row(s, school_id="H2", year=2026), ["enrolment", "classes"]] = [30, 3]
    bad = seniors.check(assignments=a, schools=s, closures=seniors.c.iloc[0:0])
    assert found(bad) == {("senior in main urban area", 2026, "H1")}
    assert set(bad["message"]) == {
        "H1校 lies outside the main urban area but teaches seniors in 2026",
        "H1校 must close or relocate by 2026",
    }
    assert bad["rule"].eq("senior in main urban area").sum() == 2


def test_every_violation_is_listed_at_once(closure):
    a = closure.a
    a.loc[row(a, village_id=closure.vid("A")), "travel_min"] = 3.0
    twice = pd.concat([a, a[row(a, village_id=closure.vid("B"))]], ignore_index=True)
    bad = closure.check(assignments=twice, closures=closure.c.iloc[0:0])
    rules = set(bad["rule"])
    assert {"travel matches matrix", "assigned once", "pupils conserved", "closures reported"} <= rules
