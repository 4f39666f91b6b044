"""Why a scenario has no plan: pre-solve checks and the elastic diagnosis name the
villages, schools and towns involved.  Every infeasibility here is confirmed by the
enumeration of :func:`tests.brute.brute_force`."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import layout_opt.api
from layout_opt import InfeasibleError
from layout_opt.diagnose import explain_infeasible, presolve_checks
from layout_opt.model.mip import SolveResult
from layout_opt.model.problem import PlanningProblem
from layout_opt.model.solve import solve_problem

from .test_model import thirty_minute_rule, two_teaching_points
from .tiny import EXACT, LOWER, UPPER, S, Tiny, V, grades


def reasons_of(t: Tiny, **changes) -> InfeasibleError:
    with pytest.raises(InfeasibleError, match="No plan satisfies the rules of this scenario") as e:
        t.solve(**changes)
    assert t.brute(**changes) is None, "enumeration finds a plan"
    return e.value


def problem_of(t: Tiny, **changes) -> PlanningProblem:
    sc = EXACT.replace(**changes)
    return PlanningProblem.from_district(t.district, sc, t.travel, t.demand(sc.years), None)


@pytest.fixture
def no_solver(monkeypatch):
    """Fail if the scenario reaches the solver: the pre-solve checks must speak first."""

    def refuse(*args, **kwargs):
        raise AssertionError("the solver ran although a pre-solve check should have refused the scenario")

    monkeypatch.setattr(layout_opt.api, "solve_problem", refuse)


# --------------------------------------------------------------------------- pre-solve checks


def test_a_village_no_school_can_take_within_30_minutes_is_named(no_solver):
    t = thirty_minute_rule()
    t.schools = [s for s in t.schools if s.sid != "TPA"]  # A's teaching point is gone: CP is 35 min away
    e = reasons_of(t)
    assert len(e.reasons) == 1
    reason = e.reasons[0]
    assert "A村 (410322100001)" in reason and "grades 1-3" in reason and "30 min" in reason and "2024" in reason
    assert e.details["unreachable"] == [{"year": 2024, "band": LOWER, "village_id": "410322100001"}]
    assert "A村" in str(e)


def test_an_upper_primary_village_beyond_the_boarding_limit_is_named(no_solver):
    t = Tiny(
        villages=[V("C", grades(upper=(10, 10, 10)), ur=121), V("F", grades(upper=(5, 5, 5)))],
        schools=[S("CP", "central_primary", "C", classrooms=6)],
        minutes={("C", "CP"): 1, ("F", "CP"): 95},
    )
    e = reasons_of(t)
    assert e.details["unreachable"] == [{"year": 2024, "band": UPPER, "village_id": t.vid("F")}]
    assert "F村" in e.reasons[0] and "40 min by day or 90 min as boarders" in e.reasons[0]


def test_an_upper_primary_village_whose_boarding_school_has_no_beds_is_named(no_solver):
    """F is 50 minutes from the only primary (beyond the day limit of grades 4-6, within
    the boarding limit), but it has no beds and stands in an ordinary village (220), where
    none may be added: F's pupils have no school."""
    t = Tiny(
        villages=[V("C", grades(upper=(10, 10, 10))), V("F", grades(upper=(5, 5, 5)))],
        schools=[S("CP", "central_primary", "C", classrooms=6)],
        minutes={("C", "CP"): 1, ("F", "CP"): 50},
    )
    e = reasons_of(t)
    assert e.details["unreachable"] == [{"year": 2024, "band": UPPER, "village_id": t.vid("F")}]
    assert "F村" in e.reasons[0] and "40 min by day or 90 min as boarders" in e.reasons[0]


def test_a_village_with_schools_only_in_another_zone_is_told_so(no_solver):
    """A's only school within reach is in the next town: the zone rule is the cause, and
    the reason says that catchments across the district would allow it."""
    t2 = "410322101"
    t = Tiny(
        villages=[V("A", grades(lower=(5, 5, 5))), V("X", grades(), ur=121, town=t2)],
        schools=[S("P", "central_primary", "X", classrooms=6, enrol=150)],
        minutes={("A", "P"): 5, ("X", "P"): 1},
        towns={"410322100": "城关镇", t2: "平乐镇"},
        town_kind="town",
    )
    e = reasons_of(t, boarding_schools_per_town=0)
    assert len(e.reasons) == 1
    assert "in their own catchment zone" in e.reasons[0] and "catchment_zones = 'district'" in e.reasons[0]
    assert t.brute(boarding_schools_per_town=0, catchment_zones="district") is not None


