"""The Chinese views of the report: key figures, Chinese column titles and words for
codes, and the sheets of the Excel workbook."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import pandas as pd

from ..schema import BAND_ZH, KIND_ZH, MODE_ZH, STATUS_ZH
from .common import district_name_zh, district_schools, other_closures_zh, policy_of
from .tables import compulsory_seats
from .targets import report_tables

if TYPE_CHECKING:  # pragma: no cover
    from ..demand import Forecast
    from ..plan import Plan
    from ..policy import Policy

logger = logging.getLogger(__name__)

PROJECT_TYPE_ZH: Final[dict[str, str]] = {"new": "新建", "expansion": "改扩建"}
SOLVER_STATUS_ZH: Final[dict[str, str]] = {
    "optimal": "最优(已证明)",
    "feasible": "可行(未证明最优)",
    "infeasible": "无可行解",
    "no_solution": "未找到解",
    "breaks rules": "违反规则",
}

#: Chinese titles of every column the tables use (workbook and HTML).
COLUMN_ZH: Final[dict[str, str]] = {
    "year": "年份",
    "school_id": "学校代码",
    "name": "学校名称",
    "town": "镇街",
    "kind": "学校类型",
    "status": "状态",
    "village_id": "村(社区)代码",
    "village": "村(社区)",
    "band": "学段",
    "mode": "走读/寄宿",
    "pupils": "学生数",
    "travel_min": "单程时间(分钟)",
    "enrolment": "在校生",
    "classes": "班数",
    "classrooms": "现有教室",
    "added_classrooms": "累计新增教室",
    "added_seats": "累计新增学位",
    "beds": "现有床位",
    "added_beds": "累计新增床位",
    "boarding_pupils": "寄宿生",
    "capital_cost_yuan": "累计投资(元)",
    "classrooms_built": "新增教室",
    "seats_built": "新增学位",
    "beds_built": "新增床位",
    "cost_yuan": "投资(元)",
    "new_school_seats": "新建学校学位",
    "new_school_cost_yuan": "新建学校投资(元)",
    "pupils_moved": "转出学生",
    "receiving_school_ids": "接收学校代码",
    "receiving_schools": "接收学校",
    "schools_open": "开办学校数",
    "schools_new": "其中新建学校数",
    "schools_closed": "累计撤并学校数",
    "closed_this_year": "当年撤并学校数",
    "day_pupils": "走读生",
    "boarders": "寄宿生",
    "boarding_primary_schools": "寄宿制小学数",
    "boarding_junior_schools": "寄宿制初中数",
    "boarding_rule_met": "每镇寄宿制小学初中各1所",
    "town_kind": "镇或街道",
    "public_open": "公办幼儿园数",
    "private_open": "民办幼儿园数",
    "children": "在园幼儿",
    "places": "幼儿学位",
    "added_places": "改扩建新增幼儿学位",
    "new_site_places": "新址幼儿学位",
    "public_rule_met": "每镇至少1所公办幼儿园",
    "item": "指标代码",
    "item_zh": "指标",
    "unit": "单位",
    "policy": "政策目标",
    "plan": "优化方案",
    "difference": "差额(方案-政策)",
    "note": "说明",
    "project": "项目",
    "type": "项目类型",
    "policy_seats": "政策学位",
    "plan_status": "方案状态",
    "plan_open_year": "方案开办年份",
    "plan_seats": "方案学位",
    "seats": "学位",
    "pupils_horizon": "远期学生数",
    "horizon_year": "远期年份",
    "empty_seats_horizon": "远期空余学位",
    "stranded_seats": "闲置新增学位",
    "stranded_share": "闲置比例",
    "stranded_cost_yuan": "闲置学位投资(元)",
    "ur_code": "城乡分类代码",
    "main_urban": "位于主城区",
    "policy_action": "政策安排",
    "policy_destination": "政策去向",
    "plan_outcome": "方案结果",
    "plan_destinations": "方案学生去向",
    "agrees": "与政策一致",
    "indicator": "指标",
    "value": "数值",
    "parameter": "参数",
    "source": "依据",
    "section": "类别",
    "key": "情景文件参数名",
    "small_schools": "撤并小规模学校(教学点)",
    "small_schools_cumulative": "累计撤并小规模学校",
    "target": "政策目标",
    "target_met": "达到目标",
    "other": "其他撤并(高中迁并)",
    "other_names": "其他撤并学校",
    "term_zh": "项目",
    "investment_item": "项目",
    "kind_zh": "性质",
    "appraisal_yuan": "评估期合计(元)",
    "total_yuan": "合计(元)",
    "last_year_yuan": "末年每年(元)",
    "running_yuan": "学校运行(元)",
    "transport_yuan": "校车(元)",
    "boarding_yuan": "寄宿生活(元)",
    "money_yuan": "实际支出合计(元)",
    "travel_time_value_yuan": "上学时间折算(元, 非支出)",
    "compulsory_yuan": "义务教育(元)",
    "senior_yuan": "高中(元)",
    "stayed": "留在原校",
    "moved_entrant": "新生入学",
    "moved_arrival": "迁入学生",
    "moved_closure": "因撤并转学",
    "moved_not_taught": "因学段不开设转学",
    "moved_rule": "因规则转学",
    "moved_reassignment": "调整转学",
    "changed_school": "转学合计",
    "reason": "原因",
    "from_schools": "来自学校(人数)",
    "pupils_today": "现状在校生",
    "boarders_today": "现状寄宿生",
    "boarders_primary": "小学寄宿生",
    "boarders_junior": "初中寄宿生",
    "boarders_senior": "高中寄宿生",
    "boarding_schools_compulsory": "有寄宿生的义务教育学校",
    "boarding_schools_policy": "政策统计寄宿制学校",
    "boarding_schools_senior": "有寄宿生的高中",
    "pupils_bused": "乘校车学生",
    "buses_model": "模型估算车辆",
    "buses_routed": "线路规划车辆",
    "bus_seats": "座位",
    "bus_km_per_day": "每日车公里",
    "longest_ride_min": "最长乘车(分钟)",
    "cost_model_yuan": "模型估算年费用(元)",
    "cost_routed_yuan": "按线路年费用(元)",
    "violations": "超时学生组",
    "schools_with_buses": "开行校车学校",
    "villages": "村(社区)数",
    "change": "变化",
    "parameter_zh": "价格(参数)",
    "objective_yuan": "目标值(元)",
    "buses": "校车",
    "closures": "撤并学校",
    "objective_change": "目标值变化",
    "money_change": "支出变化",
    "teachers": "教师",
    "bused_pupils": "乘校车学生",
    "running_cost_yuan": "运行费用(元/年)",
    "transport_cost_yuan": "校车费用(元/年)",
    "boarding_cost_yuan": "寄宿费用(元/年)",
    "grade": "年级",
    "from_school_id": "转出学校代码",
    "to_school_id": "转入学校代码",
    "from_school": "转出学校",
    "to_school": "转入学校",
    "km": "路程(公里)",
    "bused": "乘校车",
}

#: Reasons of ``plan.moves`` in Chinese.
REASON_ZH: Final[dict[str, str]] = {
    "entrant": "新生入学",
    "arrival": "迁入",
    "closure": "学校撤并",
    "not taught": "学段不开设",
    "rule": "出行规则",
    "reassignment": "调整",
}


def key_figures(plan: Plan, policy: Policy | None = None) -> pd.DataFrame:
    """The plan's key figures in Chinese: ``indicator``, ``value``, ``unit``.

    Closures (small schools by year against the target, high-school relocations apart),
    added seats, classrooms and beds, the reconciled investment, yearly money spent, the
    valued travel time (marked as not money), boarders, buses, pupils who change school,
    mean travel by band, and the solver's status in words with its objective, bound and
    gap (a number, unit ``%``).  No wall-clock seconds: those are in ``timings.json``, so
    that two runs give the same report.
    """
    from . import economics as eco
    from .params import value_zh

    policy = policy_of(plan, policy)
    s = plan.summary
    sol = s["solver"]
    cost = s["costs_yuan"]
    last = str(s["years"][-1])
    c = s["closures"]
    small_by_year = c.get("small_schools_by_year", c["by_year"])
    target = policy.closures if policy is not None else c.get("target")
    rows: list[tuple[str, Any, str]] = [
        ("区县", district_name_zh(s.get("district", "")), ""),
        ("情景", value_zh("name", s["scenario"].get("name", "")), ""),
        ("规划年份", "、".join(str(y) for y in s["years"]), ""),
        ("撤并小规模学校(教学点)", int(c.get("small_schools", c["total"])), "所"),
    ]
    rows += [(f"  其中{y}年", int(n), "所") for y, n in small_by_year.items()]
    rows.append(("撤并目标", target if target is not None and target != -1 else "规则允许的最多", "所"))
    rows.append((f"{other_closures_zh(plan)}(另计)", int(c.get("other", 0)), "所"))
    rows.append(("撤并候选", c.get("candidates"), "所"))
    cs = compulsory_seats(plan)
    rows.append(("新增义务教育学位(含新建学校)", cs["total"], "个"))
    rows.append(("新增学位(改扩建, 各学段)", s["added"]["seats"], "个"))
    rows += [
        ("新增教室", s["added"]["classrooms"], "间"),
        ("新增床位", s["added"]["beds"], "张"),
    ]
    inv = eco.investment_table(plan, policy).set_index("item")
    rows += [
        ("建设投资合计", inv.at["total", "total_yuan"], "元"),
        ("  其中改扩建(教室和床位)", cost["capital"], "元"),
        ("  其中政策规划项目", cost.get("planned_projects", 0.0), "元"),
    ]
    yearly = s.get("yearly_cost_yuan", {}).get(last, {})
    if yearly:
        rows += [
            (
                f"{last}年运行支出",
                sum(float(yearly.get(k, 0.0)) for k in ("running", "transport", "boarding")),
                "元/年",
            ),
            ("  其中学校运行", yearly.get("running"), "元/年"),
            ("  其中校车", yearly.get("transport"), "元/年"),
            ("  其中寄宿生活", yearly.get("boarding"), "元/年"),
        ]
    n = cost.get("appraisal_years", plan.scenario.appraisal_years)
    if "money" in cost:
        rows.append((f"实际支出({n}年, 不含规划项目)", cost["money"], "元"))
    if "travel" in cost:
        rows.append((f"上学时间折算({n}年, 非支出)", cost["travel"], "元"))
    rows += [
        (f"{last}年走读生", s["pupils"][last]["day"], "人"),
        (f"{last}年寄宿生", s["pupils"][last]["boarding"], "人"),
    ]
    bus = s.get("buses", {}).get(last, {})
    if bus:
        rows.append((f"{last}年乘校车学生", bus.get("pupils_bused"), "人"))
        rows.append((f"{last}年校车(按线路)", bus.get("buses_routed", bus.get("buses_model")), "辆"))
    flows = eco.pupil_flows(plan)
    rows.append(("在校生转学(合计)", int(flows["changed_school"].sum()), "人"))
    rows.append(("  其中因撤并", int(flows["moved_closure"].sum()), "人"))
    for band, t in s["travel_min"].items():
        rows.append((f"{last}年{BAND_ZH.get(band, band)}平均单程时间", t["mean"], "分钟"))
        rows.append((f"{last}年{BAND_ZH.get(band, band)}95%学生单程不超过", t["p95"], "分钟"))
    rows += [
        ("未安排学生", s.get("unserved_pupils", 0), "人"),
        ("求解状态", SOLVER_STATUS_ZH.get(sol["status"], sol["status"]), ""),
        ("求解器", sol.get("backend", ""), ""),
        ("目标值(支出+时间折算)", sol.get("objective_yuan"), "元"),
        ("理论下界", sol.get("bound_yuan"), "元"),
        ("与下界的相对差距", sol.get("gap"), "%"),
    ]
    return pd.DataFrame(rows, columns=["indicator", "value", "unit"])


def _zh_values(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    if "band" in out.columns:
        out["band"] = out["band"].map(lambda b: BAND_ZH.get(b, b))
    if "mode" in out.columns:
        out["mode"] = out["mode"].map(lambda m: MODE_ZH.get(m, m))
    if "kind" in out.columns:
        out["kind"] = out["kind"].map(lambda k: KIND_ZH.get(k, k))
    for col in [c for c in out.columns if c == "status" or c == "plan_status" or c.startswith("status_")]:
        out[col] = out[col].map(lambda x: STATUS_ZH.get(x, x))
    if "type" in out.columns:
        out["type"] = out["type"].map(lambda t: PROJECT_TYPE_ZH.get(t, t))
    if "reason" in out.columns:
        out["reason"] = out["reason"].map(lambda r: REASON_ZH.get(r, r))
    if "town_kind" in out.columns:
        out["town_kind"] = out["town_kind"].map(lambda t: {"town": "镇", "subdistrict": "街道"}.get(t, t))
    for col in ("agrees", "boarding_rule_met", "public_rule_met", "main_urban", "target_met", "bused"):
        if col in out.columns:
            out[col] = out[col].map(
                lambda x: "" if x is None or (isinstance(x, float) and np.isnan(x)) else ("是" if bool(x) else "否")
            )
    return out


#: Titles of the per-year columns (``<prefix><year>``).
_PREFIX_ZH: Final[dict[str, str]] = {
    "status_": "状态",
    "enrolment_": "在校生",
    "pupils_": "在校生",
    "boarders_": "寄宿生",
    "closures_": "撤并",
}


def _zh_columns(df: pd.DataFrame) -> pd.DataFrame:
    def title(c: str) -> str:
        if c in COLUMN_ZH:
            return COLUMN_ZH[c]
        for prefix, zh in _PREFIX_ZH.items():
            if c.startswith(prefix) and c[len(prefix) :].isdigit():
                return f"{c[len(prefix) :]}年{zh}"
        logger.debug("column %s has no Chinese title", c)
        return c

    return df.rename(columns={c: title(c) for c in df.columns})


def zh_table(df: pd.DataFrame) -> pd.DataFrame:
    """A report table with Chinese column titles and Chinese words for codes (band, mode,
    kind, status, project type, yes/no)."""
    return _zh_columns(_zh_values(df))


def closures_zh(plan: Plan) -> pd.DataFrame:
    """The closures table with the receiving schools' names (``receiving_schools``)."""
    names = district_schools(plan)["name"]
    c = plan.closures.copy()
    c["receiving_schools"] = (
        c["receiving_school_ids"]
        .fillna("")
        .map(lambda ids: "、".join(str(names.get(s, s)) for s in str(ids).split(";") if s))
    )
    return c


