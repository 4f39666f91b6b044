"""The independent plan checker: every corrupted plan is caught, with the rule broken and
the record it concerns.

Each case takes a real plan of a tiny district (the builders of :mod:`tests.tiny` and
:mod:`tests.test_model`, solved once per module), breaks one rule in a copy of the tables
:func:`layout_opt.check.check_plan` reads (``pupils``, ``assignments``, ``schools``,
``closures``, ``moves``, ``summary["costs_yuan"]``), and asserts that the rule is reported
for the school, trip, village grade or cost term concerned.  The clean plans pass.

When a case moves pupils it rewrites the ``assignments`` table as the sums of the new
``pupils`` table (and, where it says so, restates the schools' counts and the summary's
money), so that the rule under test is broken and as little else as the change implies.
"""

from __future__ import annotations

import copy
import dataclasses

import numpy as np
import pandas as pd
import pytest

import layout_opt as lo
from layout_opt.check import COST_TERMS, VIOLATION_COLUMNS, bus_cost_per_year, check_plan

from .test_model import (
    KINDERGARTENS,
    boarding_town,
    closing_year,
    enrolled_far,
    growth_site,
    kindergarten_move,
    kindergarten_trip_limit,
    leaving_the_teaching_point,
    two_teaching_points,
)
from .tiny import (
    BED,
    ECONOMICS,
    EXACT,
    LOWER,
    PRESCHOOL,
    ROOM_KINDERGARTEN,
    ROOM_PRIMARY,
    TOWN_CODE,
    UPPER,
    S,
    Tiny,
    V,
    assert_clean,
    grades,
)

# --------------------------------------------------------------------------- helpers


@dataclasses.dataclass
class Case:
    """A tiny district and its solved plan; the table properties are fresh copies."""

    tiny: Tiny
    plan: lo.Plan

    @property
    def pupils(self) -> pd.DataFrame:
        return self.plan.pupils.copy()

    @property
    def assignments(self) -> pd.DataFrame:
        return self.plan.assignments.copy()

    @property
    def schools(self) -> pd.DataFrame:
        return self.plan.schools.copy()

    @property
    def closures(self) -> pd.DataFrame:
        return self.plan.closures.copy()

    @property
    def moves(self) -> pd.DataFrame:
        return self.plan.moves.copy()

    @property
    def summary(self) -> dict:
        return copy.deepcopy(self.plan.summary)

    def vid(self, key: str) -> str:
        return self.tiny.vid(key)

    def check(self, *, scenario: lo.Scenario | None = None, travel=None, **tables) -> pd.DataFrame:
        """Violations of the plan with some tables replaced; new ``pupils`` without new
        ``assignments`` come with the assignments they sum to."""
        if "pupils" in tables and "assignments" not in tables:
            tables["assignments"] = assignments_of(tables["pupils"])
        plan = dataclasses.replace(self.plan, **tables)
        sc = scenario or self.plan.scenario
        return check_plan(plan, self.tiny.district, sc, travel or self.tiny.travel, self.tiny.demand(sc.years))


def assignments_of(pupils: pd.DataFrame) -> pd.DataFrame:
    """The assignments table the pupils table sums to (one row per year, village, band,
    school and mode)."""
    keys = ["year", "village_id", "band", "school_id", "mode"]
    return pupils.groupby(keys, as_index=False).agg(pupils=("pupils", "sum"), travel_min=("travel_min", "first"))


def found(bad: pd.DataFrame) -> set[tuple]:
    """``(rule, year, record)`` of every violation (``None`` for a plan-wide year)."""
    assert list(bad.columns) == VIOLATION_COLUMNS
    return {(r.rule, None if pd.isna(r.year) else int(r.year), r.record) for r in bad.itertuples()}


def rules(bad: pd.DataFrame) -> set[str]:
    return set(bad["rule"])


def message(bad: pd.DataFrame, rule: str, record: str | None = None) -> str:
    """The messages of one rule (and record), joined."""
    hit = bad["rule"].eq(rule) & (bad["record"].eq(record) if record is not None else True)
    return " | ".join(bad.loc[hit, "message"])


def where(df: pd.DataFrame, **match) -> np.ndarray:
    """Boolean mask of the rows matching every ``column=value`` (at least one row)."""
    mask = np.ones(len(df), dtype=bool)
    for k, v in match.items():
        mask &= (df[k] == v).to_numpy()
    assert mask.any(), f"no row matches {match}"
    return mask


def send(case: Case, p: pd.DataFrame, mask: np.ndarray, school_id: str, mode: str | None = None) -> pd.DataFrame:
    """The pupils of ``mask`` at ``school_id`` (in ``mode``): minutes and kilometres from
    the travel matrix, bused as the trip rules say (a day trip over the walking distance
    in a bused band)."""
    tm = case.tiny.travel
    j = list(tm.destination_ids).index(school_id)
    row = {v: i for i, v in enumerate(tm.origin_ids)}
    sc = case.plan.scenario
    p.loc[mask, "school_id"] = school_id
    if mode is not None:
        p.loc[mask, "mode"] = mode
    for i in np.flatnonzero(mask):
        k = row[p["village_id"].iat[i]]
        km = float(tm.km[k, j])
        p.iloc[i, p.columns.get_loc("travel_min")] = float(tm.minutes[k, j])
        p.iloc[i, p.columns.get_loc("km")] = km
        rides = p["mode"].iat[i] == "day" and km > sc.walk_threshold_km and p["band"].iat[i] in sc.bus_bands
        p.iloc[i, p.columns.get_loc("bused")] = bool(rides)
    return p


def restate(case: Case, p: pd.DataFrame, s: pd.DataFrame | None = None) -> pd.DataFrame:
    """The schools table with enrolment, boarders and bused pupils restated from ``p``
    (the counts a consistent extractor would write)."""
    s = case.schools if s is None else s
    day_bused = p["pupils"].where(p["bused"].astype(bool) & p["mode"].eq("day"), 0)
    boarding = p["pupils"].where(p["mode"].eq("boarding"), 0)
    sums = p.assign(day_bused=day_bused, boarding=boarding).groupby(["school_id", "year"])
    key = list(zip(s["school_id"], s["year"]))
    for col, src in (("enrolment", "pupils"), ("boarding_pupils", "boarding"), ("bused_pupils", "day_bused")):
        got = sums[src].sum()
        s[col] = [int(got.get(k, 0)) for k in key]
    return s


def shifted(summary: dict, term: str, by: float) -> dict:
    """``summary`` with one cost term changed by ``by`` yuan and the objective, the money
    and the solver's objective changed with it (a consistent summary of other tables)."""
    costs = summary["costs_yuan"]
    costs[term] += by
    costs["objective"] += by
    if term != "travel":
        costs["money"] += by
    summary["solver"]["objective_yuan"] += by
    return summary