def test_a_town_without_a_school_that_may_board_is_named(no_solver):
    """The town's only primary stands in an ordinary village (220): it has no beds and
    may not add any."""
    t = Tiny(
        villages=[V("C", grades(junior=(10, 10, 10)), ur=121), V("X", grades(lower=(5, 5, 5), upper=(5, 5, 5)))],
        schools=[S("J", "junior", "C", classrooms=3, beds=60), S("P", "primary", "X", classrooms=6, enrol=120)],
        minutes={("C", "J"): 1, ("X", "P"): 1, ("X", "J"): 10},
        town_kind="town",
    )
    e = reasons_of(t, min_boarders=0)
    assert e.details["towns_without_boarding"] == [{"town": "城关镇", "level": "primary"}]
    assert len(e.reasons) == 1 and "城关镇" in e.reasons[0] and "boarding primary" in e.reasons[0]


def test_a_town_whose_only_boarding_school_opens_later_is_named(no_solver):
    """The town's only school that may board is a project opening in 2025: in 2024 the
    town has no boarding primary."""
    t = Tiny(
        villages=[
            V("C", grades(lower=(10, 10, 10), upper=(10, 10, 10), junior=(10, 10, 10)), ur=121),
            V("X", grades(lower=(5, 5, 5), upper=(5, 5, 5))),
        ],
        schools=[
            S("NP", "central_primary", "C", classrooms=6, status="planned", open_year=2025, planned_seats=270),
            S("J", "junior", "C", classrooms=3, beds=60),
            S("P", "primary", "X", classrooms=6, enrol=120),
        ],
        minutes={("C", "NP"): 1, ("C", "J"): 1, ("X", "NP"): 10, ("X", "P"): 1, ("X", "J"): 10, ("C", "P"): 10},
        town_kind="town",
    )
    e = reasons_of(t, years=(2024, 2025), min_boarders=0)
    assert e.details["towns_without_boarding"] == [{"town": "城关镇", "level": "primary", "year": 2024}]
    assert "2024" in e.reasons[0] and "城关镇" in e.reasons[0]
    presolve_checks(problem_of(t, years=(2025,), min_boarders=0))  # from its opening year the project may board


def test_a_closure_target_above_the_candidates_is_named(no_solver):
    e = reasons_of(two_teaching_points(), closure_target=3)
    assert e.details["closure_target"] == {"target": 3, "candidates": 2}
    assert e.reasons == [
        "The closure target is 3 but only 2 schools teaching the planned bands (grades 1-3, grades 4-6, grades 7-9, "
        "grades 10-12) are closure candidates (teaching points and schools under the small-school threshold)."
    ]


def test_candidates_that_teach_no_planned_band_do_not_count_toward_the_target(no_solver):
    """A plan of grades 7-9 only: the two teaching points teach no planned band, so a
    target of one closure cannot be met, and the reason names the planned bands."""
    t = two_teaching_points()
    t.villages[0].pupils = grades(lower=(20, 20, 20), junior=(10, 10, 10))
    t.schools.append(S("J", "junior", "C", classrooms=3, enrol=150))
    t.minutes[("C", "J")] = 1
    e = reasons_of(t, closure_target=1, bands=("junior",))
    assert e.details["closure_target"] == {"target": 1, "candidates": 0}
    assert "(grades 7-9)" in e.reasons[0]


def test_enrolled_pupils_over_the_classrooms_of_a_school_that_stays_are_named(no_solver):
    """120 pupils of grades 2-4 enrolled today at P (a primary that is no candidate and
    may not grow) need 3 classrooms of 45 a grade... P has 2."""
    t = Tiny(
        villages=[V("X", grades(lower=(0, 40, 40), upper=(40, 0, 0)), ur=220)],
        schools=[S("P", "primary", "X", classrooms=2)],
        minutes={("X", "P"): 1},
        attendance=[("X", "P", g, 40, 0) for g in (1, 2, 3)],
    )
    e = reasons_of(t)
    assert len(e.reasons) == 1
    assert e.reasons[0].startswith(
        "In 2024, the pupils enrolled today at P校 (P), who stay until they finish their band"
    )
    assert "need 3 classrooms" in e.reasons[0] and "allow_reassignment" in e.reasons[0]
    assert e.details["capacity"] == [{"year": 2024, "school_id": "P", "classrooms": 3, "have": 2}]


def test_every_cause_is_listed_at_once(no_solver):
    t = thirty_minute_rule()
    t.schools = [s for s in t.schools if s.sid != "TPA"]
    e = reasons_of(t, closure_target=2)
    assert len(e.reasons) == 2
    assert e.details["unreachable"][0]["village_id"] == t.vid("A")
    assert e.details["closure_target"] == {"target": 2, "candidates": 1}


def test_presolve_passes_a_feasible_scenario():
    presolve_checks(problem_of(two_teaching_points(), closure_target=2))


# --------------------------------------------------------------------------- elastic diagnosis


def test_a_closure_target_the_travel_rules_forbid_is_explained():
    """Both teaching points are candidates, but A's pupils have no other school within 30
    minutes: only the solver finds that two closures cannot be made."""
    t = thirty_minute_rule()
    presolve_checks(problem_of(t, closure_target=2))  # nothing visible before solving
    e = reasons_of(t, closure_target=2)
    assert e.reasons == [
        "The rules allow at most 1 closures of teaching points and small schools (each kept school's pupils must "
        "reach another school within the limits, with room for them); the target is 2."
    ]
    assert e.details["closure_target"] == {"target": 2, "most": 1}


