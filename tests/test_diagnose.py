"""Why a scenario has no plan: pre-solve checks and the elastic diagnosis name the
villages, schools and towns involved.  Every infeasibility here is confirmed by the
enumeration of :func:`tests.test_model.brute_force`."""

from __future__ import annotations

import pytest

import layout_opt.api
from layout_opt import InfeasibleError
from layout_opt.diagnose import explain_infeasible, presolve_checks
from layout_opt.model.build import build_model
from layout_opt.model.problem import PlanningProblem
from layout_opt.model.solve import ComponentSolution, SolveReport, SolveResult, solve_problem

from .test_model import EXACT, LOWER, S, Tiny, V, grades, thirty_minute_rule, two_teaching_points


def reasons_of(t: Tiny, **changes) -> InfeasibleError:
    with pytest.raises(InfeasibleError) as e:
        t.solve(**changes)
    assert t.brute(**changes) is None, "enumeration finds a plan"
    return e.value


def problem_of(t: Tiny, **changes) -> PlanningProblem:
    sc = EXACT.replace(**changes)
    return PlanningProblem.from_district(t.district, sc, t.travel, demand=t.demand(sc.years))


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
    assert e.details["unreachable"] == [{"year": 2024, "band": "upper_primary", "village_id": t.vid("F")}]
    assert "F村" in e.reasons[0] and "40 min by day or 90 min as boarders" in e.reasons[0]


def test_a_town_without_a_school_that_may_board_is_named(no_solver):
    """The town's only primary stands in an ordinary village (220): it has no beds and
    may not add any."""
    t = Tiny(
        villages=[V("C", grades(junior=(10, 10, 10)), ur=121), V("X", grades(lower=(5, 5, 5), upper=(5, 5, 5)))],
        schools=[S("J", "junior", "C", classrooms=3, beds=60), S("P", "primary", "X", classrooms=6, enrol=120)],
        minutes={("C", "J"): 1, ("X", "P"): 1, ("X", "J"): 10},
        town_kind="town",
    )
    e = reasons_of(t)
    assert e.details["towns_without_boarding"] == [{"town": "城关镇", "level": "primary"}]
    assert len(e.reasons) == 1 and "城关镇" in e.reasons[0] and "boarding primary" in e.reasons[0]


def test_a_town_whose_only_boarding_school_opens_later_is_named(no_solver):
    """The town's only school that may board is a project opening in 2025: in 2024 the
    town has no boarding primary (the model cannot express the rule that year)."""
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
    e = reasons_of(t, years=(2024, 2025))
    assert e.details["towns_without_boarding"] == [{"town": "城关镇", "level": "primary", "year": 2024}]
    assert "2024" in e.reasons[0] and "城关镇" in e.reasons[0]
    presolve_checks(problem_of(t, years=(2025,)))  # from its opening year the project may board


def test_a_closure_target_above_the_candidates_is_named(no_solver):
    e = reasons_of(two_teaching_points(), closure_target=3)
    assert e.details["closure_target"] == {"target": 3, "candidates": 2}
    assert e.reasons == [
        "The closure target is 3 but only 2 schools are closure candidates (teaching points and schools under the small-school threshold)."
    ]


def test_capacity_short_even_at_maximum_expansion_is_named(no_solver):
    """400 primary pupils, one school: 6 classrooms and room for 1 more hold 315."""
    t = Tiny(
        villages=[V("C", grades(lower=(70, 70, 60), upper=(70, 70, 60)), ur=121)],
        schools=[S("CP", "central_primary", "C", classrooms=6, max_added=1)],
        minutes={("C", "CP"): 1},
    )
    e = reasons_of(t)
    assert e.details["capacity"] == [{"year": 2024, "level": "primary", "pupils": 400, "seats": 315}]
    assert "400 primary pupils" in e.reasons[0] and "315 seats" in e.reasons[0]


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
        "Only 1 of the 2 closures asked for can be made without breaking the travel or capacity rules."
    ]
    assert e.details["broken"] == [{"rule": "closure_target", "amount": 1.0}]


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


def test_a_component_stopped_without_a_plan_asks_for_more_time():
    t = two_teaching_points()
    problem = problem_of(t)
    model = build_model(problem)
    stopped = SolveResult(
        status="no_solution",
        objective=float("inf"),
        bound=0.0,
        gap=float("inf"),
        seconds=1.0,
        values=None,
        backend="highs",
    )
    report = SolveReport(
        status="no_solution",
        objective=float("inf"),
        bound=0.0,
        gap=float("inf"),
        seconds=1.0,
        backend="highs",
        components=[ComponentSolution(bands=(0, 1), model=model, result=stopped, stages=[])],
    )
    e = explain_infeasible(problem, report)
    assert isinstance(e, InfeasibleError)
    assert len(e.reasons) == 1 and "time limit" in e.reasons[0] and "allow more time" in e.reasons[0]


def test_the_error_reads_as_a_list_of_reasons():
    e = InfeasibleError(["first cause.", "second cause."], {"k": 1})
    assert isinstance(e, RuntimeError)
    assert str(e) == "No plan satisfies the rules of this scenario:\n  - first cause.\n  - second cause."
    assert e.details == {"k": 1}


def test_a_search_that_missed_an_existing_plan_is_not_called_infeasible():
    """A component reported infeasible although a plan exists (as a search restricted to
    each village's nearest schools could): the elastic copy needs no slack, so the
    explanation says the plan exists instead of blaming the rules."""
    t = Tiny(
        villages=[
            V("C", grades(lower=(20, 20, 20), upper=(20, 20, 20)), ur=121),
            V("X", grades(lower=(46, 40, 40), upper=(40, 40, 40))),
        ],
        schools=[
            S("CP", "central_primary", "C", classrooms=12),
            S("P", "primary", "X", classrooms=6, max_added=5, enrol=200),
        ],
        minutes={("C", "CP"): 1, ("X", "CP"): 15, ("X", "P"): 1, ("C", "P"): 15},
    )
    problem = problem_of(t)
    assert solve_problem(problem, time_limit_s=10).status == "optimal"
    missed = SolveResult(
        status="infeasible",
        objective=float("inf"),
        bound=float("inf"),
        gap=float("inf"),
        seconds=1.0,
        values=None,
        backend="cp-sat",
    )
    report = SolveReport(
        status="infeasible",
        objective=float("inf"),
        bound=float("inf"),
        gap=float("inf"),
        seconds=1.0,
        backend="highs",
        components=[ComponentSolution(bands=(0, 1), model=build_model(problem), result=missed, stages=[])],
    )
    e = explain_infeasible(problem, report)
    assert e.reasons == [
        "A plan for grades 1-3, grades 4-6 exists, but the solver did not find one: its search was limited to the nearest schools of each village or stopped early; allow more time."
    ]
    assert e.details["broken"] == []
