"""The plan report: tables add up, the policy comparison states the right differences,
stranded seats follow their definition, the workbook and the HTML are what the bureau gets.

Most tests use one small synthetic plan (two towns and an urban subdistrict, two years)
built so that every part of the report has something to show: primary demand grows 25 %
in the second year (classrooms are added), day limits are short enough that grades 4-9
board (beds are added), two teaching points close, a planned primary opens in 2025, and
the two high schools carry the policy's names, one of them outside the main urban area
of the scenario (so it must close in 2025 and send its pupils to the other).
"""

from __future__ import annotations

import base64
import dataclasses
import functools
import io
import re
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point

import layout_opt as lo
from layout_opt import report
from layout_opt.demand import Forecast
from layout_opt.district import District
from layout_opt.examples import synthetic_district
from layout_opt.io import read_policy
from layout_opt.schema import GRADE_COLUMNS

YEARS = (2024, 2025)
CJK = re.compile(r"[\u4e00-\u9fff]")
#: Mengjin's policy targets (70 closures, 5,540 compulsory seats, the senior relocation).
POLICY = read_policy(Path(__file__).resolve().parent.parent / "data")


@functools.lru_cache(maxsize=1)
def build_plan() -> lo.Plan:
    """The synthetic plan described in the module docstring (cached: plans are frozen)."""
    d = synthetic_district(n_towns=2, villages_per_town=6, seed=2)
    s = d.schools.copy()
    seat = s[s["school_id"] == "S0000"].iloc[0]
    new = seat.copy()
    new["school_id"], new["name"], new["status"] = "S0099", "新城小学", "planned"
    new["open_year"], new["planned_seats"], new["classrooms"] = 2025, 450, 10
    new["beds"], new["max_added_classrooms"], new["classes"] = 0, 0, 0
    for g in GRADE_COLUMNS:
        new[g] = 0
    new["geometry"] = Point(seat.geometry.x + 300.0, seat.geometry.y + 200.0)
    s = gpd.GeoDataFrame(pd.concat([s, new.to_frame().T], ignore_index=True), geometry="geometry", crs=d.crs)
    # 孟津二高 on the urban fringe (112), outside the "main urban area" of this scenario (111)
    host = s.loc[s["school_id"] == "S0012", "village_id"].iloc[0]
    s.loc[s["village_id"] == host, "ur_code"] = 112
    s.loc[s["school_id"] == "S0012", "name"] = "孟津二高"
    s.loc[s["school_id"] == "S0013", "name"] = "孟津一高"
    v = d.villages.copy()
    v.loc[v["village_id"] == host, "ur_code"] = 112
    district = District.from_frames(
        v, s, d.roads, d.towns, d.boundary, base_year=d.base_year, name="测试区", policy=POLICY
    )
    base = district.villages[list(GRADE_COLUMNS)].to_numpy(np.int64)
    grown = base.copy()
    grown[:, :6] = np.round(grown[:, :6] * 1.25).astype(np.int64)
    scenario = lo.Scenario(
        name="测试",
        years=YEARS,
        closure_target=2,
        time_limit_s=20,
        day_limit_upper_primary_min=6,
        day_limit_junior_min=8,
        senior_relocation_year=2025,
        senior_urban_ur_codes=(111,),
    )
    return lo.solve(district, scenario, demand=np.stack([base, grown]))


def horizon_forecast(plan: lo.Plan, factor: float) -> Forecast:
    """A forecast equal to the base-year table every year, times ``factor`` in the horizon year."""
    v = plan.district.villages
    base = v[list(GRADE_COLUMNS)].to_numpy(np.int64)
    years = np.arange(plan.district.base_year, plan.scenario.horizon_year + 1)
    pupils = np.repeat(base[None], len(years), axis=0)
    pupils[-1] = np.round(base * factor).astype(np.int64)
    return Forecast(
        years=years, village_ids=v["village_id"].astype(str).to_numpy(), pupils=pupils, expected=pupils.astype(float)
    )


POLICY_PROJECTS = pd.DataFrame(
    {
        "project": ["新城小学", "T001镇中心小学扩建", "不在数据中"],
        "school_id": ["S0099", "S0002", "S9999"],
        "type": ["new", "expansion", "expansion"],
        "seats": [450, 300, 100],
        "policy_text": ["", "", ""],
    }
)


@pytest.fixture(scope="module")
def plan() -> lo.Plan:
    return build_plan()


@pytest.fixture(scope="module")
def tables(plan) -> dict[str, pd.DataFrame]:
    return report.report_tables(plan, POLICY_PROJECTS, forecast=horizon_forecast(plan, 0.5))