# --------------------------------------------------------------------------- the plans


def _solved(t: Tiny, scenario: lo.Scenario = EXACT, **changes) -> Case:
    return Case(t, t.solve(scenario, **changes))


@pytest.fixture(scope="module")
def closure() -> Case:
    """Teaching point TPA closes (a target of one; A's 10 pupils ride 10 minutes to the
    central primary CP, bused); TPB is kept.  TPB is also 5 minutes from A."""
    t = two_teaching_points()
    t.minutes[("A", "TPB")] = 5.0
    case = _solved(t, closure_target=1)
    assert set(case.plan.closures["school_id"]) == {"TPA"}
    return case


@pytest.fixture(scope="module")
def econ() -> Case:
    """Every price of the policy: both teaching points close (a target of two) and CP
    runs with 4.5 teachers and a share of a bus for the 22 pupils of A and B."""
    case = _solved(two_teaching_points(), ECONOMICS, closure_target=2)
    cp = case.plan.schools.set_index("school_id").loc["CP"]
    assert set(case.plan.closures["school_id"]) == {"TPA", "TPB"}
    assert (cp["bused_pupils"], cp["running_cost_yuan"] > 0, cp["transport_cost_yuan"] > 0) == (22, True, True)
    return case


@pytest.fixture(scope="module")
def two_years() -> Case:
    """A town, 2024-2025: A's grade-6 (then grade-5) pupils board at CP, which adds the 50
    beds of the town's boarding primary; teaching point TA is open in 2024, closed in 2025."""
    t = leaving_the_teaching_point()
    case = _solved(t, EXACT.replace(years=(2024, 2025), bands=(LOWER, UPPER), min_boarders=5))
    s = case.plan.schools.set_index(["school_id", "year"])
    assert s.loc[("CP", 2024), "added_beds"] == 50 and s.loc[("CP", 2024), "capital_cost_yuan"] == 50 * BED
    assert [s.loc[("TA", y), "status"] for y in (2024, 2025)] == ["open", "closed"]
    return case


@pytest.fixture(scope="module")
def town() -> Case:
    """A town: F's pupils of grades 4-9 board (50 minutes away), 21 at the central primary
    CP (50 beds added), 30 at the junior school J (60 beds)."""
    case = _solved(boarding_town())
    s = case.plan.schools.set_index("school_id")
    assert (s.loc["CP", "added_beds"], s.loc["CP", "boarding_pupils"], s.loc["J", "boarding_pupils"]) == (50, 21, 30)
    return case


@pytest.fixture(scope="module")
def growth() -> Case:
    """Primary P in an ordinary village (220) may not grow: X's grades 4-6 ride to CP."""
    case = _solved(growth_site(ur=220))
    assert case.plan.schools.set_index("school_id").loc["P", "added_classrooms"] == 0
    return case


@pytest.fixture(scope="module")
def one_room() -> Case:
    """A grade of 46 pupils: the central primary adds one classroom (room for 3)."""
    t = Tiny(
        villages=[V("C", grades(lower=(46, 40, 40), upper=(40, 40, 40)), ur=121)],
        schools=[S("CP", "central_primary", "C", classrooms=6, max_added=3)],
        minutes={("C", "CP"): 1},
    )
    case = _solved(t)
    assert case.plan.schools[["added_classrooms", "classes", "capital_cost_yuan"]].values.tolist() == [
        [1, 7, ROOM_PRIMARY]
    ]
    return case


@pytest.fixture(scope="module")
def enrolled() -> Case:
    """A's pupils of grades 2-6 stay at P (15 minutes), where they are enrolled today;
    the 20 grade-1 entrants go to the catchment Q (2 minutes)."""
    case = _solved(enrolled_far())
    assert case.plan.pupils.set_index("grade")["school_id"].to_dict() == {
        1: "Q",
        2: "P",
        3: "P",
        4: "P",
        5: "P",
        6: "P",
    }
    return case


@pytest.fixture(scope="module")
def zones() -> Case:
    """Catchment zones by town: A's entrants go to Q in their own town (20 minutes) while
    A's enrolled pupils stay at P in the next town (5 minutes)."""
    t2 = "410322101"
    t = Tiny(
        villages=[V("A", grades(lower=(10, 10, 10))), V("X", grades(), ur=121, town=t2)],
        schools=[S("P", "central_primary", "X", classrooms=6, enrol=150), S("Q", "central_primary", "A", classrooms=6)],
        minutes={("A", "P"): 5, ("A", "Q"): 20, ("X", "P"): 1},
        attendance=[("A", "P", g, 10, 0) for g in (1, 2)] + [("X", "P", g, 65, 0) for g in (4, 5)],
        towns={TOWN_CODE: "城关镇", t2: "平乐镇"},
        town_kind="town",
    )
    case = _solved(t, boarding_schools_per_town=0)
    assert case.plan.pupils.set_index("grade")["school_id"].to_dict() == {1: "Q", 2: "P", 3: "P"}
    return case


@pytest.fixture(scope="module")
def seniors() -> Case:
    """High school H1 in a town seat (121, outside the main urban area) closes in 2026; C's
    seniors ride 50 minutes to H2."""
    t = Tiny(
        villages=[V("U", grades(senior=(10, 10, 10)), ur=111), V("C", grades(senior=(30, 30, 30)), ur=121)],
        schools=[S("H2", "high", "U", classrooms=10), S("H1", "high", "C", classrooms=10)],
        minutes={("U", "H2"): 1, ("U", "H1"): 50, ("C", "H1"): 1, ("C", "H2"): 50},
    )
    case = _solved(t, years=(2025, 2026))
    assert case.plan.closures[["school_id", "year"]].values.tolist() == [["H1", 2026]]
    return case


@pytest.fixture(scope="module")
def planned() -> Case:
    """Teaching point TY closes in 2025, when the primary project NP opens in Y and takes
    its village."""
    t = Tiny(
        villages=[V("C", grades(lower=(10, 10, 10)), ur=121), V("Y", grades(lower=(5, 5, 5)), ur=122)],
        schools=[
            S("CP", "central_primary", "C", classrooms=12),
            S("TY", "teaching_point", "Y", classrooms=1),
            S("NP", "primary", "Y", classrooms=6, status="planned", open_year=2025, planned_seats=270),
        ],
        minutes={("C", "CP"): 1, ("Y", "CP"): 20, ("Y", "TY"): 1, ("Y", "NP"): 2, ("C", "NP"): 20},
    )
    case = _solved(t, years=(2024, 2025), closure_target=1)
    assert case.plan.closures[["school_id", "year"]].values.tolist() == [["TY", 2025]]
    return case


