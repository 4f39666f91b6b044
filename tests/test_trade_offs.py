"""Tiny districts whose optimum flips with one price or one rule: the zones' exact
combination over the closure target, a bus against a bed, reassigning against keeping.

Every plan is compared with the enumeration of :mod:`tests.brute`, which imposes the
catchment zones on the whole district at once (no decomposition), and goes through
:func:`layout_opt.check.check_plan`.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from layout_opt import InfeasibleError
from layout_opt.api import PRICE_GAP

from .tiny import DAY_MIN, ECONOMICS, EXACT, LOWER, UPPER, S, Tiny, V, assert_clean, closed_ids, grades, objective

T1, T2 = "410322101", "410322102"


def two_towns(a1: float = 2.0, b1: float = 3.0, a2: float = 25.0) -> Tiny:
    """Two towns, two catchment zones.  Town 1: central primary CP1 in C1, teaching points
    in A1 and B1, ``a1`` and ``b1`` minutes from CP1.  Town 2: central primary CP2 in C2, a
    teaching point in A2, ``a2`` minutes from CP2.  Every village is 5 minutes from the
    other town's central primary, which the zone rule forbids."""
    return Tiny(
        villages=[
            V("C1", grades(lower=(20, 20, 20)), ur=121, town=T1),
            V("A1", grades(lower=(3, 3, 3)), town=T1),
            V("B1", grades(lower=(4, 4, 4)), town=T1),
            V("C2", grades(lower=(20, 20, 20)), ur=121, town=T2),
            V("A2", grades(lower=(2, 2, 2)), town=T2),
        ],
        schools=[
            S("CP1", "central_primary", "C1", classrooms=6),
            S("TA1", "teaching_point", "A1", classrooms=1, enrol=9),
            S("TB1", "teaching_point", "B1", classrooms=1, enrol=12),
            S("CP2", "central_primary", "C2", classrooms=6),
            S("TA2", "teaching_point", "A2", classrooms=1, enrol=6),
        ],
        minutes={
            ("C1", "CP1"): 1.0,
            ("A1", "CP1"): a1,
            ("B1", "CP1"): b1,
            ("A1", "TA1"): 1.0,
            ("B1", "TB1"): 1.0,
            ("C2", "CP2"): 1.0,
            ("A2", "CP2"): a2,
            ("A2", "TA2"): 1.0,
            ("A2", "CP1"): 5.0,
            ("A1", "CP2"): 5.0,
            ("B1", "CP2"): 5.0,
        },
        town_kind="town",
        towns={T1: "一镇", T2: "二镇"},
    )


#: Zones per town, lower primary only, no town boarding rule (grades 1-3 never board).
ZONED = EXACT.replace(bands=(LOWER,), boarding_schools_per_town=0, catchment_zones="town")


def test_the_knapsack_gives_one_zone_more_closures_than_an_even_share():
    """Target 2: an even share would close one teaching point per town; town 1's two
    closures cost 9 x 1 + 12 x 2 extra pupil-minutes, town 2's one 6 x 24, so both
    closures fall in town 1 (the exact combination of the zones' closure curves)."""
    t = two_towns()
    plan = t.solve(ZONED, closure_target=2)
    assert closed_ids(plan) == {"TA1", "TB1"}
    assert plan.summary["solver"]["status"] == "optimal"
    assert t.brute(ZONED, closure_target=2).cost == pytest.approx(objective(plan), abs=0.01)
    # with the zone rule the pupils of A2 may not ride 5 minutes to CP1 after TA2 closes
    three = t.solve(ZONED, closure_target=3)
    a2 = three.pupils[three.pupils["village_id"] == t.vid("A2")]
    assert set(a2["school_id"]) == {"CP2"}
    assert_clean(t, plan)
    assert_clean(t, three)


def test_without_zones_the_pupils_cross_the_town_line():
    """The same district with ``catchment_zones = "district"``: after TA2 closes, A2's
    pupils ride 5 minutes to the other town's CP1 instead of 25 to CP2."""
    t = two_towns()
    sc = ZONED.replace(catchment_zones="district")
    plan = t.solve(sc, closure_target=3)
    a2 = plan.pupils[plan.pupils["village_id"] == t.vid("A2")]
    assert set(a2["school_id"]) == {"CP1"}
    assert t.brute(sc, closure_target=3).cost == pytest.approx(objective(plan), abs=0.01)
    assert objective(plan) < objective(t.solve(ZONED, closure_target=3))
    assert_clean(t, plan)