def test_the_fixture_exercises_every_part(plan):
    s = plan.summary
    assert s["added"]["classrooms"] > 0 and s["added"]["beds"] > 0
    assert s["pupils"][str(YEARS[-1])]["boarding"] > 0
    assert (plan.schools["status"] == "new").any()
    assert {"S0009", "S0010", "S0012"} <= set(
        plan.closures["school_id"]
    )  # two teaching points and the relocated high school
    assert plan.check().empty


def test_tables_have_the_documented_columns(tables):
    assert list(tables) == ["additions", "towns", "policy", "projects", "stranded", "senior", "kindergartens"]
    assert list(tables["kindergartens"].columns) == report.KINDERGARTEN_TOWN_COLUMNS
    assert list(tables["additions"].columns) == report.ADDITION_COLUMNS
    assert list(tables["towns"].columns) == report.TOWN_COLUMNS
    assert list(tables["policy"].columns) == report.POLICY_COLUMNS
    assert list(tables["projects"].columns) == report.PROJECT_COLUMNS
    assert list(tables["stranded"].columns) == report.STRANDED_COLUMNS
    senior = tables["senior"]
    for col in (
        "school_id",
        "name",
        "plan_outcome",
        "plan_destinations",
        "policy_action",
        "policy_destination",
        "agrees",
        "note",
    ):
        assert col in senior.columns
    for y in YEARS:
        assert f"status_{y}" in senior.columns and f"enrolment_{y}" in senior.columns


def test_additions_add_up_to_the_plan_summary(plan, tables):
    add = tables["additions"]
    s = plan.summary
    assert int(add["classrooms_built"].sum()) == s["added"]["classrooms"]
    assert int(add["seats_built"].sum()) == s["added"]["seats"]
    assert int(add["beds_built"].sum()) == s["added"]["beds"]
    assert add["cost_yuan"].sum() == pytest.approx(s["costs_yuan"]["capital"])
    assert add["new_school_cost_yuan"].sum() == pytest.approx(s["costs_yuan"]["planned_projects"])
    # the new school appears once, in its opening year, with its seats
    new = add[add["new_school_seats"] > 0]
    assert new[["school_id", "year", "new_school_seats"]].values.tolist() == [["S0099", 2025, 450]]
    # per school, the year's builds add up to the cumulative columns of schools.csv
    last = plan.schools[plan.schools["year"] == YEARS[-1]].set_index("school_id")
    for sid, grp in add.groupby("school_id"):
        assert grp["classrooms_built"].sum() == last.loc[sid, "added_classrooms"]
        assert grp["beds_built"].sum() == last.loc[sid, "added_beds"]
        assert grp["added_classrooms"].iloc[-1] == last.loc[sid, "added_classrooms"] or grp["year"].iloc[-1] < YEARS[-1]
    # nothing built, nothing listed
    assert ((add["classrooms_built"] != 0) | (add["beds_built"] != 0) | (add["new_school_seats"] > 0)).all()


def test_towns_sum_to_the_district(plan, tables):
    towns = tables["towns"]
    for y in YEARS:
        t = towns[towns["year"] == y]
        a = plan.assignments[plan.assignments["year"] == y]
        sy = plan.schools[plan.schools["year"] == y]
        assert int(t["pupils"].sum()) == int(a["pupils"].sum())
        assert int(t["boarders"].sum()) == plan.summary["pupils"][str(y)]["boarding"]
        assert int(t["day_pupils"].sum()) == plan.summary["pupils"][str(y)]["day"]
        assert int(t["schools_open"].sum()) == int(sy["status"].isin(["open", "new"]).sum())
        assert int(t["added_classrooms"].sum()) == int(sy["added_classrooms"].sum())
        assert t["capital_cost_yuan"].sum() == pytest.approx(sy["capital_cost_yuan"].sum())
        assert int(t["closed_this_year"].sum()) == int((plan.closures["year"] == y).sum())
    last = towns[towns["year"] == YEARS[-1]].set_index("town")
    assert int(last["schools_closed"].sum()) == len(plan.closures)
    assert last.loc["城区街道", "boarding_rule_met"] is None  # a subdistrict: the rule names towns
    assert last.loc["T000镇", "boarding_rule_met"] is True and last.loc["T001镇", "boarding_rule_met"] is True
    assert int(last.loc["T000镇", "new_school_seats"]) == 450


def _expected_compulsory(plan) -> tuple[int, int]:
    last = plan.schools[plan.schools["year"] == YEARS[-1]]
    comp = last[last["kind"].isin(report.COMPULSORY_KINDS)]
    expansion = int(comp["added_seats"].sum())
    opened = comp[comp["status"] == "new"]["school_id"]
    new = int(plan.district.schools.set_index("school_id").loc[list(opened), "planned_seats"].sum())
    return expansion, new