def test_as_many_closures_as_possible_on_an_infeasible_scenario_is_explained_in_planners_words():
    """``closure_target = -1`` where A's pupils have no school at all: the reason names the
    village and the limit, not a solver status."""
    t = thirty_minute_rule()
    t.schools = [s for s in t.schools if s.sid != "TPA"]
    e = reasons_of(t, closure_target=-1)
    assert len(e.reasons) == 1 and "A村" in e.reasons[0] and "30 min" in e.reasons[0]


def test_a_school_that_may_not_grow_is_named_with_its_shortage():
    """Village X's primary (220) needs 7 classrooms and has 6; the central primary is out
    of reach; the district as a whole has seats to spare."""
    t = Tiny(
        villages=[
            V("C", grades(lower=(20, 20, 20), upper=(20, 20, 20)), ur=121),
            V("X", grades(lower=(46, 40, 40), upper=(40, 40, 40))),
        ],
        schools=[
            S("CP", "central_primary", "C", classrooms=12),
            S("P", "primary", "X", classrooms=6, max_added=5, enrol=200),
        ],
        minutes={("C", "CP"): 1, ("X", "P"): 1},
    )
    presolve_checks(problem_of(t))
    e = reasons_of(t)
    assert e.reasons == ["In 2024, P校 (P) lacks 1 classroom(s): it has 6 and may add 0."]
    assert e.details["broken"] == [{"rule": "classrooms", "amount": 1.0}]


def test_pupils_who_must_stay_at_a_full_school_are_named_in_the_right_year():
    """B's 60 pupils of grade 3 go to P in 2024; in 2025, in grade 4, they must stay at P
    (it cannot close: B's grade-1 pupils have no other school within 30 minutes), and with
    60 new pupils P would exceed its school-size cap of 100.  The cheapest rule to give is
    that they stay, named in 2025 (the year of the stay, not the group's number)."""
    t = Tiny(
        villages=[V("C", grades(), ur=121), V("B", grades())],
        schools=[S("CP", "central_primary", "C", classrooms=12), S("P", "primary", "B", classrooms=4, enrol=60)],
        minutes={("C", "CP"): 1.0, ("B", "CP"): 35.0, ("B", "P"): 1.0},
        demand_by_year=[{"B": grades(lower=(0, 0, 60))}, {"B": grades(lower=(60, 0, 0), upper=(60, 0, 0))}],
    )
    e = reasons_of(t, years=(2024, 2025), school_cap_primary=100)
    assert e.reasons == ["In 2025, enrolled pupils of B村 cannot stay at P校 (P)."]


def test_a_unit_stopped_without_a_plan_asks_for_more_time():
    t = two_teaching_points()
    report = solve_problem(problem_of(t), time_limit_s=10)
    stopped = SolveResult(
        status="no_solution",
        objective=float("inf"),
        bound=0.0,
        gap=float("inf"),
        seconds=1.0,
        values=None,
        backend="highs",
    )
    report = dataclasses.replace(
        report,
        status="no_solution",
        units=[dataclasses.replace(u, result=stopped) for u in report.units],
    )
    e = explain_infeasible(problem_of(t), report)
    assert isinstance(e, InfeasibleError)
    assert len(e.reasons) == 1 and "time limit" in e.reasons[0] and "allow more time" in e.reasons[0]


def test_the_error_reads_as_a_list_of_reasons():
    e = InfeasibleError(["first cause.", "second cause."], {"k": 1})
    assert isinstance(e, RuntimeError)
    assert str(e) == "No plan satisfies the rules of this scenario:\n  - first cause.\n  - second cause."
    assert e.details == {"k": 1}


def test_infeasible_units_are_the_ones_diagnosed():
    """Two zones (towns), one without room: only its unit's rules are named."""
    t2 = "410322101"
    t = Tiny(
        villages=[
            V("C", grades(lower=(20, 20, 20)), ur=121),
            V("X", grades(lower=(46, 40, 40)), town=t2),
        ],
        schools=[
            S("CP", "central_primary", "C", classrooms=6),
            S("P", "primary", "X", classrooms=3, enrol=150),
        ],
        minutes={("C", "CP"): 1, ("X", "P"): 1},
        towns={"410322100": "城关镇", t2: "平乐镇"},
        town_kind="town",
    )
    report = solve_problem(problem_of(t, boarding_schools_per_town=0, bands=(LOWER,)), time_limit_s=10)
    assert report.status == "infeasible"
    assert [u.result.has_plan for u in report.units] == [True, False]
    e = explain_infeasible(problem_of(t, boarding_schools_per_town=0, bands=(LOWER,)), report)
    assert e.reasons == ["In 2024, P校 (P) lacks 1 classroom(s): it has 3 and may add 0."]
    assert np.isinf(report.objective)