@pytest.fixture(scope="module")
def build_first() -> Case:
    """Grades 1-3, 2024-2025: teaching point TP closes in 2024 (a year of it costs
    1,000,000), so the central primary adds the classroom its full grade 3 needs in 2024."""
    t = closing_year(1_000_000.0)
    case = _solved(t, EXACT.replace(years=(2024, 2025), bands=(LOWER,), school_cost_yuan_per_year=1_000_000.0))
    s = case.plan.schools.set_index(["school_id", "year"])
    assert case.plan.closures[["school_id", "year"]].values.tolist() == [["TP", 2024]]
    assert [s.loc[("CP", y), "added_classrooms"] for y in (2024, 2025)] == [1, 1]
    return case


@pytest.fixture(scope="module")
def kindergarten() -> Case:
    """Kindergartens of a town (镇): A's 20 children of 小班 at the public KA (1 minute), F's
    3 of 小班 and 3 of 中班 at the private KF next door, which adds a classroom (KA is 16
    minutes away, beyond the 15-minute limit)."""
    case = _solved(kindergarten_trip_limit(), KINDERGARTENS)
    s = case.plan.schools.set_index("school_id")
    assert (s.loc["KF", "added_classrooms"], s.loc["KF", "capital_cost_yuan"]) == (1, ROOM_KINDERGARTEN)
    return case


@pytest.fixture(scope="module")
def moved() -> Case:
    """KA moves to its new site KN, which opens in 2025: KA is closed in 2025."""
    case = _solved(kindergarten_move(), KINDERGARTENS.replace(years=(2024, 2025)))
    s = case.plan.schools.set_index(["school_id", "year"])
    assert (s.loc[("KA", 2025), "status"], s.loc[("KN", 2025), "status"]) == ("closed", "new")
    return case


CASES = [
    "build_first",
    "kindergarten",
    "moved",
    "closure",
    "econ",
    "two_years",
    "town",
    "growth",
    "one_room",
    "enrolled",
    "zones",
    "seniors",
    "planned",
]


@pytest.mark.parametrize("name", CASES)
def test_the_solved_plans_keep_every_rule(name, request):
    case = request.getfixturevalue(name)
    assert_clean(case.tiny, case.plan)
    assert case.check(pupils=case.pupils).empty  # the assignments table is the pupils' sum


# --------------------------------------------------------------------------- the tables


def test_a_school_left_out_of_the_schools_table(closure):
    """The closed teaching point has no row: it is not listed (a malformed table: the rules
    that read each school's row are not checked)."""
    s = closure.schools
    bad = closure.check(schools=s[s["school_id"] != "TPA"])
    assert ("school listed", 2024, "TPA") in found(bad)
    assert "TPA校 has no row for 2024 in the schools table" in message(bad, "school listed")
    assert found(bad) == {("school listed", 2024, "TPA")}


def test_a_school_the_district_does_not_have(closure):
    """The schools table lists one more school (a copy of TPB under another id)."""
    s = closure.schools
    extra = s[s["school_id"] == "TPB"].assign(school_id="410322199")
    bad = closure.check(schools=pd.concat([s, extra], ignore_index=True))
    assert found(bad) == {("known school", None, "410322199")}


def test_a_group_of_pupils_left_out(closure):
    """B's 4 pupils of grade 2 are not placed."""
    p = closure.pupils
    b = closure.vid("B")
    bad = closure.check(pupils=p[~where(p, village_id=b, grade=2)])
    assert ("pupils conserved", 2024, f"{b}/g2") in found(bad)
    assert message(bad, "pupils conserved") == "4 pupils live there, 0 are placed"


def test_a_group_of_pupils_counted_twice(closure):
    """A's grade-3 pupils are listed twice (6 placed, 3 live there)."""
    p = closure.pupils
    a = closure.vid("A")
    bad = closure.check(pupils=pd.concat([p, p[where(p, village_id=a, grade=3)]], ignore_index=True))
    assert ("pupils conserved", 2024, f"{a}/g3") in found(bad)
    assert message(bad, "pupils conserved") == "3 pupils live there, 6 are placed"


def test_an_assignments_table_that_does_not_sum_the_pupils(closure):
    """One pupil of A is missing from the assignments table (9 assigned, 10 placed)."""
    a = closure.assignments
    a.loc[where(a, village_id=closure.vid("A")), "pupils"] -= 1
    bad = closure.check(assignments=a)
    assert found(bad) == {("assignments table", 2024, f"{closure.vid('A')}/{LOWER}/CP/day")}
    assert message(bad, "assignments table") == "9 assigned, 10 placed"


def test_pupils_in_a_year_the_scenario_does_not_plan(closure):
    """A copy of A's grade-1 entrants in 2031."""
    p = closure.pupils
    a = closure.vid("A")
    extra = p[where(p, village_id=a, grade=1)].assign(year=2031)
    bad = closure.check(pupils=pd.concat([p, extra], ignore_index=True))
    assert found(bad) == {("planning year", 2031, f"{a}/g1")}


def test_pupils_of_a_village_the_district_does_not_have(closure):
    """A copy of A's grade-1 row under an unknown village id."""
    p = closure.pupils
    extra = p[where(p, village_id=closure.vid("A"), grade=1)].assign(village_id="410322199999", bused=False)
    bad = closure.check(pupils=pd.concat([p, extra], ignore_index=True))
    assert found(bad) == {("known village", 2024, "410322199999")}


def test_pupils_at_a_school_the_district_does_not_have(closure):
    """A's pupils at a school id that is not in the district."""
    p = closure.pupils
    p.loc[where(p, village_id=closure.vid("A")), "school_id"] = "410322199"
    bad = closure.check(pupils=p)
    assert found(bad) == {("known school", 2024, "410322199")}


def test_a_grade_in_the_wrong_band(closure):
    """C's grade-3 pupils labelled upper primary."""
    p = closure.pupils
    c = closure.vid("C")
    p.loc[where(p, village_id=c, grade=3), "band"] = UPPER
    bad = closure.check(pupils=p)
    assert ("grade and band", 2024, f"{c}/g3") in found(bad)
    assert message(bad, "grade and band") == f"grade 3 is not in band {UPPER}"


# --------------------------------------------------------------------------- schools and trips


def test_pupils_at_a_school_that_does_not_teach_their_band(town):
    """C's junior pupils at the central primary."""
    p = send(town, town.pupils, where(town.pupils, village_id=town.vid("C"), band="junior"), "CP")
    bad = town.check(pupils=p, schools=restate(town, p))
    assert ("teaches band", 2024, "CP") in found(bad)
    assert "CP校 does not teach junior" in message(bad, "teaches band")