def test_policy_comparison_states_the_differences(plan, tables):
    pol = tables["policy"].set_index("item")
    assert list(pol.index) == [
        "closures",
        "compulsory_seats",
        "compulsory_seats_new_schools",
        "compulsory_seats_expansion",
        "compulsory_seat_cost_yuan",
        "compulsory_build_yuan",
        "boarding_towns",
        "boarding_schools",
    ]
    n = plan.summary["closures"]["small_schools"]  # the high school relocated is not a small school
    assert n == len(plan.closures) - 1
    assert pol.loc["closures", ["policy", "plan", "difference"]].tolist() == [70, n, n - 70]
    assert f"少{70 - n}所" in pol.loc["closures", "note"] and "另有高中迁并1所, 不计入" in pol.loc["closures", "note"]
    # the seat rows speak of seats only
    assert "撤并" not in pol.loc["compulsory_seats_expansion", "note"]
    assert "方案撤并" not in pol.loc["compulsory_seat_cost_yuan", "note"]
    expansion, new = _expected_compulsory(plan)
    assert new == 450
    assert pol.loc["compulsory_seats", ["policy", "plan", "difference"]].tolist() == [
        5540,
        expansion + new,
        expansion + new - 5540,
    ]
    assert f"少新增义务教育学位{5540 - expansion - new:,}个" in pol.loc["compulsory_seats", "note"]
    assert "不是同口径" in pol.loc["compulsory_seats", "note"]  # fewer closures than the policy: not like for like
    assert pol.loc["compulsory_seats_new_schools", ["policy", "plan"]].tolist() == [450, 450]
    assert pol.loc["compulsory_seats_expansion", ["policy", "plan"]].tolist() == [5540 - 450, expansion]
    sc = plan.scenario
    policy_cost = 450 * sc.cost_per_new_school_seat_yuan + (5540 - 450) * sc.cost_per_added_seat_yuan
    plan_cost = new * sc.cost_per_new_school_seat_yuan + expansion * sc.cost_per_added_seat_yuan
    assert pol.loc["compulsory_seat_cost_yuan", "policy"] == pytest.approx(policy_cost)
    assert pol.loc["compulsory_seat_cost_yuan", "plan"] == pytest.approx(plan_cost)
    assert f"方案学位投资少{(policy_cost - plan_cost) / 1e4:,.1f}万元" in pol.loc["compulsory_seat_cost_yuan", "note"]
    assert pol.loc["compulsory_build_yuan", "policy"] == 327_000_000
    assert pol.loc["boarding_towns", ["policy", "plan"]].tolist() == [2, 2]
    last = plan.schools[(plan.schools["year"] == YEARS[-1]) & plan.schools["status"].isin(["open", "new"])]
    using = int((last["kind"].isin(report.COMPULSORY_KINDS) & (last["boarding_pupils"] > 0)).sum())
    assert pol.loc["boarding_schools", ["policy", "plan"]].tolist() == [34, using]


def test_policy_note_for_the_same_closures(plan):
    n = plan.summary["closures"]["small_schools"]
    expansion, new = _expected_compulsory(plan)
    policy = dataclasses.replace(POLICY, closures=n, compulsory_seats=expansion + new + 123)
    pol = report.policy_table(plan, POLICY_PROJECTS, policy).set_index("item")
    note = pol.loc["compulsory_seats", "note"]
    assert note == "方案少新增义务教育学位123个(少2%)" or (
        "少新增义务教育学位123个" in note and "不是同口径" not in note
    )
    assert pol.loc["closures", "difference"] == 0
    policy = dataclasses.replace(policy, compulsory_seats=expansion + new - 7)
    assert (
        "多新增义务教育学位7个"
        in report.policy_table(plan, None, policy).set_index("item").loc["compulsory_seats", "note"]
    )


def test_policy_targets_are_data(plan):
    """Another district's targets give another comparison; the end year is said when it differs."""
    other = dataclasses.replace(
        POLICY, closures=1, compulsory_build_yuan=2.5e8, compulsory_build_covers="", end_year=2030
    )
    pol = report.policy_table(plan, POLICY_PROJECTS, other).set_index("item")
    n = plan.summary["closures"]["small_schools"]
    assert pol.loc["closures", ["policy", "plan", "difference"]].tolist() == [1, n, n - 1]
    assert "政策目标按2030年计, 方案末年为2025年" in pol.loc["closures", "note"]
    assert pol.loc["compulsory_build_yuan", "policy"] == 2.5e8
    assert "政策概算2.50亿元仅作量级参考" in pol.loc["compulsory_build_yuan", "note"]
    # the district's own targets are the default
    assert report.policy_table(plan, POLICY_PROJECTS).equals(report.policy_table(plan, POLICY_PROJECTS, POLICY))