def test_the_zone_price_is_what_crossing_the_town_line_saves():
    """With the price asked for, the zoned plan reports what the zone rule costs: A2's 6
    pupils ride 25 minutes to CP2 instead of 5 to CP1 once TA2 closes, 6 x 20 pupil-
    minutes (the enumerations of both scenarios agree), within the price's own gap."""
    t = two_towns()
    plan = t.solve(ZONED, closure_target=3, price_zone_rule=True)
    price = plan.summary["zone_rule"]
    zoned = t.brute(ZONED, closure_target=3).cost
    free = t.brute(ZONED.replace(catchment_zones="district"), closure_target=3).cost
    assert zoned - free == pytest.approx(6 * 20 * DAY_MIN)
    assert price["zoned_objective_yuan"] == pytest.approx(zoned, abs=0.01)
    tolerance = PRICE_GAP * zoned
    assert price["price_at_least_yuan"] == pytest.approx(zoned - free, abs=tolerance)
    assert price["price_at_least_yuan"] <= price["price_at_most_yuan"] + 0.01
    assert price["price_at_most_yuan"] == pytest.approx(zoned - free, abs=tolerance)


@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(
    a1=st.sampled_from([2.0, 12.0, 29.0, 40.0]),
    b1=st.sampled_from([3.0, 20.0, 35.0]),
    a2=st.sampled_from([4.0, 25.0, 31.0]),
    target=st.integers(0, 3),
)
def test_the_zoned_decomposition_equals_the_enumeration_of_the_whole_district(a1, b1, a2, target):
    """Zone by zone and combined over the target, the solve finds the optimum that the
    enumeration of every plan of the whole district (zone rule imposed) finds; where the
    enumeration finds no plan (a trip over 30 minutes after a forced closure), the solve
    says the scenario is infeasible."""
    t = two_towns(a1, b1, a2)
    brute = t.brute(ZONED, closure_target=target)
    try:
        plan = t.solve(ZONED, closure_target=target)
    except InfeasibleError:
        assert brute is None
        return
    assert brute is not None
    assert plan.summary["solver"]["status"] == "optimal"
    assert objective(plan) == pytest.approx(brute.cost, rel=1e-6, abs=0.01)
    assert plan.summary["solver"]["bound_yuan"] <= brute.cost + 0.01
    assert_clean(t, plan)


# --------------------------------------------------------------------------- a bus against a bed


def far_village(km: float = 10.0) -> Tiny:
    """Village A, 20 minutes and ``km`` km from the central primary CP (which has beds), has
    ten pupils in grades 4-6: within the 40-minute day limit of grades 4-6, so they may
    ride a school bus by day or board (boarding from 3 km)."""
    return Tiny(
        villages=[V("C", grades(upper=(20, 20, 20)), ur=121), V("A", grades(upper=(4, 3, 3)))],
        schools=[S("CP", "central_primary", "C", classrooms=6, beds=60)],
        minutes={("C", "CP"): 1.0, ("A", "CP"): 20.0},
        km={("A", "CP"): km},
    )


BUS_OR_BED = ECONOMICS.replace(bands=(UPPER,), boarding_schools_per_town=0, school_cost_yuan_per_year=0.0)


def test_a_bus_dearer_than_a_bed_makes_pupils_board_within_the_day_limit():
    """With the policy's prices one bus (about 153,000 yuan a year) for ten pupils costs
    more than boarding them (2,000 yuan a year each, in beds that exist): A's pupils board,
    although their trip is within the day limit."""
    t = far_village()
    plan = t.solve(BUS_OR_BED)
    a = plan.pupils[plan.pupils["village_id"] == t.vid("A")]
    assert set(a["mode"]) == {"boarding"}
    assert plan.summary["pupils"]["2024"]["boarding"] == 10
    assert t.brute(BUS_OR_BED).cost == pytest.approx(objective(plan), abs=0.01)
    assert_clean(t, plan)


def test_a_cheap_bus_keeps_them_at_home():
    """The same village with a bus at a tenth of the price: they ride by day."""
    t = far_village()
    sc = BUS_OR_BED.replace(
        bus_price_yuan=50_000.0,
        bus_driver_yuan_per_year=6_000.0,
        bus_attendant_yuan_per_year=4_000.0,
        bus_upkeep_yuan_per_year=2_000.0,
        bus_cost_yuan_per_km=0.3,
    )
    plan = t.solve(sc)
    a = plan.pupils[plan.pupils["village_id"] == t.vid("A")]
    assert set(a["mode"]) == {"day"} and a["bused"].all()
    assert t.brute(sc).cost == pytest.approx(objective(plan), abs=0.01)
    assert_clean(t, plan)