def test_pupils_sent_back_to_a_closed_school(closure):
    """A's pupils at their teaching point, which the plan closes."""
    p = send(closure, closure.pupils, where(closure.pupils, village_id=closure.vid("A")), "TPA")
    bad = closure.check(pupils=p, schools=restate(closure, p))
    assert ("school open", 2024, "TPA") in found(bad)
    assert f"TPA校 is closed in 2024 but has pupils of {closure.vid('A')}" in message(bad, "school open")


def test_pupils_at_a_planned_school_before_it_opens(planned):
    """Y's pupils at the primary project NP in 2024, a year before it opens."""
    p = planned.pupils
    p = send(planned, p, where(p, year=2024, village_id=planned.vid("Y")), "NP")
    bad = planned.check(pupils=p, schools=restate(planned, p))
    assert ("school open", 2024, "NP") in found(bad)
    assert "NP校 is planned in 2024" in message(bad, "school open") and "NP校 opens in 2025" in message(
        bad, "school open"
    )


def test_travel_minutes_that_do_not_match_the_matrix(closure):
    """A's trip reported as 7.5 minutes; the matrix says 10."""
    p = closure.pupils
    p.loc[where(p, village_id=closure.vid("A")), "travel_min"] = 7.5
    bad = closure.check(pupils=p)
    pair = f"{closure.vid('A')}->CP"
    assert found(bad) == {("travel matches matrix", 2024, pair)}
    assert "reported 7.5 min, matrix 10.00 min" in message(bad, "travel matches matrix")


def test_a_mode_that_is_neither_day_nor_boarding(two_years):
    """A's grade-6 boarders reported as weekly pupils."""
    p = two_years.pupils
    p.loc[where(p, year=2024, grade=6), "mode"] = "weekly"
    bad = two_years.check(pupils=p)
    assert ("mode", 2024, f"{two_years.vid('A')}->CP") in found(bad)


def test_a_day_trip_over_the_limit(town):
    """F's pupils of grades 4-6 ride 50 minutes to CP by day (the limit is 40)."""
    p = town.pupils
    p = send(town, p, where(p, village_id=town.vid("F"), band=UPPER), "CP", mode="day")
    bad = town.check(pupils=p, schools=restate(town, p))
    pair = f"{town.vid('F')}->CP"
    assert ("day trip limit", 2024, pair) in found(bad)
    assert "50.0 min exceeds the 40-min day limit for upper_primary" in message(bad, "day trip limit")
    assert not rules(bad) & {"bus riders", "bused pupils"}


def test_bus_riders_reported_as_walkers(econ):
    """A's pupils ride 5 km but are not marked as bused, nor counted at CP."""
    p = econ.pupils
    p.loc[where(p, village_id=econ.vid("A")), "bused"] = False
    bad = econ.check(pupils=p)
    assert ("bus riders", 2024, f"{econ.vid('A')}->CP") in found(bad)
    assert "a 5.00-km trip is a bus ride" in message(bad, "bus riders")
    assert ("bused pupils", 2024, "CP") in found(bad)


def test_walkers_reported_as_bus_riders(closure):
    """C's pupils (0.5 km from CP) marked as bused."""
    p = closure.pupils
    p.loc[where(p, village_id=closure.vid("C")), "bused"] = True
    bad = closure.check(pupils=p, schools=restate(closure, p))
    assert found(bad) == {("bus riders", 2024, f"{closure.vid('C')}->CP")}
    assert "a 0.50-km trip is not a bus ride" in message(bad, "bus riders")


def test_lower_primary_pupils_boarding(closure):
    """C's grade-1 pupils board at CP (grades 1-3 may not board)."""
    p = closure.pupils
    p = send(closure, p, where(p, village_id=closure.vid("C"), grade=1), "CP", mode="boarding")
    bad = closure.check(pupils=p, schools=restate(closure, p))
    pair = f"{closure.vid('C')}->CP"
    assert ("no boarding", 2024, pair) in found(bad)
    assert "lower_primary may not board" in message(bad, "no boarding", pair)
    assert ("beds", 2024, "CP") in found(bad)  # and CP has no beds


def test_boarders_from_next_door(town):
    """C's junior pupils board at J, 1 minute and 0.5 km away (boarding from 3 km)."""
    p = town.pupils
    p = send(town, p, where(p, village_id=town.vid("C"), band="junior"), "J", mode="boarding")
    bad = town.check(pupils=p, schools=restate(town, p))
    pair = f"{town.vid('C')}->J"
    assert ("boarding from a distance", 2024, pair) in found(bad)
    assert "a 0.50-km day trip is shorter than the 3 km" in message(bad, "boarding from a distance")
    assert "beds" not in rules(bad)  # J's 60 beds take them


def test_a_boarding_trip_over_the_limit(town):
    """The plan against a matrix where F is 95 minutes from J (a bridge out): over the
    90-minute boarding limit."""
    t = town.tiny
    travel = dataclasses.replace(t, minutes=dict(t.minutes) | {("F", "J"): 95.0}).travel
    bad = town.check(travel=travel)
    pair = f"{town.vid('F')}->J"
    assert ("boarding trip limit", 2024, pair) in found(bad)
    assert "95.0 min exceeds the 90-min boarding limit" in message(bad, "boarding trip limit")
    assert ("travel matches matrix", 2024, pair) in found(bad)


def test_a_kept_small_school_taking_another_villages_pupils(closure):
    """A's pupils at B's teaching point (5 minutes): a kept small school takes only its
    own village's pupils."""
    p = send(closure, closure.pupils, where(closure.pupils, village_id=closure.vid("A")), "TPB")
    bad = closure.check(pupils=p, schools=restate(closure, p))
    assert ("small school keeps own village", 2024, "TPB") in found(bad)
    assert f"TPB校 is a small school and takes pupils of {closure.vid('A')}" in message(
        bad, "small school keeps own village"
    )


def test_entrants_outside_their_catchment_zone(zones):
    """A's grade-1 entrants at P in the next town (5 minutes), where only A's enrolled
    pupils may be."""
    p = zones.pupils
    p = send(zones, p, where(p, village_id=zones.vid("A"), grade=1), "P")
    bad = zones.check(pupils=p, schools=restate(zones, p))
    pair = f"{zones.vid('A')}->P"
    assert ("catchment zone", 2024, pair) in found(bad)
    assert (bad["rule"] == "catchment zone").sum() == 1  # grades 2-3 are enrolled there