def _assignments_zh(plan: Plan) -> pd.DataFrame:
    a = plan.assignments.copy()
    v = plan.district.villages.set_index("village_id")
    s = district_schools(plan)
    a.insert(2, "village", a["village_id"].map(v["name"]))
    a.insert(3, "town", a["village_id"].map(v["town"]))
    a.insert(6, "name", a["school_id"].map(s["name"]))
    return a


#: Sheet names of the workbook (Chinese, at most 31 characters), by table, in order.
SHEET_NAMES: Final[dict[str, str]] = {
    "summary": "概要",
    "investment": "投资对账",
    "money": "费用构成",
    "yearly_costs": "逐年费用",
    "closures_by_year": "逐年撤并",
    "flows": "学生去向",
    "moves_by_school": "转学(学校)",
    "today": "现状与方案",
    "boarding": "寄宿",
    "bus_years": "校车(逐年)",
    "bus_towns": "校车(镇街)",
    "bus_schools": "校车(学校)",
    "catchments": "划片(镇街)",
    "additions": "新增学位教室床位",
    "towns": "镇街汇总",
    "kindergartens": "幼儿园(镇街)",
    "policy": "政策目标对比",
    "projects": "重点项目",
    "stranded": "闲置学位",
    "senior": "高中布局",
    "closures": "撤并学校",
    "schools": "学校逐年情况",
    "assignments": "划片安排",
    "moves": "转学明细",
    "sensitivity": "敏感性分析",
    "scenario": "情景参数",
}