def test_pupils_nearer_than_the_boarding_distance_never_board():
    """At 2 km (below ``boarding_min_km`` = 3, and within walking distance) boarding is not
    a choice: the pupils walk by day whatever a bed costs."""
    t = far_village(km=2.0)
    plan = t.solve(BUS_OR_BED)
    a = plan.pupils[plan.pupils["village_id"] == t.vid("A")]
    assert set(a["mode"]) == {"day"} and not a["bused"].any()
    assert_clean(t, plan)


# --------------------------------------------------------------------------- reassigning against keeping


def enrolled_far_away() -> Tiny:
    """Village A's ten grade-2 pupils attend CP2 today, 25 minutes away, although CP1 (A's
    catchment) is 5 minutes away; both schools stay open (they teach their host villages)."""
    return Tiny(
        villages=[
            V("C1", grades(lower=(0, 30, 0)), ur=121),
            V("C2", grades(lower=(0, 30, 0)), ur=121),
            V("A", grades(lower=(0, 10, 0))),
        ],
        schools=[
            S("CP1", "central_primary", "C1", classrooms=6),
            S("CP2", "central_primary", "C2", classrooms=6),
        ],
        minutes={("C1", "CP1"): 1.0, ("C2", "CP2"): 1.0, ("A", "CP1"): 5.0, ("A", "CP2"): 25.0},
        attendance=[("C1", "CP1", 1, 30, 0), ("C2", "CP2", 1, 30, 0), ("A", "CP2", 1, 10, 0)],
        town_kind="town",
    )


KEEP_OR_MOVE = EXACT.replace(bands=(LOWER,), boarding_schools_per_town=0, small_school_pupils=10)


@pytest.mark.parametrize(
    "allow, price, where",
    [
        (False, 0.0, "CP2"),  # the stay rule: enrolled pupils stay
        # 20 minutes less a trip, twice a day, 190 days, 10 yuan an hour, 10 appraisal years:
        # 12,667 yuan a pupil
        (True, 3_000.0, "CP1"),
        (True, 15_000.0, "CP2"),  # dearer than the time saved: they stay
    ],
)
def test_reassigning_enrolled_pupils_against_keeping_them(allow, price, where):
    t = enrolled_far_away()
    sc = KEEP_OR_MOVE.replace(allow_reassignment=allow, reassignment_cost_yuan_per_pupil=price)
    plan = t.solve(sc)
    a = plan.pupils[plan.pupils["village_id"] == t.vid("A")]
    assert set(a["school_id"]) == {where}
    moved = plan.moves[plan.moves["reason"] == "reassignment"]["pupils"].sum()
    assert moved == (10 if where == "CP1" else 0)
    assert t.brute(sc).cost == pytest.approx(objective(plan), abs=0.01)
    assert_clean(t, plan)


def _problem(t, sc):
    """The arrays of a tiny district under ``sc``, with its enrolment."""
    from layout_opt.model.problem import PlanningProblem

    return PlanningProblem.from_district(t.district, sc, t.travel, t.demand(sc.years), t.district.enrolment)


def _alter_town_2(monkeypatch, problem, **fields):
    """Make every solve of town 2's unit (the one holding ``CP2``) report ``fields``
    instead of its own status, bound, plan..., as a solve stopped at its time limit would."""
    import dataclasses

    from layout_opt.model import solve as solve_module

    real = solve_module.solve_unit_model

    def altered(model, *args, **kwargs):
        r = real(model, *args, **kwargs)
        if "CP2" in {problem.school_ids[s] for s in model.unit.schools} and r.has_plan:
            r = dataclasses.replace(r, **fields)
        return r

    monkeypatch.setattr(solve_module, "solve_unit_model", altered)


def test_a_unit_stopped_without_a_bound_leaves_the_plan_unproven(monkeypatch):
    """When one unit's solve stops with a plan but no bound (a time limit), its plan's
    cost may choose the closure counts, but the whole plan then has no proven bound: it is
    "feasible" with an infinite gap, never "optimal"."""
    import numpy as np

    from layout_opt.model import solve as solve_module

    t = two_towns()
    sc = ZONED.replace(closure_target=2)
    problem = _problem(t, sc)
    proven = solve_module.solve_problem(problem)
    assert proven.status == "optimal" and np.isfinite(proven.bound)
    _alter_town_2(monkeypatch, problem, status="feasible", bound=-np.inf, gap=np.inf)
    report = solve_module.solve_problem(problem)
    assert report.objective == pytest.approx(proven.objective)
    assert (report.status, report.bound, report.gap) == ("feasible", -np.inf, np.inf)