def test_a_district_without_targets_gets_no_policy_comparison(plan):
    bare = dataclasses.replace(plan, district=dataclasses.replace(plan.district, policy=None))
    assert report.policy_table(bare, POLICY_PROJECTS).empty
    senior = report.senior_table(bare).set_index("name")
    assert (senior["policy_action"] == "").all() and senior["agrees"].isna().all() and (senior["note"] == "").all()
    sheets = report.workbook_sheets(bare, POLICY_PROJECTS, forecast=horizon_forecast(bare, 0.5))
    assert report.SHEET_NAMES["policy"] not in sheets and report.SHEET_NAMES["senior"] in sheets


def test_projects_compare_policy_and_plan_seats(plan, tables):
    p = tables["projects"].set_index("school_id")
    assert p.loc["S0099", ["policy_seats", "plan_seats", "difference", "plan_status"]].tolist() == [450, 450, 0, "new"]
    assert p.loc["S0099", "plan_open_year"] == 2025
    added = int(plan.schools.query("year == @YEARS[-1] and school_id == 'S0002'")["added_seats"].iloc[0])
    assert p.loc["S0002", ["policy_seats", "plan_seats", "difference"]].tolist() == [300, added, added - 300]
    assert p.loc["S9999", "note"] == "数据中没有这所学校"
    # without a policy table, the district's planned projects stand in
    alone = report.projects_table(plan, None)
    assert alone[["school_id", "policy_seats", "plan_seats"]].values.tolist() == [["S0099", 450, 450]]


def test_stranded_seats_follow_the_definition(plan, tables):
    st = tables["stranded"]
    assert (st["stranded_seats"] >= 0).all()
    assert (st["stranded_seats"] <= st["added_seats"]).all()
    assert (st["stranded_seats"] <= st["empty_seats_horizon"]).all()
    assert (st["horizon_year"] == plan.scenario.horizon_year).all()
    last = plan.schools[plan.schools["year"] == YEARS[-1]]
    adders = set(last.loc[(last["added_seats"] > 0) & last["status"].isin(["open", "new"]), "school_id"]) | {"S0099"}
    assert set(st["school_id"]) == adders
    # recompute one school by hand: horizon pupils are half the base-year pupils of its catchment
    row = st.set_index("school_id").loc["S0099"]
    a = plan.assignments[(plan.assignments["year"] == YEARS[-1]) & (plan.assignments["school_id"] == "S0099")]
    v = plan.district.villages.set_index("village_id")
    cols = {"lower_primary": ["g1", "g2", "g3"], "upper_primary": ["g4", "g5", "g6"]}
    expect_h = sum(int(np.round(v.loc[r.village_id, cols[r.band]].to_numpy() * 0.5).sum()) for r in a.itertuples())
    assert row["pupils_horizon"] == expect_h
    assert row["seats"] == 450 and row["added_seats"] == 450
    assert row["stranded_seats"] == min(450, max(0, 450 - expect_h))
    assert row["stranded_cost_yuan"] == pytest.approx(
        row["stranded_seats"] * plan.scenario.cost_per_new_school_seat_yuan
    )
    assert st["stranded_seats"].sum() > 0


def test_no_stranded_seats_when_pupils_grow(plan):
    """With three times the pupils, only a school without a catchment keeps empty seats."""
    st = report.stranded_table(plan, horizon_forecast(plan, 3.0)).set_index("school_id")
    served = set(plan.assignments.loc[plan.assignments["year"] == YEARS[-1], "school_id"])
    with_catchment = st[st.index.isin(served)]
    assert len(with_catchment) and (with_catchment["stranded_seats"] == 0).all()
    assert (with_catchment["stranded_cost_yuan"] == 0).all()
    for sid, row in st[~st.index.isin(served)].iterrows():
        assert row["pupils_horizon"] == 0 and row["stranded_seats"] == row["added_seats"], sid


