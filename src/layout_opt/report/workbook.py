"""The Chinese views of the report: key figures, Chinese column titles and words for
codes, and the sheets of the Excel workbook."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import pandas as pd

from ..schema import BAND_ZH, KIND_ZH, MODE_ZH, STATUS_ZH
from .common import district_schools, policy_of
from .tables import compulsory_seats
from .targets import report_tables

if TYPE_CHECKING:  # pragma: no cover
    from ..demand import Forecast
    from ..plan import Plan
    from ..policy import Policy

logger = logging.getLogger(__name__)

PROJECT_TYPE_ZH: Final[dict[str, str]] = {"new": "新建", "expansion": "改扩建"}
SOLVER_STATUS_ZH: Final[dict[str, str]] = {
    "optimal": "最优",
    "feasible": "可行(未证最优)",
    "infeasible": "无可行解",
    "no_solution": "未找到解",
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
}


def key_figures(plan: Plan) -> pd.DataFrame:
    """The plan's key figures in Chinese: ``indicator``, ``value``, ``unit``.

    Closures (total and by year), added seats (total and by level), classrooms, beds,
    capital cost, planned-project cost, day and boarding pupils, mean travel by band, and
    the solver's backend, status, objective, bound and gap (no wall-clock seconds: those
    are in ``timings.json``, so that two runs give the same report).
    """
    s = plan.summary
    sol = s["solver"]
    cost = s["costs_yuan"]
    last = str(s["years"][-1])
    rows: list[tuple[str, Any, str]] = [
        ("区县", s.get("district", ""), ""),
        ("情景", s["scenario"].get("name", ""), ""),
        ("规划年份", "、".join(str(y) for y in s["years"]), ""),
        ("撤并学校(教学点)", s["closures"]["total"], "所"),
    ]
    rows += [(f"  其中{y}年", n, "所") for y, n in s["closures"]["by_year"].items()]
    rows += [
        ("撤并目标", s["closures"]["target"] if s["closures"]["target"] != -1 else "规则允许的最多", "所"),
        ("撤并候选", s["closures"]["candidates"], "所"),
    ]
    rows.append(("新增学位(扩建)", s["added"]["seats"], "个"))
    for lv, zh in (("primary", "小学"), ("junior", "初中"), ("senior", "高中")):
        rows.append((f"  其中{zh}", s["added"]["seats_by_level"].get(lv, 0), "个"))
    cs = compulsory_seats(plan)
    rows.append(("新增义务教育学位(含新建学校)", cs["total"], "个"))
    rows += [
        ("新增教室", s["added"]["classrooms"], "间"),
        ("新增床位", s["added"]["beds"], "张"),
        ("扩建投资(教室和床位)", cost["capital"], "元"),
        ("新建学校投资(规划项目)", cost.get("planned_projects", 0.0), "元"),
        (f"{last}年走读生", s["pupils"][last]["day"], "人"),
        (f"{last}年寄宿生", s["pupils"][last]["boarding"], "人"),
    ]
    for band, t in s["travel_min"].items():
        rows.append((f"{last}年{BAND_ZH.get(band, band)}平均单程时间", t["mean"], "分钟"))
        rows.append((f"{last}年{BAND_ZH.get(band, band)}95%学生单程不超过", t["p95"], "分钟"))
    rows += [
        ("未安排学生", s.get("unserved_pupils", 0), "人"),
        ("求解器", sol.get("backend", ""), ""),
        ("求解状态", f"{sol['status']} ({SOLVER_STATUS_ZH.get(sol['status'], sol['status'])})", ""),
        ("目标值", sol.get("objective_yuan"), "元"),
        ("下界", sol.get("bound_yuan"), "元"),
        ("相对差距(gap)", None if sol.get("gap") is None else f"{100 * sol['gap']:.2f}%", ""),
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
    for col in ("agrees", "boarding_rule_met", "main_urban"):
        if col in out.columns:
            out[col] = out[col].map(
                lambda x: "" if x is None or (isinstance(x, float) and np.isnan(x)) else ("是" if bool(x) else "否")
            )
    return out


def _zh_columns(df: pd.DataFrame) -> pd.DataFrame:
    def title(c: str) -> str:
        if c in COLUMN_ZH:
            return COLUMN_ZH[c]
        for prefix in ("status_", "enrolment_"):
            if c.startswith(prefix):
                return f"{c[len(prefix) :]}年{COLUMN_ZH['status' if prefix == 'status_' else 'enrolment']}"
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


#: Sheet names of the workbook (Chinese, at most 31 characters), by table.
SHEET_NAMES: Final[dict[str, str]] = {
    "summary": "概要",
    "additions": "新增学位教室床位",
    "towns": "镇街汇总",
    "policy": "政策目标对比",
    "projects": "重点项目",
    "stranded": "闲置学位",
    "senior": "高中布局",
    "closures": "撤并学校",
    "schools": "学校逐年情况",
    "assignments": "划片安排",
}


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
        Sheet name (:data:`SHEET_NAMES`, in that order: 概要, 新增学位教室床位, 镇街汇总,
        政策目标对比, 重点项目, 闲置学位, 高中布局, 撤并学校, 学校逐年情况, 划片安排) to
        table; without policy targets there is no 政策目标对比 sheet.  Codes (band, mode,
        kind, status) are in Chinese words; ids stay as they are.
    """
    tables = report_tables(plan, policy_projects, forecast=forecast, policy=policy)
    out = {SHEET_NAMES["summary"]: zh_table(key_figures(plan))}
    for key in ("additions", "towns", "policy", "projects", "stranded", "senior"):
        if key == "policy" and policy_of(plan, policy) is None:
            continue
        out[SHEET_NAMES[key]] = zh_table(tables[key])
    out[SHEET_NAMES["closures"]] = zh_table(closures_zh(plan))
    out[SHEET_NAMES["schools"]] = zh_table(plan.schools)
    out[SHEET_NAMES["assignments"]] = zh_table(_assignments_zh(plan))
    return out