def test_entrants_split_between_two_schools(enrolled):
    """Half of A's 20 grade-1 entrants go to P, half to the catchment Q."""
    p = enrolled.pupils
    one = where(p, grade=1)
    p.loc[one, "pupils"] = 10
    half = send(enrolled, p[one].copy(), np.ones(1, dtype=bool), "P")
    p = pd.concat([p, half], ignore_index=True)
    bad = enrolled.check(pupils=p, schools=restate(enrolled, p))
    a = enrolled.vid("A")
    assert ("one catchment", 2024, f"{a}/g1") in found(bad)
    assert f"the grade-1 entrants of {a} go to more than one school or mode" in message(bad, "one catchment")


def test_entrants_split_between_day_and_boarding(town):
    """Half of C's grade-7 entrants board at J, half ride by day."""
    p = town.pupils
    g7 = where(p, village_id=town.vid("C"), grade=7)
    p.loc[g7, "pupils"] = 5
    p = pd.concat([p, p[g7].assign(mode="boarding")], ignore_index=True)
    bad = town.check(pupils=p, schools=restate(town, p))
    assert ("one catchment", 2024, f"{town.vid('C')}/g7") in found(bad)


def test_enrolled_pupils_moved_to_a_nearer_school(enrolled):
    """A's grade-3 pupils (at P today, in grade 2) moved to Q, 2 minutes from home, while
    P is open and teaches grade 3."""
    p = enrolled.pupils
    p = send(enrolled, p, where(p, grade=3), "Q")
    bad = enrolled.check(pupils=p, schools=restate(enrolled, p))
    a = enrolled.vid("A")
    assert ("enrolled pupils stay", 2024, f"{a}/g3") in found(bad)
    assert f"pupils of {a} enrolled at P校 leave it in 2024 although it is open" in message(bad, "enrolled pupils stay")
    free = enrolled.check(
        pupils=p, schools=restate(enrolled, p), scenario=enrolled.plan.scenario.replace(allow_reassignment=True)
    )
    assert "enrolled pupils stay" not in rules(free)  # the rule holds only without reassignment


def test_a_high_school_outside_the_main_urban_area_kept_open(seniors):
    """H1 (a town seat) kept open in 2026 with C's seniors, and not closed."""
    p = seniors.pupils
    p = send(seniors, p, where(p, year=2026, village_id=seniors.vid("C")), "H1")
    s = restate(seniors, p)
    s.loc[where(s, school_id="H1", year=2026), ["status", "classes", "teachers"]] = ["open", 3, 7.2]
    bad = seniors.check(pupils=p, schools=s, closures=seniors.closures.iloc[0:0])
    assert ("senior in main urban area", 2026, "H1") in found(bad)
    assert message(bad, "senior in main urban area") == (
        "H1校 lies outside the main urban area but teaches seniors in 2026 | "
        "H1校 lies outside the main urban area but teaches seniors in 2026 | "
        "H1校 lies outside the main urban area but teaches seniors in 2026 | "
        "H1校 must close or relocate by 2026"
    )  # one per grade taught there, and the school itself


# --------------------------------------------------------------------------- capacity


def test_enrolment_misreported(one_room):
    s = one_room.schools
    s["enrolment"] = 240  # 246 pupils
    assert found(one_room.check(schools=s)) == {("enrolment reported", 2024, "CP")}


def test_a_class_over_the_cap(one_room):
    """The classroom for the 46th pupil of grade 1 is left out (and not paid for)."""
    s = one_room.schools
    s[["added_classrooms", "added_seats", "capital_cost_yuan"]] = [0, 0, 0.0]
    summary = shifted(one_room.summary, "capital", -ROOM_PRIMARY)
    bad = one_room.check(schools=s, summary=summary)
    assert found(bad) == {("class size cap", 2024, "CP")}
    assert "246 pupils need 7 classes at the caps but have 6 classrooms" in message(bad, "class size cap")


def test_classes_reported_below_need(one_room):
    s = one_room.schools
    s["classes"] = 6
    assert found(one_room.check(schools=s)) == {("classes reported", 2024, "CP")}


def test_classes_reported_above_need(one_room):
    """A class no pupil needs: the plan's class count is the pupils' need at the caps."""
    s = one_room.schools
    s["classes"] = 8
    bad = one_room.check(schools=s)
    assert ("classes reported", 2024, "CP") in found(bad)
    assert "8 classes reported, 7 needed" in message(bad, "classes reported")


def test_a_school_over_the_size_cap(one_room):
    """The plan checked against a county whose primaries take at most 200 pupils."""
    bad = one_room.check(scenario=one_room.plan.scenario.replace(school_cap_primary=200))
    assert found(bad) == {("school size cap", 2024, "CP")}
    assert "246 pupils over the cap of 200" in message(bad, "school size cap")


def test_a_school_closed_before_its_pupils_have_classrooms(build_first):
    """Build before close: CP's classroom for TP's pupils written in 2025 instead of 2024,
    the year TP closes (costing the same, undiscounted): grade 3 has no classroom in 2024."""
    s = build_first.schools
    cp = where(s, school_id="CP", year=2024)
    s.loc[cp, ["added_classrooms", "added_seats", "capital_cost_yuan"]] = [0, 0, 0.0]
    bad = build_first.check(schools=s)
    assert found(bad) == {("class size cap", 2024, "CP")}
    assert "CP校: 130 pupils need 4 classes at the caps but have 3 classrooms" in message(bad, "class size cap")


def test_boarders_without_beds(town):
    """CP adds 20 beds for its 21 boarders (paid for, so the capital cost agrees)."""
    s = town.schools
    s.loc[where(s, school_id="CP"), ["added_beds", "capital_cost_yuan"]] = [20, 20 * BED]
    bad = town.check(schools=s, summary=shifted(town.summary, "capital", -30 * BED))
    assert ("beds", 2024, "CP") in found(bad)
    assert "21 boarders, 20 beds" in message(bad, "beds")
    assert found(bad) == {("beds", 2024, "CP"), ("boarding school per town", 2024, TOWN_CODE)}


def test_boarders_miscounted(town):
    """CP reports 20 boarders (and their cost) for 21."""
    s = town.schools
    s.loc[where(s, school_id="CP"), ["boarding_pupils", "boarding_cost_yuan"]] = [20, 40_000.0]
    bad = town.check(schools=s, summary=shifted(town.summary, "boarding", -20_000.0))
    assert found(bad) == {("boarders reported", 2024, "CP")}
    assert message(bad, "boarders reported") == "table says 20, pupils give 21"