def test_senior_table_follows_the_closed_high_school(plan, tables):
    sen = tables["senior"].set_index("name")
    assert sen.loc["孟津二高", f"status_{YEARS[-1]}"] == "closed"
    assert sen.loc["孟津二高", "plan_outcome"] == "2025年撤并"
    moves = plan.closure_moves()
    dest = report.closure_destinations(moves, "S0012")
    assert report.closure_destinations(moves, "S0013").empty  # 孟津一高 stays open
    assert dest["name"].iloc[0] == "孟津一高"
    assert sen.loc["孟津二高", "plan_destinations"].startswith("孟津一高 ")
    assert sen.loc["孟津二高", ["policy_destination", "agrees"]].tolist() == ["孟津一高", True]
    assert sen.loc["孟津一高", "agrees"] is True  # the old 一高 site stays and takes the merged school
    # its pupils: those enrolled there in 2024 who move in 2025 because it closes, all accounted for
    mv = plan.moves
    leaving = mv[(mv["from_school_id"] == "S0012") & (mv["reason"] == "closure")]
    assert len(leaving) > 0 and set(leaving["year"]) == {2025}
    assert dest["pupils"].sum() == leaving["pupils"].sum()
    assert dest["share"].sum() == pytest.approx(1.0, abs=1e-3)


def test_workbook_sheets_are_chinese(plan):
    sheets = report.workbook_sheets(plan, POLICY_PROJECTS, forecast=horizon_forecast(plan, 0.5))
    # no sensitivity rows, and the test district has no kindergartens
    expected = [n for k, n in report.SHEET_NAMES.items() if k not in ("sensitivity", "kindergartens")]
    assert list(sheets) == expected
    for name, table in sheets.items():
        assert len(name) <= 31 and CJK.search(name), name
        assert all(CJK.search(str(c)) for c in table.columns), (
            name,
            [c for c in table.columns if not CJK.search(str(c))],
        )
    add = sheets["新增学位教室床位"]
    for col in ("年份", "学校代码", "学校名称", "镇街", "新增学位", "新增教室", "新增床位", "投资(元)"):
        assert col in add.columns
    assert set(sheets["划片安排"]["走读/寄宿"]) <= {"走读", "寄宿"}
    assert "撤并" in set(sheets["学校逐年情况"]["状态"])
    assert "指标代码" not in sheets["政策目标对比"].columns
    params = sheets["情景参数"]
    assert not params["参数"].str.contains("_").any() and "小学班额上限" in set(params["参数"])
    assert params.loc[params["参数"] == "小学班额上限", "单位"].iloc[0] == "人/班"
    assert set(sheets["转学(学校)"]["原因"]) <= set(report.REASON_ZH.values())
    key = sheets["概要"].set_index("指标")
    gap = key.loc["与下界的相对差距"]
    assert isinstance(gap["数值"], float) and gap["单位"] == "%"  # a number, not the text '1.35%'
    assert key.loc["区县", "数值"] == "测试区"


def test_workbook_is_formatted_for_print(plan, tmp_path):
    from openpyxl import load_workbook

    from layout_opt.io import write_xlsx

    sheets = report.workbook_sheets(plan, POLICY_PROJECTS, forecast=horizon_forecast(plan, 0.5))
    write_xlsx(sheets, tmp_path / "plan.xlsx")
    wb = load_workbook(tmp_path / "plan.xlsx")
    assert wb.sheetnames == list(sheets)
    for ws in wb.worksheets:
        table = sheets[ws.title]
        head = [c.value for c in ws[1]]
        assert head == [str(c) for c in table.columns], ws.title
        assert all(c.font.bold for c in ws[1]) and ws.freeze_panes in ("A2", "B2"), ws.title
        assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9, ws.title
        assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.print_title_rows == "$1:$1"
        if len(table):
            assert ws.auto_filter.ref == ws.dimensions, ws.title
        # every column is wide enough for its longest value (a CJK character counts two)
        for j, col in enumerate(table.columns, start=1):
            letter = ws.cell(row=1, column=j).column_letter
            width = ws.column_dimensions[letter].width
            kind = report.xlsx.column_kind(str(col), table[col])
            longest = max((report.xlsx.text_width(report.xlsx._shown(v, kind)) for v in table[col]), default=0.0)
            assert width >= min(longest, report.xlsx.MAX_WIDTH), (ws.title, col, width, longest)
    inv = wb["投资对账"]
    titles = {c.value: c.column for c in inv[1]}
    assert inv.cell(row=2, column=titles["合计(元)"]).number_format == "#,##0"
    st = wb["闲置学位"]
    col = {c.value: c.column for c in st[1]}["闲置比例"]
    assert st.cell(row=2, column=col).number_format == "0.0%"
    assert isinstance(st.cell(row=2, column=col).value, (int, float))  # a number, not text
    key = wb["概要"]
    rows = {key.cell(row=i, column=1).value: key.cell(row=i, column=2) for i in range(2, key.max_row + 1)}
    assert rows["与下界的相对差距"].number_format == "0.000%"
    assert rows["建设投资合计"].number_format == "#,##0"
    codes = wb["学校逐年情况"]
    col = {c.value: c.column for c in codes[1]}["学校代码"]
    assert codes.cell(row=2, column=col).data_type == "s"