def test_a_unit_whose_model_is_unchanged_keeps_its_plan(monkeypatch):
    """``known`` unit plans are reused only where the unit's model is the same, array for
    array: solving the same problem again calls no solver, and a problem with another
    school cost solves every unit anew (and finds its own optimum)."""
    from layout_opt.model import solve as solve_module

    t = two_towns()
    sc = ZONED.replace(closure_target=0)  # every unit at its own optimum: one model each
    problem = _problem(t, sc)
    first = solve_module.solve_problem(problem)
    calls: list[int] = []
    real = solve_module.solve_unit_model

    def counted(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(solve_module, "solve_unit_model", counted)
    again = solve_module.solve_problem(problem, known=first.units)
    assert calls == []
    assert (again.status, again.objective, again.bound) == (first.status, first.objective, first.bound)

    dearer = sc.replace(school_cost_yuan_per_year=150_000.0)
    other = _problem(t, dearer)
    reused = solve_module.solve_problem(other, known=first.units)
    assert len(calls) == len(first.units)
    monkeypatch.setattr(solve_module, "solve_unit_model", real)
    assert reused.objective == pytest.approx(solve_module.solve_problem(other).objective)
    assert reused.objective > first.objective


def test_a_unit_stopped_without_any_plan_is_not_called_infeasible(monkeypatch):
    """A unit solve that stops at its time limit with no plan at all: the whole solve is
    ``no_solution`` (nothing proven), not ``infeasible``, and ``lo.solve`` raises
    :class:`SolverStoppedError` naming the unit, not an explanation of broken rules."""
    import numpy as np

    from layout_opt import SolverStoppedError
    from layout_opt.model import solve as solve_module

    t = two_towns()
    sc = ZONED.replace(closure_target=0)
    problem = _problem(t, sc)
    _alter_town_2(monkeypatch, problem, status="no_solution", objective=np.inf, values=None, gap=np.inf)
    report = solve_module.solve_problem(problem)
    assert (report.status, report.objective, report.bound) == ("no_solution", np.inf, -np.inf)
    with pytest.raises(SolverStoppedError, match=r"1 unit\(s\): 二镇 \[lower_primary") as err:
        t.solve(sc)
    assert err.value.time_limit_s == sc.time_limit_s


def test_a_zoned_plan_is_a_feasible_start_of_the_district_model():
    """The zone price starts the district-wide model from the zoned plan: mapped onto the
    district's units (``PlanState.values_for``), with each bus fleet and teacher count
    set to what the plan needs (pupils per teacher and the teachers-per-class floor), it
    breaks no row and costs what the zoned plan costs."""
    import numpy as np

    from layout_opt.model.build import build_model
    from layout_opt.model.positions import Positions, split_units
    from layout_opt.model.solve import PlanState, solve_problem

    t = two_towns()
    sc = ZONED.replace(closure_target=2)
    zoned_problem = _problem(t, sc)
    zoned = solve_problem(zoned_problem)
    state = PlanState.from_report(zoned_problem, zoned)
    free = _problem(t, sc.replace(catchment_zones="district"))
    positions = Positions(free)
    cost = 0.0
    for unit in split_units(positions):
        model = build_model(free, positions, unit)
        start = state.values_for(model, positions)
        activity = model.A @ start
        assert (activity >= model.row_lo - 1e-6).all() and (activity <= model.row_hi + 1e-6).all()
        assert (start >= model.lb - 1e-9).all() and (start <= model.ub + 1e-9).all()
        assert np.allclose(start[model.integer], np.round(start[model.integer]))
        cost += float(model.c @ start + model.objective_offset)
    assert cost == pytest.approx(zoned.objective, rel=1e-9)
    # a unit above start_only_above keeps that plan unsolved: a plan, but nothing proven
    kept = solve_problem(free, start=state, start_only_above=0, closure_target=2)
    assert (kept.status, kept.bound) == ("feasible", -np.inf)
    assert kept.objective == pytest.approx(zoned.objective, rel=1e-9)
    solved = solve_problem(free, start=state, closure_target=2)
    assert solved.status == "optimal" and solved.objective <= zoned.objective + 1e-6
