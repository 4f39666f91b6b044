"""The bundled 2024-2026 plan under the policy defaults, bounded from both sides.

Recorded from ``layout-opt plan --data data --scenario scenarios/default.toml`` on the data
with kindergartens: the best plan found, objective 6,399,853,954.89 yuan (since the
class-cut rows were thinned; before, 6,399,875,034.24), and the best proven bound,
6,399,581,251.08 yuan (that earlier run's; the later run proved 6,399,558,424.54).  Each
unit is solved to a relative gap of 1e-4 (``UNIT_GAP``), so another run, or another
machine, may return any plan whose objective lies between the proven bound and
the bound plus that gap; an objective below the recorded bound would be a plan cheaper
than proven possible (a rule lost), one above the margin a weaker solve.
"""

from __future__ import annotations

from layout_opt.model.solve import UNIT_GAP

RECORDED_BOUND_YUAN = 6_399_581_251.08
RECORDED_OBJECTIVE_YUAN = 6_399_853_954.89


def test_the_bundled_plan_lies_between_the_proven_bound_and_the_gap_above_it(mengjin_plan):
    solver = mengjin_plan.summary["solver"]
    assert solver["status"] == "optimal"
    objective = solver["objective_yuan"]
    assert RECORDED_BOUND_YUAN - 1.0 <= objective <= RECORDED_BOUND_YUAN * (1 + UNIT_GAP)
    assert solver["bound_yuan"] <= objective <= solver["bound_yuan"] * (1 + UNIT_GAP) + 1.0
    assert RECORDED_BOUND_YUAN <= RECORDED_OBJECTIVE_YUAN <= RECORDED_BOUND_YUAN * (1 + UNIT_GAP)
    assert mengjin_plan.summary["costs_yuan"]["objective"] == objective
    assert mengjin_plan.check().empty


def test_the_bundled_plan_keeps_the_policy_targets(mengjin_plan):
    """Closures at least the target; every pupil placed; the enrolled pupils of 2024 move
    only for a closure, a grade their school does not teach, or a rule."""
    s = mengjin_plan.summary
    assert s["closures"]["small_schools"] >= s["closures"]["target"] == 70
    assert s["unserved_pupils"] == 0
    assert s["moves"]["2024"]["reassignment"] == 0
    assert s["check"]["violations"] == 0


def test_the_bundled_plan_places_the_kindergarten_children_near_home(mengjin_plan):
    """The preschool band is planned: every child of 小班-大班 is placed by day within 15
    minutes, on no bus; 区直二幼 and 朝阳镇中心幼儿园 close the year their new sites open."""
    p = mengjin_plan.pupils
    kg = p[p["band"] == "preschool"]
    assert kg["pupils"].sum() > 0 and set(kg["mode"]) == {"day"} and not kg["bused"].any()
    assert kg["travel_min"].max() <= 15.0
    s = mengjin_plan.schools.set_index(["name", "year"])["status"]
    assert [s[("区直二幼", y)] for y in (2024, 2025, 2026)] == ["open", "closed", "closed"]
    assert [s[("朝阳镇中心幼儿园", y)] for y in (2024, 2025, 2026)] == ["open", "open", "closed"]
    assert s[("区直二幼(新址)", 2025)] == "new" and s[("朝阳镇中心幼儿园(新址)", 2026)] == "new"