def _moves_zh(plan: Plan) -> pd.DataFrame:
    """``plan.moves`` with the village's and the schools' names."""
    mv = plan.moves
    if not len(mv.columns):
        return pd.DataFrame()
    v = plan.district.villages.set_index("village_id")
    names = district_schools(plan)["name"]
    out = mv.copy()
    out.insert(2, "village", out["village_id"].map(v["name"]))
    out.insert(3, "town", out["village_id"].map(v["town"]))
    out["from_school"] = out["from_school_id"].map(names).fillna("")
    out["to_school"] = out["to_school_id"].map(names)
    return out


def workbook_sheets(
    plan: Plan,
    policy_projects: pd.DataFrame | None = None,
    *,
    forecast: Forecast | None = None,
    policy: Policy | None = None,
) -> dict[str, pd.DataFrame]:
    """The tables of the Excel workbook, Chinese sheet names and column titles.

    Parameters
    ----------
    plan : Plan
        A solved plan.
    policy_projects : pandas.DataFrame, optional
        The policy's named seat projects.
    forecast : layout_opt.demand.Forecast, optional
        For the stranded seats (see :func:`~layout_opt.report.stranded_table`).
    policy : layout_opt.policy.Policy, optional
        The policy targets; those of the plan's district if omitted.

    Returns
    -------
    dict of str to pandas.DataFrame
        Sheet name (:data:`SHEET_NAMES`, in that order) to table; without policy targets
        there is no 政策目标对比 sheet, without ``summary["sensitivity"]`` no 敏感性分析
        sheet.  Codes (band, mode, kind, status, reason) are in Chinese words; ids stay as
        they are; money in yuan, shares as fractions (the workbook formats them).
    """
    from . import economics as eco
    from .params import scenario_table

    policy = policy_of(plan, policy)
    tables = report_tables(plan, policy_projects, forecast=forecast, policy=policy)
    bus_schools = eco.bus_schools(plan)
    sens = eco.sensitivity_table(plan)
    parts: dict[str, pd.DataFrame | None] = {
        "summary": key_figures(plan, policy),
        "investment": eco.investment_table(plan, policy)
        .drop(columns=["item"])
        .rename(columns={"item_zh": "investment_item"}),
        "money": eco.money_table(plan).drop(columns=["term"]),
        "yearly_costs": eco.yearly_costs(plan),
        "closures_by_year": eco.closures_by_year(plan, policy),
        "flows": eco.pupil_flows(plan),
        "moves_by_school": eco.moves_by_school(plan),
        "today": eco.today_vs_plan(plan),
        "boarding": eco.boarding_table(plan),
        "bus_years": eco.bus_years(plan),
        "bus_towns": eco.bus_towns(plan, bus_schools),
        "bus_schools": bus_schools,
        "catchments": eco.catchment_table(plan),
        "additions": tables["additions"],
        "towns": tables["towns"],
        "kindergartens": tables["kindergartens"] if len(tables["kindergartens"]) else None,
        "policy": tables["policy"].drop(columns=["item"]) if policy is not None else None,
        "projects": tables["projects"],
        "stranded": tables["stranded"],
        "senior": tables["senior"],
        "closures": closures_zh(plan),
        "schools": plan.schools,
        "assignments": _assignments_zh(plan),
        "moves": _moves_zh(plan),
        "sensitivity": None if sens is None else sens.drop(columns=["parameter"]),
        "scenario": scenario_table(plan.summary["scenario"]),
    }
    out = {}
    for key, table in parts.items():
        if table is None or (key == "moves" and not len(table.columns)):
            continue
        out[SHEET_NAMES[key]] = zh_table(table)
    return out