def test_beds_at_a_school_whose_pupils_may_not_board(closure):
    """The kept teaching point TPB (grades 1-3) adds 50 beds."""
    s = closure.schools
    s.loc[where(s, school_id="TPB"), ["added_beds", "capital_cost_yuan"]] = [50, 50 * BED]
    bad = closure.check(schools=s, summary=shifted(closure.summary, "capital", 50 * BED))
    assert ("no boarding", 2024, "TPB") in found(bad)
    assert "TPB校 teaches no grade that may board but adds 50 beds" in message(bad, "no boarding")
    assert ("three concentrations", 2024, "TPB") in found(bad)  # an ordinary village besides


def test_a_classroom_added_at_an_ordinary_village_site(growth):
    """P (ur 220) gets a seventh classroom and keeps all of X's pupils."""
    p = growth.pupils
    p = send(growth, p, where(p, village_id=growth.vid("X"), band=UPPER), "P")
    s = restate(growth, p)
    s.loc[where(s, school_id="P"), ["added_classrooms", "added_seats", "classes", "capital_cost_yuan"]] = [
        1,
        45,
        7,
        ROOM_PRIMARY,
    ]
    bad = growth.check(pupils=p, schools=s)
    assert ("three concentrations", 2024, "P") in found(bad)
    assert "P校 (ur_code 220) may not receive new classrooms or beds" in message(bad, "three concentrations")


def test_more_classrooms_than_the_site_has_room_for(one_room):
    """Four classrooms added where the site has room for three (and paid for)."""
    s = one_room.schools
    s[["added_classrooms", "capital_cost_yuan"]] = [4, 4 * ROOM_PRIMARY]
    bad = one_room.check(schools=s, summary=shifted(one_room.summary, "capital", 3 * ROOM_PRIMARY))
    assert found(bad) == {("room on site", 2024, "CP")}
    assert "CP校: 4 classrooms added, room for 3" in message(bad, "room on site")


def test_classrooms_added_to_a_planned_project(planned):
    s = planned.schools
    s.loc[where(s, school_id="NP", year=2025), ["added_classrooms", "capital_cost_yuan"]] = [1, ROOM_PRIMARY]
    bad = planned.check(schools=s, summary=shifted(planned.summary, "capital", ROOM_PRIMARY))
    assert ("room on site", 2025, "NP") in found(bad)
    assert "NP校 is a planned project; its classrooms are planned" in message(bad, "room on site")


def test_beds_that_disappear_the_next_year(two_years):
    """CP's 50 added beds of 2024 are 40 in 2025."""
    s = two_years.schools
    s.loc[where(s, school_id="CP", year=2025), ["added_beds", "capital_cost_yuan"]] = [40, 40 * BED]
    bad = two_years.check(schools=s, summary=shifted(two_years.summary, "capital", -10 * BED))
    assert ("cumulative additions", 2025, "CP") in found(bad)
    assert found(bad) == {("cumulative additions", 2025, "CP"), ("boarding school per town", 2025, TOWN_CODE)}


# --------------------------------------------------------------------------- closures


def test_a_closure_written_a_year_early(two_years):
    """TA's statuses swapped: closed in 2024, open again in 2025."""
    s = two_years.schools
    s.loc[where(s, school_id="TA", year=2024), ["status", "classes", "teachers"]] = ["closed", 0, 0.0]
    s.loc[where(s, school_id="TA", year=2025), ["status", "classes", "teachers"]] = ["open", 1, 1.5]
    bad = two_years.check(schools=s)
    assert ("closed stays closed", 2024, "TA") in found(bad)
    assert "TA校 reopens after closing in 2024" in message(bad, "closed stays closed")
    assert ("closures reported", 2024, "TA") in found(bad)  # the closures table says 2025


def test_a_school_that_is_no_closure_candidate_closes(closure):
    """The central primary closed (240 pupils today: no small school)."""
    s = closure.schools
    s.loc[where(s, school_id="CP"), ["status", "enrolment", "classes", "teachers"]] = ["closed", 0, 0, 0.0]
    c = pd.concat([closure.closures, closure.closures.assign(school_id="CP", name="CP校")], ignore_index=True)
    bad = closure.check(schools=s, closures=c)
    assert ("closure candidate", 2024, "CP") in found(bad)
    assert "CP校 closes but is neither a teaching point nor a small school" in message(bad, "closure candidate")
    assert ("school open", 2024, "CP") in found(bad)  # and its pupils are left there


def test_too_few_closures(closure):
    """TPA reopened with A's pupils back: no closure against a target of one."""
    p = send(closure, closure.pupils, where(closure.pupils, village_id=closure.vid("A")), "TPA")
    s = restate(closure, p)
    s.loc[where(s, school_id="TPA"), ["status", "classes", "teachers"]] = ["open", 1, 1.5]
    s.loc[where(s, school_id="CP"), ["classes", "teachers"]] = [3, 4.5]
    bad = closure.check(pupils=p, schools=s, closures=closure.closures.iloc[0:0])
    assert ("closure target", 2024, "-") in found(bad)
    assert message(bad, "closure target") == "0 small schools closed, the target is 1"
    assert rules(bad) <= {"closure target", "objective term"}  # A's pupils are nearer TPA


def test_a_closure_missing_from_the_closures_table(closure):
    bad = closure.check(closures=closure.closures.iloc[0:0])
    assert found(bad) == {("closures reported", 2024, "TPA")}
    assert message(bad, "closures reported") == "TPA校 closes in 2024 but is not in the closures table"


def test_a_closure_reported_in_the_wrong_year(planned):
    c = planned.closures
    c["year"] = 2024  # TY closes in 2025
    bad = planned.check(closures=c)
    assert found(bad) == {("closures reported", 2025, "TY")}
    assert message(bad, "closures reported") == "TY校 closes in 2025; the closures table says 2024"


def test_an_open_school_in_the_closures_table(closure):
    c = pd.concat([closure.closures, closure.closures.assign(school_id="TPB", name="TPB校")], ignore_index=True)
    bad = closure.check(closures=c)
    assert found(bad) == {("closures reported", 2024, "TPB")}
    assert message(bad, "closures reported") == "listed in the closures table but not closed in the schools table"


def test_a_town_without_a_boarding_primary(town):
    """CP adds only the 30 beds its 21 boarders need, fewer than the 50 of a town's
    boarding primary."""
    s = town.schools
    s.loc[where(s, school_id="CP"), ["added_beds", "capital_cost_yuan"]] = [30, 30 * BED]
    bad = town.check(schools=s, summary=shifted(town.summary, "capital", -20 * BED))
    assert found(bad) == {("boarding school per town", 2024, TOWN_CODE)}
    assert message(bad, "boarding school per town") == "城关镇 has 0 boarding primary school(s) in use"


