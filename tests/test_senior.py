"""Senior high schools move into the main urban area (高中向城区集中)."""

from __future__ import annotations

import dataclasses

import pytest

from layout_opt.check import check_plan

pytestmark = pytest.mark.slow


def test_no_senior_pupil_outside_main_urban_area_by_2026(mengjin, mengjin_plan):
    scen = mengjin_plan.scenario
    schools = mengjin.schools.set_index("school_id")
    a = mengjin_plan.assignments
    seniors = a[(a["band"] == "senior") & (a["year"] >= scen.senior_relocation_year)]
    assert len(seniors) > 0
    assert schools.loc[seniors["school_id"], "ur_code"].isin(scen.senior_urban_ur_codes).all()


def test_outside_high_schools_close_and_their_pupils_are_received(mengjin, mengjin_plan):
    closed = mengjin_plan.closures.set_index("name")
    for name in ("孟津二高", "老城高中", "平乐高中"):
        assert name in closed.index
        assert closed.loc[name, "year"] <= mengjin_plan.scenario.senior_relocation_year
        receivers = closed.loc[name, "receiving_school_ids"].split(";")
        kinds = mengjin.schools.set_index("school_id").loc[receivers, ["kind", "ur_code"]]
        assert (kinds["kind"] == "high").all() and kinds["ur_code"].isin([111, 112]).all()


def test_check_flags_a_senior_left_outside(mengjin, mengjin_plan):
    schools = mengjin.schools.set_index("school_id")
    outside = schools[(schools["kind"] == "high") & ~schools["ur_code"].isin([111, 112])].index[0]
    # the pupils table is what check reads first; the assignments table follows it
    p = mengjin_plan.pupils.copy()
    row = p[(p["grade"] >= 10) & (p["year"] == 2026)].index[0]
    p.loc[row, "school_id"] = outside
    broken = dataclasses.replace(mengjin_plan, pupils=p)
    v = check_plan(broken, mengjin, mengjin_plan.scenario, mengjin_plan.travel, mengjin_plan.demand)
    assert (v["rule"] == "senior in main urban area").any()
    assert outside in set(v.loc[v["rule"] == "senior in main urban area", "record"])


def test_bundled_plan_keeps_every_rule(mengjin_plan):
    assert mengjin_plan.check().empty
    s = mengjin_plan.summary
    assert s["closures"]["total"] >= 70
    assert s["unserved_pupils"] == 0
    assert s["solver"]["gap"] is not None and s["solver"]["gap"] < 0.05