def test_investment_reconciles_with_the_summary(plan):
    from layout_opt.report import economics as eco

    inv = eco.investment_table(plan).set_index("item")
    cost = plan.summary["costs_yuan"]
    assert inv.at["expansion", "total_yuan"] == pytest.approx(cost["capital"])
    assert inv.at["classrooms", "total_yuan"] + inv.at["beds", "total_yuan"] == pytest.approx(cost["capital"])
    assert inv.at["projects", "total_yuan"] == pytest.approx(cost["planned_projects"])
    assert inv.at["total", "total_yuan"] == pytest.approx(cost["capital"] + cost["planned_projects"])
    projects = [i for i in inv.index if i.startswith("project:")]
    assert projects == ["project:S0099"]
    for c in ("compulsory_yuan", "senior_yuan"):
        assert inv.at["total", c] == pytest.approx(inv.at["expansion", c] + inv.at["projects", c])
    assert inv.at["policy_envelope", "compulsory_yuan"] == 327_000_000
    money = eco.money_table(plan).set_index("term")
    terms = ("capital", "running", "buses", "boarding", "reassignment")
    assert sum(money.at[t, "appraisal_yuan"] for t in terms) == pytest.approx(cost["money"])
    assert money.at["money", "appraisal_yuan"] + money.at["travel", "appraisal_yuan"] == pytest.approx(
        cost["objective"]
    )
    yearly = eco.yearly_costs(plan)
    assert (
        yearly["money_yuan"] == (yearly[["running_yuan", "transport_yuan", "boarding_yuan"]].sum(axis=1)).round(2)
    ).all()


def test_closures_moves_and_boarding_add_up(plan):
    from layout_opt.report import economics as eco

    c = plan.summary["closures"]
    cy = eco.closures_by_year(plan)
    assert int(cy["small_schools"].sum()) == c["small_schools"] and int(cy["other"].sum()) == c["other"]
    assert cy["small_schools_cumulative"].iloc[-1] == c["small_schools"]
    assert cy["other_names"].iloc[-1] == "孟津二高" and cy["target"].iloc[-1] == 70
    flows = eco.pupil_flows(plan)
    for r in flows.itertuples():
        moved = plan.moves[plan.moves["year"] == r.year]["pupils"].sum()
        assert r.stayed + moved == r.pupils
        assert r.pupils == plan.pupils.loc[plan.pupils["year"] == r.year, "pupils"].sum()
    by_school = eco.moves_by_school(plan)
    changed = plan.moves[~plan.moves["reason"].isin(["entrant", "arrival"])]
    assert by_school["pupils"].sum() == changed["pupils"].sum() == flows["changed_school"].sum()
    board = eco.boarding_table(plan)
    for y in YEARS:
        row = board[board["year"] == y].iloc[0]
        assert row["boarders"] == plan.summary["pupils"][str(y)]["boarding"]
        assert row["boarders"] == row["boarders_primary"] + row["boarders_junior"] + row["boarders_senior"]


def test_bus_tables_match_the_routes(plan):
    from layout_opt.report import economics as eco

    schools = eco.bus_schools(plan)
    towns = eco.bus_towns(plan, schools)
    years = eco.bus_years(plan)
    for y, bp in plan.buses.items():
        s = schools[schools["year"] == y]
        assert s["buses_routed"].sum() == bp.totals["buses"] == years.set_index("year").at[y, "buses_routed"]
        assert s["bus_seats"].sum() == bp.totals["bus_seats"]
        assert s["bus_km_per_day"].sum() == pytest.approx(bp.totals["bus_km_per_day"], abs=0.5)
        routed = plan.summary["buses"][str(y)]["transport_cost_routed_yuan"]
        assert s["cost_routed_yuan"].sum() == pytest.approx(routed, rel=1e-6)  # as layout_opt.buses.bus_costs
        assert towns[towns["year"] == y]["buses_routed"].sum() == bp.totals["buses"]
        model = plan.summary["buses"][str(y)]["transport_cost_model_yuan"]
        assert s["cost_model_yuan"].sum() == pytest.approx(model, rel=1e-6)


def test_catchments_per_town(plan):
    from layout_opt.report import economics as eco

    ct = eco.catchment_table(plan)
    last = plan.assignments[plan.assignments["year"] == YEARS[-1]]
    assert ct["pupils"].sum() == last["pupils"].sum()
    assert ct["villages"].sum() == last[["village_id", "band"]].drop_duplicates().shape[0]
    assert list(dict.fromkeys(ct["town"])) == [t for t in plan.district.towns["town"] if t in set(ct["town"])]