def test_a_town_boarding_school_without_enough_boarders(two_years):
    """The plan checked against ``min_boarders`` = 6: CP, the town's only primary of
    grades 4-6, has 5 boarders in each year."""
    bad = two_years.check(scenario=two_years.plan.scenario.replace(min_boarders=6))
    assert found(bad) == {("boarding school per town", y, TOWN_CODE) for y in (2024, 2025)}


# --------------------------------------------------------------------------- money


def test_a_capital_cost_with_one_bed_missing(two_years):
    s = two_years.schools
    s.loc[where(s, school_id="CP", year=2024), "capital_cost_yuan"] -= BED
    bad = two_years.check(schools=s)
    assert found(bad) == {("capital cost", 2024, "CP")}
    assert message(bad, "capital cost") == "table says 588,000 yuan, the additions cost 600,000"


def test_a_capital_cost_off_by_one_classroom(one_room):
    s = one_room.schools
    s["capital_cost_yuan"] = 2 * ROOM_PRIMARY
    assert found(one_room.check(schools=s)) == {("capital cost", 2024, "CP")}


def test_a_running_cost_one_percent_off(econ):
    """CP's yearly running cost 1 % over what the school and its teachers cost."""
    s = econ.schools
    cp = where(s, school_id="CP")
    s.loc[cp, "running_cost_yuan"] *= 1.01
    extra = 10 * 0.01 * float(econ.plan.schools.loc[cp, "running_cost_yuan"].iloc[0])
    bad = econ.check(schools=s, summary=shifted(econ.summary, "running", extra))
    assert found(bad) == {("running cost", 2024, "CP")}
    assert "the school and 4.5 teachers cost 600,000" in message(bad, "running cost")


def test_teachers_below_the_staffing_standard(econ):
    """CP's 82 pupils in 3 classes get 4 teachers (1.5 a class: 4.5), the running cost and
    the summary priced for 4: only the staffing standard is broken."""
    s = econ.schools
    sc = econ.plan.scenario
    s.loc[where(s, school_id="CP"), ["teachers", "running_cost_yuan"]] = [
        4.0,
        sc.school_cost_yuan_per_year + 4.0 * sc.teacher_cost_yuan_per_year,
    ]
    bad = econ.check(schools=s, summary=shifted(econ.summary, "running", -10 * 0.5 * sc.teacher_cost_yuan_per_year))
    assert found(bad) == {("teachers", 2024, "CP")}
    assert "4 teachers for 82 pupils in 3 classes; the staffing standard asks for 4.50" in message(bad, "teachers")


def test_bused_pupils_miscounted(econ):
    s = econ.schools
    s.loc[where(s, school_id="CP"), "bused_pupils"] = 21  # 22 ride
    bad = econ.check(schools=s)
    assert found(bad) == {("bused pupils", 2024, "CP")}
    assert message(bad, "bused pupils") == "table says 21, the pupils table 22"


def test_a_bus_fleet_left_unpaid(econ):
    """CP's share of a bus costs nothing a year."""
    s = econ.schools
    cp = where(s, school_id="CP")
    cost = float(s.loc[cp, "transport_cost_yuan"].iloc[0])
    assert cost >= float(s.loc[cp, "buses"].iloc[0]) * bus_cost_per_year(econ.plan.scenario) - 1.0
    s.loc[cp, "transport_cost_yuan"] = 0.0
    bad = econ.check(schools=s, summary=shifted(econ.summary, "buses", -10 * cost))
    assert found(bad) == {("transport cost", 2024, "CP")}


def test_a_transport_cost_without_bused_pupils(closure):
    """The kept teaching point TPB (all its pupils walk) pays for a bus."""
    s = closure.schools
    s.loc[where(s, school_id="TPB"), "transport_cost_yuan"] = 10_000.0
    bad = closure.check(schools=s, summary=shifted(closure.summary, "buses", 100_000.0))
    assert found(bad) == {("transport cost", 2024, "TPB")}


def test_a_boarding_cost_one_boarder_short(town):
    s = town.schools
    s.loc[where(s, school_id="CP"), "boarding_cost_yuan"] -= 2_000.0
    bad = town.check(schools=s, summary=shifted(town.summary, "boarding", -20_000.0))
    assert found(bad) == {("boarding cost", 2024, "CP")}
    assert message(bad, "boarding cost") == "table says 40,000 yuan, 21 boarders cost 42,000"


#: Every term of the objective but reassignment (the case after this one).
PRICED_TERMS = ["capital", "running", "buses", "boarding", "travel"]


def test_the_objective_terms_checked_are_the_summarys():
    assert [*PRICED_TERMS, "reassignment"] == list(COST_TERMS)


@pytest.mark.parametrize("term", PRICED_TERMS)
def test_an_objective_term_one_percent_off(econ, two_years, term):
    """One term of ``summary["costs_yuan"]`` 1 % off, the objective, the money and the
    solver's objective agreeing with it."""
    case = econ if econ.plan.summary["costs_yuan"][term] > 0 else two_years
    value = case.plan.summary["costs_yuan"][term]
    assert value > 0
    bad = case.check(summary=shifted(case.summary, term, 0.01 * value))
    assert found(bad) == {("objective term", None, term)}


def test_a_reassignment_the_summary_does_not_price(econ):
    """The moves table lists 4 pupils reassigned; the summary's reassignment term is 0."""
    m = econ.moves
    m = pd.concat([m, m.iloc[[0]].assign(reason="reassignment", pupils=4)], ignore_index=True)
    bad = econ.check(moves=m)
    assert found(bad) == {("objective term", None, "reassignment")}
    assert econ.plan.scenario.reassignment_cost_yuan_per_pupil > 0


def test_an_objective_that_is_not_the_sum_of_its_terms(econ):
    summary = econ.summary
    summary["costs_yuan"]["objective"] *= 1.01
    bad = econ.check(summary=summary)
    assert found(bad) == {("objective", None, "costs_yuan"), ("objective", None, "solver")}


def test_money_that_is_not_the_terms_but_travel(econ):
    """The money (every term but travel time) one classroom short."""
    summary = econ.summary
    summary["costs_yuan"]["money"] -= ROOM_PRIMARY
    bad = econ.check(summary=summary)
    assert found(bad) == {("objective", None, "money")}


def test_a_solver_objective_that_is_not_the_summarys(econ):
    summary = econ.summary
    summary["solver"]["objective_yuan"] *= 0.99
    bad = econ.check(summary=summary)
    assert found(bad) == {("objective", None, "solver")}


# --------------------------------------------------------------------------- all at once


def test_every_violation_is_listed_at_once(closure):
    """A wrong trip time, a misreported enrolment and a closure left out: three rules."""
    p = closure.pupils
    p.loc[where(p, village_id=closure.vid("A")), "travel_min"] = 3.0
    s = closure.schools
    s.loc[where(s, school_id="TPB"), "enrolment"] = 13
    bad = closure.check(pupils=p, schools=s, closures=closure.closures.iloc[0:0])
    assert rules(bad) == {"travel matches matrix", "enrolment reported", "closures reported"}


# --------------------------------------------------------------------------- malformed tables


def test_pupils_at_an_unknown_school_before_the_last_year(two_years):
    """A's grade-3 pupils of 2024 at a school id the district does not have: reported as
    "known school" (the later rules, which read each school's record, are not run)."""
    p = two_years.pupils
    p.loc[where(p, year=2024, grade=3), "school_id"] = "410322199"
    assert ("known school", 2024, "410322199") in found(two_years.check(pupils=p))


def test_a_grade_outside_1_to_12(closure):
    """A grade-13 row: reported as "grade and band" (the later rules, which read a level
    per grade 1-12, are not run)."""
    p = closure.pupils
    p.loc[where(p, village_id=closure.vid("C"), grade=3), "grade"] = 13
    assert ("grade and band", 2024, f"{closure.vid('C')}/g13") in found(closure.check(pupils=p))


def test_a_school_listed_twice_in_a_year(closure):
    """A duplicated row of the schools table: reported as "school listed", each year."""
    s = closure.schools
    bad = closure.check(schools=pd.concat([s, s[s["school_id"] == "TPB"]], ignore_index=True))
    assert {("school listed", int(y), "TPB") for y in s.loc[s["school_id"] == "TPB", "year"]} <= found(bad)


# --------------------------------------------------------------------------- kindergartens


def test_a_kindergarten_child_beyond_the_trip_limit(kindergarten):
    """F's children ride 16 minutes to KA, over the 15-minute limit of kindergartens."""
    k = kindergarten
    p = send(k, k.pupils, where(k.pupils, village_id=k.vid("F")), "KA")
    bad = k.check(pupils=p, schools=restate(k, p))
    assert ("day trip limit", 2024, f"{k.vid('F')}->KA") in found(bad)
    assert "exceeds the 15-min day limit for preschool" in message(bad, "day trip limit")


def test_kindergarten_classes_over_the_class_cap(kindergarten):
    """KF's added classroom is dropped: F's 3 children of 小班 and 3 of 中班 are two classes
    in one classroom."""
    k = kindergarten
    s = k.schools
    s.loc[where(s, school_id="KF"), ["added_classrooms", "capital_cost_yuan"]] = [0, 0.0]
    bad = k.check(schools=s)
    assert ("class size cap", 2024, "KF") in found(bad)
    assert "6 pupils need 2 classes at the caps but have 1 classrooms" in message(bad, "class size cap")


def test_a_kindergarten_class_cap_of_its_own_year(kindergarten):
    """With a 小班 cap of 10 (the 中班's and 大班's unchanged) A's 20 children of 小班 need
    two classes at KA, which reports one."""
    k = kindergarten
    s = k.schools
    s.loc[where(s, school_id="KA"), "classes"] = 1
    bad = k.check(schools=s, scenario=k.plan.scenario.replace(class_cap_preschool_k1=10))
    assert ("classes reported", 2024, "KA") in found(bad)
    assert "1 classes reported, 2 needed" in message(bad, "classes reported")
    assert ("classes reported", 2024, "KA") not in found(k.check(schools=s))  # one class of 20 at the cap of 25


def test_a_kindergarten_child_boarding(kindergarten):
    """F's children board at KF: kindergartens never board."""
    k = kindergarten
    p = k.pupils
    p.loc[where(p, village_id=k.vid("F")), "mode"] = "boarding"
    bad = k.check(pupils=p, schools=restate(k, p))
    assert ("no boarding", 2024, f"{k.vid('F')}->KF") in found(bad)
    assert set(message(bad, "no boarding", f"{k.vid('F')}->KF").split(" | ")) == {"preschool may not board"}


def test_a_kindergarten_child_on_a_school_bus(kindergarten):
    """F's children are marked as bus riders: kindergartens are not bused."""
    k = kindergarten
    p = k.pupils
    p.loc[where(p, village_id=k.vid("F")), "bused"] = True
    bad = k.check(pupils=p, schools=restate(k, p))
    assert ("bus riders", 2024, f"{k.vid('F')}->KF") in found(bad)


def test_a_town_without_an_open_public_kindergarten(kindergarten):
    """KA, the town's only public kindergarten, is closed (its children moved to KF)."""
    k = kindergarten
    p = send(k, k.pupils, where(k.pupils, village_id=k.vid("A")), "KF")
    s = restate(k, p)
    s.loc[where(s, school_id="KA"), ["status", "classes", "teachers", "running_cost_yuan"]] = ["closed", 0, 0.0, 0.0]
    c = pd.DataFrame([{"school_id": "KA", "name": "KA校", "year": 2024}])
    bad = k.check(pupils=p, schools=s, closures=c.reindex(columns=k.closures.columns))
    assert ("public kindergarten per town", 2024, TOWN_CODE) in found(bad)
    assert message(bad, "public kindergarten per town") == "城关镇 has 0 open public kindergarten(s)"
    assert ("public kindergarten per town", 2024, TOWN_CODE) not in found(k.check())


def test_a_kindergarten_classroom_priced_as_a_school_seat(kindergarten):
    """KF's classroom is costed at the school seat price (30 x 18,000) instead of the
    kindergarten place price (30 x 39,400)."""
    k = kindergarten
    s = k.schools
    s.loc[where(s, school_id="KF"), "capital_cost_yuan"] = 30 * 18_000.0
    bad = k.check(schools=s)
    assert ("capital cost", 2024, "KF") in found(bad)
    assert PRESCHOOL in k.plan.pupils["band"].tolist()


def test_a_moved_kindergarten_left_open_on_its_old_site(moved):
    """KA keeps A's children in 2025 although its new site KN opens that year."""
    k = moved
    p = k.pupils
    p = send(k, p, where(p, village_id=k.vid("A"), year=2025), "KA")
    s = restate(k, p)
    s.loc[where(s, school_id="KA", year=2025), ["status", "classes", "teachers"]] = ["open", 2, 3.0]
    s.loc[where(s, school_id="KN", year=2025), ["classes", "teachers"]] = [0, 0.0]
    bad = k.check(pupils=p, schools=s, closures=k.closures.iloc[0:0])
    assert ("moved site closes", 2025, "KA") in found(bad)
    assert message(bad, "moved site closes") == "KA校 moves to KN校 in 2025 but is open in 2025"
    assert ("moved site closes", 2025, "KA") not in found(k.check())