SENSITIVITY = [
    {"parameter": "base", "parameter_zh": "基准", "change": 0.0, "status": "optimal", "objective_yuan": 4.0e8,
     "money_yuan": 3.9e8, "boarders": 900, "buses": 14, "closures_by_year": {"2024": 4, "2025": 1}, "pupils_moved": 238},
    {"parameter": "bus_price_yuan", "change": 0.5, "status": "optimal", "objective_yuan": 4.2e8,
     "money_yuan": 4.1e8, "boarders": 950, "buses": 12, "closures_by_year": {"2024": 4, "2025": 1}, "pupils_moved": 240},
    {"parameter": "bus_price_yuan", "change": -0.5, "status": "feasible", "objective_yuan": 3.8e8,
     "money_yuan": 3.7e8, "boarders": 880, "buses": 16, "closures_by_year": {"2024": 3, "2025": 1}, "pupils_moved": 230},
]  # fmt: skip


def test_sensitivity_table_when_present(plan):
    from layout_opt.report import economics as eco

    assert eco.sensitivity_table(plan) is None
    with_rows = dataclasses.replace(plan, summary={**plan.summary, "sensitivity": SENSITIVITY})
    t = eco.sensitivity_table(with_rows)
    assert t["change"].tolist() == [0.0, -0.5, 0.5]  # the base row first
    assert t["closures"].tolist() == [5, 4, 5] and t["closures_2024"].tolist() == [4, 3, 4]
    assert t["objective_change"].tolist() == [0.0, -0.05, 0.05]
    text = report.render_html(with_rows, forecast=horizon_forecast(plan, 0.5))
    part = text[text.index("敏感性分析</h2>") :]
    assert "校车购置价" in part and "基准" in part and "-50.0%" in part and "5.0%" in part
    sheets = report.workbook_sheets(with_rows, forecast=horizon_forecast(plan, 0.5))
    assert "价格(参数)" in sheets["敏感性分析"].columns and "参数" not in sheets["敏感性分析"].columns
    assert "敏感性分析" not in report.render_html(plan, forecast=horizon_forecast(plan, 0.5))


@pytest.fixture(scope="module")
def page(plan) -> str:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        text = report.render_html(plan, POLICY_PROJECTS, forecast=horizon_forecast(plan, 0.5))
    glyphs = [str(w.message) for w in caught if "missing from font" in str(w.message)]
    assert not glyphs, glyphs[:3]
    return text


def _cards(page: str) -> str:
    return page[page.index('<div class="kpis">') : page.index("方法与可信度")]


def test_html_shows_the_key_figures_first(plan, page):
    s = plan.summary
    key = page.index("关键数字")
    assert key < page.index("方法与可信度") < page.index("投资与费用") < page.index("校车</h2>")
    assert page.index("校车</h2>") < page.index("布局地图") < page.index("与政策目标对比") < page.index("闲置学位</h2>")
    cards = _cards(page)
    small = s["closures"]["small_schools"]
    for text in (
        f"{small}所",
        "撤并小规模学校(教学点), 政策目标70所",
        "高中迁并, 另计: 孟津二高",
        f"{s['added']['beds']:,}张",
        "建设投资",
        "运行支出",
        "校车",
        "转学",
    ):
        assert text in cards, text
    # solver internals and the valued travel time are not among the figures
    for text in ("下界", "gap", "feasible", "optimal", "目标值"):
        assert text not in cards, text
    box = page[page.index("方法与可信度") : page.index("投资与费用")]
    assert "已证明为最优方案" in box and "目标值" in box and "上学时间折算" in box and "独立核查" in box
    cost = s["costs_yuan"]
    assert f"{(cost['capital'] + cost['planned_projects']) / 1e4:,.0f}万元" in cards
    for text in ("孟津二高", "新城小学", "年校车线路", "年划片: 小学低年级", "情景参数", "小学班额上限", "人/班"):
        assert text in page, text
    assert "Mengjin" not in page and "ride_min_mean" not in page and "year 2,0" not in page


def test_html_is_self_contained_with_the_font(page):
    from fontTools.ttLib import TTFont

    assert "<script" not in page and "<link" not in page and "@import" not in page
    refs = re.findall(r"""(?:src|href)\s*=\s*["']([^"']*)["']""", page)
    assert refs and all(r.startswith("data:image/png;base64,") for r in refs)
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", page)
    assert len(refs) >= 4  # catchments, bus routes, before/after, travel times
    for r in refs:
        assert base64.b64decode(r.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
    fonts = re.findall(r"url\(data:font/otf;base64,([A-Za-z0-9+/=]+)\)", page)
    assert len(fonts) == 1
    font = TTFont(io.BytesIO(base64.b64decode(fonts[0])))
    cmap = font.getBestCmap()
    body = re.sub(r"<[^>]+>", "", re.sub(r'src="data:[^"]*"', "", page[page.index("<body>") :]))
    missing = {ch for ch in set(body) if CJK.match(ch) and ord(ch) not in cmap}
    assert not missing, sorted(missing)[:10]
    assert "@page{size:A4" in page


def test_html_without_optional_inputs(plan):
    bare = dataclasses.replace(plan, buses={})
    text = report.render_html(bare, forecast=horizon_forecast(plan, 0.5))
    assert ("幼儿园布局优化方案" in text) == bool((plan.district.schools["kind"] == "kindergarten").any())
    assert "年校车线路" not in text and "政策列名的学位项目" in text and "新城小学" in text
    # without policy targets: no targets among the key figures, no comparison table
    bare = dataclasses.replace(plan, district=dataclasses.replace(plan.district, policy=None))
    text = report.render_html(bare, forecast=horizon_forecast(plan, 0.5))
    assert "与政策目标对比" not in text and "政策目标70所" not in text and "政策依据" not in text
    assert "高中布局" in text and "孟津二高" in text


def test_html_is_the_same_for_the_same_plan(plan, page):
    """No wall-clock time, no random ids: the same plan renders to the same bytes."""
    assert "求解时间" not in page and "政策目标70所" in page
    assert page == report.render_html(plan, POLICY_PROJECTS, forecast=horizon_forecast(plan, 0.5))


def test_district_name_in_chinese():
    assert report.common.district_name_zh("孟津区 Mengjin district") == "孟津区"
    assert report.common.district_name_zh("Mengjin") == "Mengjin"


def test_geopackage_has_chinese_labels(plan, tmp_path):
    from layout_opt.io import _write_gpkg

    _write_gpkg(plan, tmp_path / "plan.gpkg")
    schools = gpd.read_file(tmp_path / "plan.gpkg", layer="schools")
    assert set(schools["状态"]) <= {"保留", "撤并", "新建", "规划中"} and "撤并" in set(schools["状态"])
    assert (schools.loc[schools["status"] == "open", "状态"] == "保留").all()
    lines = gpd.read_file(tmp_path / "plan.gpkg", layer="assignment_lines")
    assert set(lines["走读寄宿"]) <= {"走读", "寄宿"} and lines["学段"].str.contains("年级|初中|高中").all()


def test_the_report_compares_kindergartens_with_the_policy():
    """The tiny town of kindergartens: KF adds a classroom (30 places, 1,182,000 yuan)
    against a policy of 100 places and 2 M yuan; KA is the town's public kindergarten."""
    from layout_opt.policy import Policy

    from .test_model import KINDERGARTENS, kindergarten_trip_limit
    from .tiny import ROOM_KINDERGARTEN

    t = kindergarten_trip_limit()
    plan = t.solve(KINDERGARTENS)
    policy = Policy(
        document="测试",
        end_year=2024,
        closures=0,
        compulsory_seats=0,
        compulsory_build_yuan=0.0,
        kindergarten_places=100,
        kindergarten_build_yuan=2_000_000.0,
        public_kindergartens_per_town=1,
    )
    projects = pd.DataFrame(
        {"project": ["KF扩建", "KA扩建"], "school_id": ["KF", "KA"], "type": "expansion", "seats": [30, 30]}
    )
    pol = report.policy_table(plan, projects, policy).set_index("item")
    assert pol.loc["kindergarten_places", ["policy", "plan", "difference"]].tolist() == [100, 30, -70]
    assert pol.loc["kindergarten_build_yuan", "plan"] == pytest.approx(ROOM_KINDERGARTEN)
    assert pol.loc["kindergarten_projects", ["policy", "plan"]].tolist() == [2, 1]
    assert "未实施: KA扩建" in pol.loc["kindergarten_projects", "note"]
    assert pol.loc["public_kindergarten_towns", ["policy", "plan"]].tolist() == [1, 1]
    kt = report.kindergarten_towns_table(plan).iloc[0]
    assert (kt["public_open"], kt["private_open"], kt["children"], kt["added_places"]) == (1, 1, 26, 30)
    page = report.render_html(plan, projects, policy=policy)
    assert "中小学幼儿园布局优化方案(2024—2024年)</h1>" in page
    assert "小结: 在园幼儿2024年26人" in page and "新增幼儿学位30个(改扩建30个, 新址0个), 政策目标100个" in page
    sheets = report.workbook_sheets(plan, projects, policy=policy)
    assert sheets["幼儿园(镇街)"]["每镇至少1所公办幼儿园"].tolist() == ["是"]
