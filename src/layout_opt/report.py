"""The plan report: tables for the bureau, the policy comparison, the workbook and HTML.

Everything here is a pure function of a :class:`~layout_opt.model.plan.Plan` (and, where
given, the policy's named projects): no file is read or written; :mod:`layout_opt.io`
writes the results.

* :func:`report_tables` — the tables, with English column names (for scripts):
  ``additions``, ``towns``, ``policy``, ``projects``, ``stranded``, ``senior``.
* :func:`workbook_sheets` — the same tables plus assignments, schools and closures, with
  Chinese sheet names and column titles (for the Excel workbook).
* :func:`render_html` — one self-contained HTML page in Chinese (figures embedded as PNG).

Money is in yuan (元), seats and beds are counts, times are one-way minutes.

Policy figures
--------------
The targets compared with come from the district's policy document
(:data:`POLICY_DOCUMENT`); each constant below names the passage it quotes.
"""

from __future__ import annotations

import base64
import html
import io as _io
import logging
import time
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import pandas as pd

from .schema import (
    BAND_ZH,
    BANDS,
    BANDS_OF_KIND,
    GRADES_OF_BAND,
    KIND_ZH,
    LEVEL_OF_KIND,
    MODE_ZH,
    SIZE_CAP_CLASS_OF_KIND,
    STATUS_ZH,
)

if TYPE_CHECKING:  # pragma: no cover
    from .demand import Forecast
    from .plan import Plan
    from .routing import BusPlan

logger = logging.getLogger(__name__)

#: The policy document the targets come from.
POLICY_DOCUMENT: Final[str] = (
    "中共洛阳市孟津区委 洛阳市孟津区人民政府《关于加快推进教育高质量发展的意见》(孟发〔2023〕13号)"
)

#: Small schools and teaching points to close by 2026: "2026年前，完成70个小规模学校教学点的
#: 撤并任务" (正文, 目标任务); "同步撤并小规模学校（教学点）70个" (附件2 二); 附件4 二.
POLICY_CLOSURES: Final[int] = 70

#: Compulsory-education seats to add by 2026: "完成永和路小学、麻屯三小新建 …… 等14所小学和
#: 特殊教育学校建设任务，新增学位 5540 个" (附件2 四(二)2 扩大学位供给).
POLICY_COMPULSORY_SEATS: Final[int] = 5540

#: Estimated investment in new and rebuilt compulsory schools, yuan: "概算投资3.27亿元，完成24所
#: 义务教育学校新建、改扩建建设任务" (附件4 二).  It covers more than seats and beds
#: (teaching buildings, canteens, sports grounds), so the plan's figure is compared with it
#: for scale only.
POLICY_COMPULSORY_BUILD_YUAN: Final[float] = 327_000_000.0

#: The last year of the policy's programme ("2026年前").
POLICY_END_YEAR: Final[int] = 2026

#: The policy's senior-high relocation (附件2 四(四)): "孟津一高和孟津一中整建制迁入新校址办学，
#: 孟津二高、老城高中、平乐高中整合迁入原一高校址".  School name -> (action, what becomes of
#: its present site in the plan's terms, where its pupils go).  The new site is the planned
#: project 孟津一高新校区; the old 一高 site stays a school and takes the merged schools.
POLICY_SENIOR_RELOCATION: Final[dict[str, tuple[str, str, str]]] = {
    "孟津一高": ("整建制迁入新校址; 原校址接收孟津二高、老城高中、平乐高中", "open", "孟津一高新校区"),
    "孟津一中": ("整建制迁入新校址", "closed", "孟津一高新校区"),
    "孟津二高": ("整合迁入原一高校址", "closed", "孟津一高"),
    "老城高中": ("整合迁入原一高校址", "closed", "孟津一高"),
    "平乐高中": ("整合迁入原一高校址", "closed", "孟津一高"),
    "孟津一高新校区": ("新校址(孟津一高、孟津一中迁入)", "new", ""),
}

PROJECT_TYPE_ZH: Final[dict[str, str]] = {"new": "新建", "expansion": "改扩建"}
SOLVER_STATUS_ZH: Final[dict[str, str]] = {
    "optimal": "最优",
    "feasible": "可行(未证最优)",
    "infeasible": "无可行解",
    "no_solution": "未找到解",
}

#: Kinds of school that teach compulsory grades (1-9).
COMPULSORY_KINDS: Final[tuple[str, ...]] = ("teaching_point", "primary", "central_primary", "junior", "nine_year")

ADDITION_COLUMNS: Final[list[str]] = [
    "year",
    "school_id",
    "name",
    "town",
    "kind",
    "status",
    "classrooms_built",
    "seats_built",
    "beds_built",
    "cost_yuan",
    "new_school_seats",
    "new_school_cost_yuan",
    "added_classrooms",
    "added_seats",
    "added_beds",
    "capital_cost_yuan",
]
TOWN_COLUMNS: Final[list[str]] = [
    "year",
    "town",
    "schools_open",
    "schools_new",
    "schools_closed",
    "closed_this_year",
    "pupils",
    "day_pupils",
    "boarders",
    "boarding_primary_schools",
    "boarding_junior_schools",
    "boarding_rule_met",
    "added_classrooms",
    "added_seats",
    "added_beds",
    "new_school_seats",
    "capital_cost_yuan",
    "new_school_cost_yuan",
]
POLICY_COLUMNS: Final[list[str]] = ["item", "item_zh", "unit", "policy", "plan", "difference", "note"]
PROJECT_COLUMNS: Final[list[str]] = [
    "project",
    "school_id",
    "name",
    "type",
    "policy_seats",
    "plan_status",
    "plan_open_year",
    "plan_seats",
    "difference",
    "enrolment",
    "seats",
    "cost_yuan",
    "note",
]
STRANDED_COLUMNS: Final[list[str]] = [
    "school_id",
    "name",
    "town",
    "kind",
    "status",
    "added_seats",
    "seats",
    "pupils",
    "horizon_year",
    "pupils_horizon",
    "empty_seats_horizon",
    "stranded_seats",
    "stranded_share",
    "stranded_cost_yuan",
]

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


# --------------------------------------------------------------------------- helpers


def _years(plan: Plan) -> list[int]:
    return [int(y) for y in plan.summary["years"]]


def _district_schools(plan: Plan) -> pd.DataFrame:
    cols = [
        "school_id",
        "name",
        "town",
        "kind",
        "status",
        "ur_code",
        "beds",
        "classrooms",
        "planned_seats",
        "open_year",
    ]
    s = pd.DataFrame(plan.district.schools[[c for c in cols if c in plan.district.schools.columns]])
    for c in ("planned_seats", "open_year", "beds", "classrooms"):
        if c not in s.columns:
            s[c] = 0
    return s.set_index("school_id")


def _new_school_seats(plan: Plan, school_id: str) -> int:
    """Seats of a planned project: its ``planned_seats``, else classrooms x class cap."""
    base = _district_schools(plan).loc[school_id]
    seats = int(base["planned_seats"])
    if seats <= 0:
        seats = int(base["classrooms"]) * plan.scenario.class_cap(LEVEL_OF_KIND[base["kind"]])
    return seats


def _opening_year(plan: Plan) -> dict[str, int]:
    """Planned projects the plan opens -> first plan year they are open."""
    s = plan.schools[plan.schools["status"] == "new"]
    return {sid: int(y) for sid, y in s.groupby("school_id")["year"].min().items()}


def _yuan_wan(x: float) -> str:
    """Yuan as 万元 text."""
    return f"{x / 1e4:,.1f}万元"


# --------------------------------------------------------------------------- tables


def additions_table(plan: Plan) -> pd.DataFrame:
    """Added seats, classrooms and beds per school and year, with their cost.

    Parameters
    ----------
    plan : Plan
        A solved plan.

    Returns
    -------
    pandas.DataFrame
        One row per school and plan year in which the school adds classrooms or beds, or
        opens as a new school (the years in which nothing is built there are left out).
        Columns (:data:`ADDITION_COLUMNS`): ``year, school_id, name, town, kind, status``;
        what is built that year: ``classrooms_built``, ``seats_built`` (classrooms x class
        cap), ``beds_built``, ``cost_yuan`` (classrooms and beds, yuan); a planned project
        opening that year: ``new_school_seats`` and ``new_school_cost_yuan`` (seats x
        ``scenario.cost_per_new_school_seat_yuan``); and the cumulative ``added_classrooms``,
        ``added_seats``, ``added_beds``, ``capital_cost_yuan`` as in ``schools.csv``.  Summed
        over years the ``*_built`` columns equal the plan summary's added classrooms, seats
        and beds, ``cost_yuan`` its capital cost and ``new_school_cost_yuan`` its
        ``planned_projects`` cost.
    """
    s = plan.schools.sort_values(["school_id", "year"], kind="stable").copy()
    g = s.groupby("school_id", sort=False)
    for col, cum in (
        ("classrooms_built", "added_classrooms"),
        ("seats_built", "added_seats"),
        ("beds_built", "added_beds"),
        ("cost_yuan", "capital_cost_yuan"),
    ):
        s[col] = s[cum] - g[cum].shift(1, fill_value=0)
    opening = _opening_year(plan)
    s["new_school_seats"] = [
        (_new_school_seats(plan, sid) if opening.get(sid) == y else 0) for sid, y in zip(s["school_id"], s["year"])
    ]
    s["new_school_cost_yuan"] = s["new_school_seats"] * float(plan.scenario.cost_per_new_school_seat_yuan)
    active = (s["classrooms_built"] != 0) | (s["beds_built"] != 0) | (s["cost_yuan"] != 0) | (s["new_school_seats"] > 0)
    out = (
        s.loc[active, ADDITION_COLUMNS].sort_values(["year", "town", "school_id"], kind="stable").reset_index(drop=True)
    )
    for c in (
        "classrooms_built",
        "seats_built",
        "beds_built",
        "new_school_seats",
        "added_classrooms",
        "added_seats",
        "added_beds",
    ):
        out[c] = out[c].astype(np.int64)
    for c in ("cost_yuan", "new_school_cost_yuan", "capital_cost_yuan"):
        out[c] = out[c].astype(float).round(2)
    return out


def _boarding_flags(plan: Plan, table: pd.DataFrame) -> pd.DataFrame:
    open_ = table["status"].isin(["open", "new"])
    boarding = open_ & ((table["beds"] + table["added_beds"]) >= plan.scenario.min_boarding_beds)
    teaches = table["kind"].map(lambda k: set(BANDS_OF_KIND.get(k, ())))
    primary = boarding & teaches.map(lambda b: "upper_primary" in b)
    junior = boarding & teaches.map(lambda b: "junior" in b)
    return pd.DataFrame({"boarding_primary": primary, "boarding_junior": junior}, index=table.index)


def towns_table(plan: Plan) -> pd.DataFrame:
    """Schools, pupils, boarders and additions per town (镇街) and year.

    Schools count in the town of their site; pupils are those enrolled at the town's
    schools (so the towns add up to the district).

    Returns
    -------
    pandas.DataFrame
        Columns (:data:`TOWN_COLUMNS`): ``year, town``; ``schools_open`` (open or new),
        ``schools_new``, ``schools_closed`` (closed by that year), ``closed_this_year``;
        ``pupils``, ``day_pupils``, ``boarders``; ``boarding_primary_schools`` and
        ``boarding_junior_schools`` (open, with at least ``scenario.min_boarding_beds`` beds,
        teaching grades 4-6 resp. 7-9); ``boarding_rule_met`` (both at least
        ``scenario.boarding_schools_per_town``; empty for subdistricts, which the policy's
        "每个镇区" does not name); cumulative ``added_classrooms``, ``added_seats``,
        ``added_beds``, ``new_school_seats``, ``capital_cost_yuan`` (classrooms and beds)
        and ``new_school_cost_yuan``, yuan.
    """
    s = plan.schools.copy()
    s = pd.concat([s, _boarding_flags(plan, s)], axis=1)
    opening = _opening_year(plan)
    s["new_school_seats"] = [
        (_new_school_seats(plan, sid) if sid in opening and y >= opening[sid] else 0)
        for sid, y in zip(s["school_id"], s["year"])
    ]
    s["new_school_cost_yuan"] = s["new_school_seats"] * float(plan.scenario.cost_per_new_school_seat_yuan)
    s["day"] = s["enrolment"] - s["boarding_pupils"]
    closures = plan.closures.groupby(["town", "year"]).size()
    rows = []
    town_kind = dict(
        zip(
            plan.district.towns["town"],
            plan.district.towns.get("town_kind", pd.Series("town", index=plan.district.towns.index)),
        )
    )
    order = list(plan.district.towns["town"]) + sorted(set(s["town"]) - set(plan.district.towns["town"]))
    need = plan.scenario.boarding_schools_per_town
    for year in _years(plan):
        sy = s[s["year"] == year]
        for town in order:
            t = sy[sy["town"] == town]
            bp, bj = int(t["boarding_primary"].sum()), int(t["boarding_junior"].sum())
            rule = (bp >= need and bj >= need) if town_kind.get(town, "town") == "town" else None
            rows.append(
                {
                    "year": year,
                    "town": town,
                    "schools_open": int(t["status"].isin(["open", "new"]).sum()),
                    "schools_new": int((t["status"] == "new").sum()),
                    "schools_closed": int(
                        ((t["status"] == "closed") & t["school_id"].isin(plan.closures["school_id"])).sum()
                    ),
                    "closed_this_year": int(closures.get((town, year), 0)),
                    "pupils": int(t["enrolment"].sum()),
                    "day_pupils": int(t["day"].sum()),
                    "boarders": int(t["boarding_pupils"].sum()),
                    "boarding_primary_schools": bp,
                    "boarding_junior_schools": bj,
                    "boarding_rule_met": rule,
                    "added_classrooms": int(t["added_classrooms"].sum()),
                    "added_seats": int(t["added_seats"].sum()),
                    "added_beds": int(t["added_beds"].sum()),
                    "new_school_seats": int(t["new_school_seats"].sum()),
                    "capital_cost_yuan": round(float(t["capital_cost_yuan"].sum()), 2),
                    "new_school_cost_yuan": round(float(t["new_school_cost_yuan"].sum()), 2),
                }
            )
    out = pd.DataFrame(rows, columns=TOWN_COLUMNS)
    out["boarding_rule_met"] = out["boarding_rule_met"].astype(object)
    return out


def compulsory_seats(plan: Plan) -> dict[str, float]:
    """The plan's added compulsory-education seats by the last plan year, and their cost.

    Returns
    -------
    dict
        ``expansion`` (seats of classrooms added at compulsory schools), ``new_schools``
        (seats of the compulsory planned projects the plan opens), ``total``;
        ``expansion_cost_yuan``, ``new_school_cost_yuan``, ``seat_cost_yuan`` (both), and
        ``bed_cost_yuan`` (beds added at compulsory schools), yuan.
    """
    sc = plan.scenario
    last = plan.schools[plan.schools["year"] == _years(plan)[-1]]
    comp = last[last["kind"].isin(COMPULSORY_KINDS)]
    expansion = int(comp["added_seats"].sum())
    opening = _opening_year(plan)
    opened = {str(n): _new_school_seats(plan, sid) for sid, n in zip(comp["school_id"], comp["name"]) if sid in opening}
    new = int(sum(opened.values()))
    exp_cost = float(
        (
            comp["added_classrooms"]
            * comp["kind"].map(lambda k: sc.class_cap(LEVEL_OF_KIND[k]) * sc.cost_per_added_seat_yuan)
        ).sum()
    )
    new_cost = new * float(sc.cost_per_new_school_seat_yuan)
    bed_cost = float(comp["added_beds"].sum()) * float(sc.cost_per_added_bed_yuan)
    return {
        "expansion": expansion,
        "new_schools": new,
        "total": expansion + new,
        "expansion_cost_yuan": exp_cost,
        "new_school_cost_yuan": new_cost,
        "seat_cost_yuan": exp_cost + new_cost,
        "bed_cost_yuan": bed_cost,
        "new_school_names": opened,
    }


def policy_table(plan: Plan, policy_projects: pd.DataFrame | None = None) -> pd.DataFrame:
    """The plan against the policy's own targets, with the differences spelled out.

    Rows (``item``):

    * ``closures`` — schools closed by the last plan year vs :data:`POLICY_CLOSURES`;
    * ``compulsory_seats`` — added compulsory seats (classrooms added at primary, junior
      and nine-year schools and teaching points, times the class cap, plus the seats of
      the compulsory planned projects the plan opens) vs :data:`POLICY_COMPULSORY_SEATS`;
    * ``compulsory_seats_new_schools`` / ``compulsory_seats_expansion`` — the two parts;
      the policy's new-school seats are those of its projects of type ``new`` (needs
      ``policy_projects``), the rest of the 5,540 are counted as expansion;
    * ``compulsory_seat_cost_yuan`` — both sides valued at the scenario's unit costs
      (``cost_per_new_school_seat_yuan`` for new-school seats, ``cost_per_added_seat_yuan``
      for the others), so the difference is what the plan's seat choice saves or adds;
    * ``compulsory_build_yuan`` — the plan's compulsory seats and beds vs the policy's
      estimate :data:`POLICY_COMPULSORY_BUILD_YUAN` (which covers more than seats: scale
      only);
    * ``boarding_towns`` — towns with a boarding primary and a boarding junior school in
      the last plan year vs all towns (subdistricts excluded).

    Parameters
    ----------
    plan : Plan
        A solved plan.
    policy_projects : pandas.DataFrame, optional
        ``project, school_id, type, seats, policy_text`` (``data/policy_projects.csv``).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`POLICY_COLUMNS`: ``item``, ``item_zh``, ``unit``, ``policy``,
        ``plan``, ``difference`` (plan minus policy), ``note`` (Chinese, says by how much
        the plan needs fewer or more seats or money, and whether the closures compare).
    """
    sc = plan.scenario
    n_closed = int(len(plan.closures))
    cs = compulsory_seats(plan)
    same = n_closed >= POLICY_CLOSURES
    basis = f"方案撤并{n_closed}所, {'不少于' if same else '少于'}政策的{POLICY_CLOSURES}所"
    if policy_projects is not None and len(policy_projects):
        pp_new = int(
            pd.to_numeric(policy_projects.loc[policy_projects["type"] == "new", "seats"], errors="coerce")
            .fillna(0)
            .sum()
        )
    else:
        pp_new = None
    rows: list[dict[str, Any]] = []

    def add(item: str, item_zh: str, unit: str, policy: float | None, plan_value: float, note: str) -> None:
        diff = None if policy is None else plan_value - policy
        rows.append(
            {
                "item": item,
                "item_zh": item_zh,
                "unit": unit,
                "policy": policy,
                "plan": plan_value,
                "difference": diff,
                "note": note,
            }
        )

    d = n_closed - POLICY_CLOSURES
    if d >= 0:
        note = f"方案撤并{n_closed}所, 达到政策目标{POLICY_CLOSURES}所" + (f", 多{d}所" if d else "")
    else:
        note = f"方案撤并{n_closed}所, 比政策目标少{-d}所(情景的撤并目标为{sc.closure_target}; 规则允许的撤并有限时以规则为准)"
    add("closures", "撤并小规模学校(教学点)", "所", POLICY_CLOSURES, n_closed, note)

    d = cs["total"] - POLICY_COMPULSORY_SEATS
    if d < 0:
        note = f"{basis}; 方案少新增义务教育学位{-d:,}个(少{-d / POLICY_COMPULSORY_SEATS:.0%})"
    elif d > 0:
        note = f"{basis}; 方案多新增义务教育学位{d:,}个"
    else:
        note = f"{basis}; 新增学位与政策相同"
    if not same:
        note += "; 撤并数不同, 不是同口径比较"
    add("compulsory_seats", "新增义务教育学位", "个", POLICY_COMPULSORY_SEATS, cs["total"], note)
    add(
        "compulsory_seats_new_schools",
        "其中: 新建学校学位",
        "个",
        pp_new,
        cs["new_schools"],
        (
            "方案开办: " + "、".join(f"{n} {v:,}" for n, v in cs["new_school_names"].items())
            if cs["new_school_names"]
            else "方案期内未开办义务教育规划项目"
        )
        + ("; 政策数为政策项目表中新建项目的学位" if pp_new is not None else "; 未提供政策项目表, 政策数缺"),
    )
    pp_exp = None if pp_new is None else POLICY_COMPULSORY_SEATS - pp_new
    add(
        "compulsory_seats_expansion",
        "其中: 改扩建学位",
        "个",
        pp_exp,
        cs["expansion"],
        "现有学校新增教室 x 班额" + ("" if pp_exp is not None else "; 政策数缺"),
    )

    if pp_new is not None:
        policy_cost = (
            pp_new * sc.cost_per_new_school_seat_yuan + (POLICY_COMPULSORY_SEATS - pp_new) * sc.cost_per_added_seat_yuan
        )
        basis_cost = f"按情景单价(新建{sc.cost_per_new_school_seat_yuan:,.0f}元/学位, 扩建{sc.cost_per_added_seat_yuan:,.0f}元/学位)"
    else:
        policy_cost = POLICY_COMPULSORY_SEATS * sc.cost_per_added_seat_yuan
        basis_cost = f"按情景扩建单价{sc.cost_per_added_seat_yuan:,.0f}元/学位(未提供政策项目表)"
    d = cs["seat_cost_yuan"] - policy_cost
    if d < 0:
        note = f"{basis}; {basis_cost}, 方案学位投资少{_yuan_wan(-d)}"
    elif d > 0:
        note = f"{basis}; {basis_cost}, 方案学位投资多{_yuan_wan(d)}"
    else:
        note = f"{basis}; {basis_cost}, 学位投资相同"
    add(
        "compulsory_seat_cost_yuan",
        "义务教育学位投资",
        "元",
        round(policy_cost, 2),
        round(cs["seat_cost_yuan"], 2),
        note,
    )

    build = cs["seat_cost_yuan"] + cs["bed_cost_yuan"]
    d = build - POLICY_COMPULSORY_BUILD_YUAN
    add(
        "compulsory_build_yuan",
        "义务教育学校新建改扩建投资",
        "元",
        POLICY_COMPULSORY_BUILD_YUAN,
        round(build, 2),
        f"方案只计学位和床位({_yuan_wan(build)}), 政策概算3.27亿元还含教学楼、宿舍、餐厅、运动场等, 仅作量级参考; 差额{_yuan_wan(d)}",
    )

    tt = towns_table(plan)
    last = tt[(tt["year"] == _years(plan)[-1]) & tt["boarding_rule_met"].notna()]
    n_towns = int(len(last))
    met = int(last["boarding_rule_met"].astype(bool).sum())
    missing = "、".join(last.loc[~last["boarding_rule_met"].astype(bool), "town"])
    add(
        "boarding_towns",
        "每镇至少1所寄宿制小学和初中",
        "镇",
        n_towns,
        met,
        "全部镇达到" if met == n_towns else f"未达到: {missing}",
    )
    out = pd.DataFrame(rows, columns=POLICY_COLUMNS)
    return out


def projects_table(plan: Plan, policy_projects: pd.DataFrame | None = None) -> pd.DataFrame:
    """Each named seat project of the policy: its seats vs what the plan builds there.

    For a ``new`` project the plan's seats are the project's seats if the plan opens it
    (plus any classrooms added there); for an ``expansion`` the seats of the classrooms the
    plan adds.  Without ``policy_projects`` the district's planned projects stand in (their
    ``planned_seats`` as the policy seats).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`PROJECT_COLUMNS`: ``project``, ``school_id``, ``name`` (in the
        data), ``type``, ``policy_seats``, ``plan_status`` (last plan year), ``plan_open_year``
        (first year open, new schools), ``plan_seats``, ``difference`` (plan minus policy),
        ``enrolment`` and ``seats`` (pupils and seats there in the last plan year),
        ``cost_yuan`` (the plan's spending there: classrooms, beds and the new school),
        ``note``.
    """
    base = _district_schools(plan)
    if policy_projects is None or not len(policy_projects):
        planned = base[base["status"] == "planned"]
        policy_projects = pd.DataFrame(
            {
                "project": planned["name"].to_numpy(),
                "school_id": planned.index.to_numpy(),
                "type": "new",
                "seats": planned["planned_seats"].to_numpy(),
            }
        )
        logger.info("no policy project table: the district's %d planned projects stand in", len(policy_projects))
    last_year = _years(plan)[-1]
    last = plan.schools[plan.schools["year"] == last_year].set_index("school_id")
    opening = _opening_year(plan)
    sc = plan.scenario
    rows = []
    for r in policy_projects.itertuples(index=False):
        sid = str(getattr(r, "school_id", "") or "")
        policy_seats = int(pd.to_numeric(pd.Series([r.seats]), errors="coerce").fillna(0).iloc[0])
        kind_of_project = str(r.type)
        if sid not in last.index:
            rows.append(
                {
                    "project": r.project,
                    "school_id": sid,
                    "name": "",
                    "type": kind_of_project,
                    "policy_seats": policy_seats,
                    "plan_status": "",
                    "plan_open_year": None,
                    "plan_seats": 0,
                    "difference": -policy_seats,
                    "enrolment": 0,
                    "seats": 0,
                    "cost_yuan": 0.0,
                    "note": "数据中没有这所学校",
                }
            )
            continue
        s = last.loc[sid]
        cap = sc.class_cap(LEVEL_OF_KIND[s["kind"]])
        opened = sid in opening
        new_seats = _new_school_seats(plan, sid) if opened else 0
        plan_seats = int(s["added_seats"]) + new_seats
        cost = float(s["capital_cost_yuan"]) + new_seats * float(sc.cost_per_new_school_seat_yuan)
        d = plan_seats - policy_seats
        if kind_of_project == "new":
            note = f"方案{opening[sid]}年开办" if opened else "方案期内未开办"
        else:
            note = f"方案新增教室{int(s['added_classrooms'])}间" if s["added_classrooms"] else "方案未在此扩建"
        if d < 0:
            note += f"; 比政策少{-d:,}个学位"
        elif d > 0:
            note += f"; 比政策多{d:,}个学位"
        seats_there = int((s["classrooms"] + s["added_classrooms"]) * cap) if s["status"] in ("open", "new") else 0
        rows.append(
            {
                "project": r.project,
                "school_id": sid,
                "name": base.loc[sid, "name"],
                "type": kind_of_project,
                "policy_seats": policy_seats,
                "plan_status": s["status"],
                "plan_open_year": opening.get(sid),
                "plan_seats": plan_seats,
                "difference": d,
                "enrolment": int(s["enrolment"]),
                "seats": seats_there,
                "cost_yuan": round(cost, 2),
                "note": note,
            }
        )
    out = pd.DataFrame(rows, columns=PROJECT_COLUMNS)
    out["plan_open_year"] = out["plan_open_year"].astype("Int64")
    return out


def _horizon_band_pupils(plan: Plan, forecast: Forecast | None) -> tuple[int, pd.DataFrame]:
    """Horizon-year pupils by village and band: ``village_id, band, pupils_horizon``."""
    if forecast is None:
        forecast = plan.district.forecast(plan.scenario)
    years = [int(y) for y in forecast.years]
    horizon = int(plan.scenario.horizon_year)
    if horizon not in years:
        logger.warning(
            "the forecast ends in %d, before the horizon year %d: stranded seats are judged in %d",
            years[-1],
            horizon,
            years[-1],
        )
        horizon = years[-1]
    arr = forecast.for_years([horizon])[0]  # (V, 12)
    frames = []
    for band in BANDS:
        cols = [g - 1 for g in GRADES_OF_BAND[band]]
        frames.append(
            pd.DataFrame(
                {
                    "village_id": forecast.village_ids.astype(str),
                    "band": band,
                    "pupils_horizon": arr[:, cols].sum(axis=1).astype(np.int64),
                }
            )
        )
    return horizon, pd.concat(frames, ignore_index=True)


def stranded_table(plan: Plan, forecast: Forecast | None = None) -> pd.DataFrame:
    """Seats added by the last plan year that the forecast leaves empty by the horizon year.

    Definition, per school open in the last plan year ``L`` that adds seats (classrooms or,
    for a planned project the plan opens, the whole new school):

    * ``added_seats`` A = seats of the classrooms added by ``L`` (classrooms x class cap)
      plus, for a new school, its seats (``planned_seats``);
    * ``seats`` C = (classrooms + added classrooms) x class cap, at most the school-size
      cap, in ``L``;
    * ``pupils_horizon`` H = the horizon-year forecast pupils of the school's catchment in
      ``L``, catchments kept as they are in ``L`` (every village and band the school takes
      in ``L``);
    * ``empty_seats_horizon`` E = max(0, C - H);
    * ``stranded_seats`` = min(A, E): the added seats left empty, counting the school's
      older seats as filled first.  Never negative, never above A.

    ``stranded_cost_yuan`` values the stranded seats at the school's average cost per
    added seat (``cost_per_added_seat_yuan`` for classrooms, ``cost_per_new_school_seat_yuan``
    for a new school).  The class cap of a nine-year school is the primary one, as in the
    model's seat count.

    Parameters
    ----------
    plan : Plan
        A solved plan.
    forecast : layout_opt.demand.Forecast, optional
        Pupils by year, village and grade; ``plan.district.forecast(plan.scenario)`` if
        omitted.  The horizon is ``plan.scenario.horizon_year`` (the
        forecast's last year if it ends earlier).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`STRANDED_COLUMNS`, one row per school that adds seats, most
        stranded first.
    """
    sc = plan.scenario
    L = _years(plan)[-1]
    horizon, hp = _horizon_band_pupils(plan, forecast)
    last = plan.schools[plan.schools["year"] == L].copy()
    opening = _opening_year(plan)
    last["new_seats"] = [(_new_school_seats(plan, sid) if sid in opening else 0) for sid in last["school_id"]]
    last = last[last["status"].isin(["open", "new"]) & ((last["added_seats"] > 0) | (last["new_seats"] > 0))]
    a = plan.assignments[plan.assignments["year"] == L][["village_id", "band", "school_id"]].astype({"village_id": str})
    catch = a.merge(hp, on=["village_id", "band"], how="left").fillna({"pupils_horizon": 0})
    h = catch.groupby("school_id")["pupils_horizon"].sum()
    unassigned = hp.merge(a, on=["village_id", "band"], how="left")
    lost = int(unassigned.loc[unassigned["school_id"].isna(), "pupils_horizon"].sum())
    if lost:
        logger.info("%d horizon-year pupils live in village bands without a catchment in %d; not counted", lost, L)
    rows = []
    for r in last.itertuples(index=False):
        level = LEVEL_OF_KIND[r.kind]
        cap = sc.class_cap(level)
        size_cap = sc.school_cap(SIZE_CAP_CLASS_OF_KIND.get(r.kind, "primary"))
        added = int(r.added_seats) + int(r.new_seats)
        seats = int(min((r.classrooms + r.added_classrooms) * cap, size_cap))
        pupils_h = int(h.get(r.school_id, 0))
        empty = max(0, seats - pupils_h)
        stranded = min(added, empty)
        seat_cost = r.added_seats * sc.cost_per_added_seat_yuan + r.new_seats * sc.cost_per_new_school_seat_yuan
        per_seat = seat_cost / added if added else 0.0
        rows.append(
            {
                "school_id": r.school_id,
                "name": r.name,
                "town": r.town,
                "kind": r.kind,
                "status": r.status,
                "added_seats": added,
                "seats": seats,
                "pupils": int(r.enrolment),
                "horizon_year": horizon,
                "pupils_horizon": pupils_h,
                "empty_seats_horizon": int(empty),
                "stranded_seats": int(stranded),
                "stranded_share": round(stranded / added, 4) if added else 0.0,
                "stranded_cost_yuan": round(stranded * per_seat, 2),
            }
        )
    out = pd.DataFrame(rows, columns=STRANDED_COLUMNS)
    return out.sort_values(["stranded_seats", "school_id"], ascending=[False, True], kind="stable").reset_index(
        drop=True
    )


def _nearest_catchment(plan: Plan, school_id: str, candidates: list[str]) -> list[str]:
    """Villages whose nearest school among ``candidates`` is ``school_id`` (travel minutes,
    else straight-line distance)."""
    v_ids = plan.district.villages["village_id"].astype(str).to_numpy()
    travel = plan.travel
    if travel is not None:
        t = travel.to_frame()
        cols = [c for c in candidates if c in t.columns]
        if school_id in cols:
            sub = t.reindex(index=v_ids)[cols].to_numpy(float)
            sub = np.where(np.isfinite(sub), sub, np.inf)
            best = np.argmin(sub, axis=1)
            ok = np.isfinite(sub.min(axis=1))
            return [v for v, b, k in zip(v_ids, best, ok) if k and cols[b] == school_id]
    s = plan.district.schools.set_index("school_id").geometry
    vx = plan.district.villages.geometry
    pts = np.column_stack([vx.x, vx.y])
    sxy = np.array([[s[c].x, s[c].y] for c in candidates])
    d = np.hypot(pts[:, None, 0] - sxy[None, :, 0], pts[:, None, 1] - sxy[None, :, 1])
    best = np.argmin(d, axis=1)
    return [v for v, b in zip(v_ids, best) if candidates[b] == school_id]


def closed_school_destinations(plan: Plan, school_id: str) -> pd.DataFrame:
    """Where the plan sends the pupils of a closed school, in its closing year.

    The school's catchment is the villages and bands it took in the plan year before it
    closes; for a school that closes in the first plan year (no earlier plan year), the
    villages for which it was the nearest open school of its kind (by travel minutes).
    Those villages' pupils of the school's bands in the closing year are followed to the
    schools that take them.

    Returns
    -------
    pandas.DataFrame
        ``school_id`` (receiving), ``name``, ``pupils`` (closing-year pupils of the
        catchment going there), ``share``; most pupils first.  Empty if the school does
        not close.
    """
    c = plan.closures[plan.closures["school_id"] == school_id]
    cols = ["school_id", "name", "pupils", "share"]
    if c.empty:
        return pd.DataFrame(columns=cols)
    year = int(c["year"].iloc[0])
    years = _years(plan)
    prev = [y for y in years if y < year]
    base = _district_schools(plan)
    kind = base.loc[school_id, "kind"]
    bands = list(BANDS_OF_KIND.get(kind, BANDS))
    a = plan.assignments
    if prev:
        keys = a[(a["year"] == prev[-1]) & (a["school_id"] == school_id)][["village_id", "band"]]
    else:
        same_kind = base[
            (base["status"] == "open") & base["kind"].map(lambda k: bool(set(BANDS_OF_KIND.get(k, ())) & set(bands)))
        ].index.tolist()
        villages = _nearest_catchment(plan, school_id, same_kind)
        keys = pd.DataFrame([(v, b) for v in villages for b in bands], columns=["village_id", "band"])
    now = a[a["year"] == year].merge(keys, on=["village_id", "band"])
    g = now.groupby("school_id")["pupils"].sum().sort_values(ascending=False)
    g = g[g > 0]
    total = float(g.sum())
    out = pd.DataFrame(
        {
            "school_id": g.index,
            "name": base.reindex(g.index)["name"].to_numpy(),
            "pupils": g.to_numpy().astype(np.int64),
        }
    )
    out["share"] = (out["pupils"] / total).round(4) if total else 0.0
    return out.reset_index(drop=True)


def senior_table(plan: Plan) -> pd.DataFrame:
    """High schools year by year, where the pupils of closed ones go, against the policy.

    The policy (:data:`POLICY_SENIOR_RELOCATION`) moves 孟津一高 and 孟津一中 as whole
    schools to a new campus (the planned project 孟津一高新校区) and merges 孟津二高, 老城高中
    and 平乐高中 into the old 一高 campus.  In the plan's terms: the old 一高 site stays open
    and takes the merged schools, the new campus opens, and the other four sites close with
    their pupils going to the named destination.

    Returns
    -------
    pandas.DataFrame
        One row per high school (existing or planned): ``school_id, name, town, ur_code,
        main_urban`` (site in ``scenario.senior_urban_ur_codes``), ``status_<year>`` and
        ``enrolment_<year>`` per plan year, ``plan_outcome`` (Chinese), ``plan_destinations``
        (for a closed school: receiving schools with pupils and shares, from
        :func:`closed_school_destinations`), ``policy_action``, ``policy_destination``,
        ``agrees`` (the plan does what the policy says for that school: True/False; empty
        where the policy says nothing) and ``note``.
    """
    base = _district_schools(plan)
    high = base[base["kind"] == "high"]
    years = _years(plan)
    st = plan.schools[plan.schools["kind"] == "high"]
    rows = []
    for sid, b in high.iterrows():
        row: dict[str, Any] = {
            "school_id": sid,
            "name": b["name"],
            "town": b["town"],
            "ur_code": int(b["ur_code"]),
            "main_urban": int(b["ur_code"]) in plan.scenario.senior_urban_ur_codes,
        }
        mine = st[st["school_id"] == sid].set_index("year")
        for y in years:
            row[f"status_{y}"] = mine["status"].get(y, "")
        for y in years:
            row[f"enrolment_{y}"] = int(mine["enrolment"].get(y, 0))
        last_status = mine["status"].get(years[-1], "")
        closure = plan.closures[plan.closures["school_id"] == sid]
        dest = (
            closed_school_destinations(plan, sid)
            if len(closure)
            else pd.DataFrame(columns=["school_id", "name", "pupils", "share"])
        )
        if len(closure):
            outcome = f"{int(closure['year'].iloc[0])}年撤并"
        elif last_status == "new":
            outcome = f"{min(y for y in years if mine['status'].get(y) == 'new')}年新建开办"
        elif last_status == "planned":
            outcome = "规划中(方案期内未开办)"
        elif last_status == "closed":
            outcome = "方案期内未开办"
        else:
            outcome = "保留"
        row["plan_outcome"] = outcome
        row["plan_destinations"] = "; ".join(
            f"{n} {p}人({s:.0%})" for n, p, s in zip(dest["name"], dest["pupils"], dest["share"])
        )
        policy = POLICY_SENIOR_RELOCATION.get(str(b["name"]))
        if policy is None:
            row.update({"policy_action": "", "policy_destination": "", "agrees": None, "note": "政策未提及"})
        else:
            action, site, destination = policy
            if site == "closed":
                closed = len(closure) > 0
                top = dest["name"].iloc[0] if len(dest) else ""
                agrees = bool(closed and top == destination)
                if not closed:
                    note = f"方案保留该校; 政策要求迁入{destination}"
                elif top != destination:
                    note = f"方案学生主要去{top or '(无)'}, 政策去向为{destination}"
                else:
                    note = "与政策一致"
            elif site == "open":
                agrees = last_status in ("open", "new")
                note = (
                    "方案保留原一高校址, 承接合并学生"
                    if agrees
                    else "方案撤并原一高校址, 与政策'整合迁入原一高校址'不一致"
                )
            else:  # new
                agrees = last_status == "new"
                note = "方案开办新校区" if agrees else "方案期内未开办新校区"
            if site == "open" and not row["main_urban"]:
                note += "; 校址不在主城区, 规则要求迁出"
            row.update({"policy_action": action, "policy_destination": destination, "agrees": agrees, "note": note})
        rows.append(row)
    out = pd.DataFrame(rows)
    if len(out):
        out["agrees"] = out["agrees"].astype(object)
    return out


def report_tables(
    plan: Plan, policy_projects: pd.DataFrame | None = None, *, forecast: Forecast | None = None
) -> dict[str, pd.DataFrame]:
    """Every table of the plan report, English column names.

    Parameters
    ----------
    plan : Plan
        A solved plan.
    policy_projects : pandas.DataFrame, optional
        The policy's named seat projects (``project, school_id, type, seats,
        policy_text``), e.g. from ``layout_opt.io.read_policy_projects``.
    forecast : layout_opt.demand.Forecast, optional
        For the stranded seats; the scenario's forecast if omitted.

    Returns
    -------
    dict of str to pandas.DataFrame
        ``additions`` (:func:`additions_table`), ``towns`` (:func:`towns_table`),
        ``policy`` (:func:`policy_table`), ``projects`` (:func:`projects_table`),
        ``stranded`` (:func:`stranded_table`), ``senior`` (:func:`senior_table`).
    """
    return {
        "additions": additions_table(plan),
        "towns": towns_table(plan),
        "policy": policy_table(plan, policy_projects),
        "projects": projects_table(plan, policy_projects),
        "stranded": stranded_table(plan, forecast),
        "senior": senior_table(plan),
    }


# --------------------------------------------------------------------------- Chinese views


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


def _closures_zh(plan: Plan) -> pd.DataFrame:
    names = _district_schools(plan)["name"]
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
    s = _district_schools(plan)
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
    plan: Plan, policy_projects: pd.DataFrame | None = None, *, forecast: Forecast | None = None
) -> dict[str, pd.DataFrame]:
    """The tables of the Excel workbook, Chinese sheet names and column titles.

    Parameters
    ----------
    plan : Plan
        A solved plan.
    policy_projects : pandas.DataFrame, optional
        The policy's named seat projects.
    forecast : layout_opt.demand.Forecast, optional
        For the stranded seats (see :func:`stranded_table`).

    Returns
    -------
    dict of str to pandas.DataFrame
        Sheet name (:data:`SHEET_NAMES`, in that order: 概要, 新增学位教室床位, 镇街汇总,
        政策目标对比, 重点项目, 闲置学位, 高中布局, 撤并学校, 学校逐年情况, 划片安排) to
        table.  Codes (band, mode, kind, status) are in Chinese words; ids stay as they are.
    """
    tables = report_tables(plan, policy_projects, forecast=forecast)
    out = {SHEET_NAMES["summary"]: zh_table(key_figures(plan))}
    for key in ("additions", "towns", "policy", "projects", "stranded", "senior"):
        out[SHEET_NAMES[key]] = zh_table(tables[key])
    out[SHEET_NAMES["closures"]] = zh_table(_closures_zh(plan))
    out[SHEET_NAMES["schools"]] = zh_table(plan.schools)
    out[SHEET_NAMES["assignments"]] = zh_table(_assignments_zh(plan))
    return out


# --------------------------------------------------------------------------- HTML

_CSS = """
body{font-family:"Noto Sans CJK SC","Noto Sans SC","Source Han Sans SC","Microsoft YaHei","PingFang SC",sans-serif;margin:24px auto;max-width:1280px;color:#222;line-height:1.5}
h1{font-size:24px;border-bottom:2px solid #1f77b4;padding-bottom:6px}
h2{font-size:19px;margin-top:32px;border-left:5px solid #1f77b4;padding-left:8px}
h3{font-size:16px;margin-top:20px}
.kpis{display:flex;flex-wrap:wrap;gap:10px}
.kpi{border:1px solid #d0d7de;border-radius:6px;padding:8px 14px;min-width:150px;background:#f6f8fa}
.kpi .v{font-size:22px;font-weight:bold;color:#1f4e79}
.kpi .l{font-size:12px;color:#555}
table.t{border-collapse:collapse;font-size:12.5px;margin:8px 0}
table.t th{background:#e8eef5;padding:4px 7px;border:1px solid #c8d1da;white-space:nowrap}
table.t td{padding:3px 7px;border:1px solid #dde3ea;text-align:left;white-space:nowrap}
table.t td.n{text-align:right}
table.t td.w{white-space:normal;min-width:240px}
.tw{overflow-x:auto}
.note{font-size:12.5px;color:#555}
img{max-width:100%}
.warn{color:#a40000}
"""


def _fig_png(fig: Any, dpi: int = 110) -> str:
    buf = _io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _img(b64: str, alt: str) -> str:
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{b64}">'


#: Columns shown as plain text in HTML (no thousands separators).
_PLAIN = ("年份", "代码")

#: Columns of long text in HTML (allowed to wrap).
_LONG_TEXT = ("说明", "方案学生去向", "政策安排", "接收学校", "政策去向")


def _cell(x: Any, title: str) -> tuple[str, bool]:
    """HTML text of one value and whether it is a number (right-aligned)."""
    if not pd.api.types.is_scalar(x):
        return html.escape(str(x)), False
    if x is None or (not isinstance(x, str) and pd.isna(x)):
        return "", False
    if isinstance(x, (bool, np.bool_)):
        return ("是" if x else "否"), False
    if isinstance(x, (int, np.integer)):
        return (str(int(x)) if any(p in title for p in _PLAIN) else f"{int(x):,}"), True
    if isinstance(x, (float, np.floating)):
        if "比例" in title:
            return f"{float(x):.0%}", True
        if float(x).is_integer():
            return (str(int(x)) if any(p in title for p in _PLAIN) else f"{int(x):,}"), True
        return f"{float(x):,.2f}", True
    return html.escape(str(x)), False


def _html_table(df: pd.DataFrame, max_rows: int | None = None) -> str:
    """A table as HTML: numbers right-aligned with thousands separators, text left."""
    shown = df if max_rows is None or len(df) <= max_rows else df.head(max_rows)
    cols = [str(c) for c in shown.columns]
    head = "".join(f"<th>{html.escape(c)}</th>" for c in cols)
    body = []
    for row in shown.itertuples(index=False):
        cells = []
        for value, title in zip(row, cols):
            text, number = _cell(value, title)
            cls = "n" if number else ("w" if title in _LONG_TEXT else "s")
            cells.append(f'<td class="{cls}">{text}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    out = f'<div class="tw"><table class="t"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table></div>'
    if shown is not df:
        out += f'<p class="note">共{len(df)}行, 此处显示前{len(shown)}行; 全部见Excel工作簿。</p>'
    return out


def _kpi(value: str, label: str) -> str:
    return f'<div class="kpi"><div class="v">{html.escape(value)}</div><div class="l">{html.escape(label)}</div></div>'


def render_html(
    plan: Plan,
    policy_projects: pd.DataFrame | None = None,
    bus_plan: BusPlan | None = None,
    *,
    forecast: Forecast | None = None,
) -> str:
    """The plan report as one self-contained HTML page, in Chinese.

    Order: key figures (closures, added seats, classrooms, beds, money, solver status,
    objective, bound and gap), the maps (before and after, catchments, travel-time
    distributions, bus routes if ``bus_plan`` is given), the tables (additions per school
    and year, towns, closures), the policy comparison (targets, named projects, senior
    high schools), the stranded seats, and the scenario.  Figures are PNG embedded as
    base64; the page loads nothing from the network.

    Parameters
    ----------
    plan : Plan
        A solved plan.
    policy_projects : pandas.DataFrame, optional
        The policy's named seat projects.
    bus_plan : layout_opt.routing.BusPlan, optional
        School-bus routes to map.
    forecast : layout_opt.demand.Forecast, optional
        For the stranded seats (see :func:`stranded_table`).

    Returns
    -------
    str
        The HTML document (UTF-8 text).
    """
    from . import maps

    t0 = time.perf_counter()
    s = plan.summary
    sol = s["solver"]
    cost = s["costs_yuan"]
    tables = report_tables(plan, policy_projects, forecast=forecast)
    cs = compulsory_seats(plan)
    district_name = str(s.get("district", ""))
    years = _years(plan)
    e = html.escape
    parts: list[str] = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN"><head><meta charset="utf-8">',
        f"<title>{e(district_name)} 中小学布局优化方案报告</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>{e(district_name)} 中小学布局优化方案 ({years[0]}—{years[-1]}年)</h1>",
        f'<p class="note">情景: {e(str(s["scenario"].get("name", "")))}; 规划年份: {"、".join(map(str, years))}; 远期预测年份: {plan.scenario.horizon_year}。</p>',
        "<h2>一、关键数字</h2>",
        '<div class="kpis">',
        _kpi(f"{s['closures']['total']}所", f"撤并学校(教学点), 政策目标{POLICY_CLOSURES}所"),
        _kpi(f"{cs['total']:,}个", f"新增义务教育学位(含新建学校), 政策{POLICY_COMPULSORY_SEATS:,}个"),
        _kpi(f"{s['added']['seats']:,}个", "扩建新增学位(各学段)"),
        _kpi(f"{s['added']['classrooms']:,}间", "新增教室"),
        _kpi(f"{s['added']['beds']:,}张", "新增床位"),
        _kpi(_yuan_wan(cost["capital"]), "扩建投资(教室和床位)"),
        _kpi(_yuan_wan(cost.get("planned_projects", 0.0)), "新建学校投资(规划项目)"),
        _kpi(f"{s['pupils'][str(years[-1])]['boarding']:,}人", f"{years[-1]}年寄宿生"),
        "</div>",
        "<h3>求解情况</h3>",
        '<div class="kpis">',
        _kpi(
            f"{sol['status']}", f"求解状态 ({SOLVER_STATUS_ZH.get(sol['status'], '')}), 求解器 {sol.get('backend', '')}"
        ),
        _kpi(
            "—" if sol.get("objective_yuan") is None else _yuan_wan(sol["objective_yuan"]),
            "目标值(投资+出行时间+寄宿成本折算)",
        ),
        _kpi("—" if sol.get("bound_yuan") is None else _yuan_wan(sol["bound_yuan"]), "下界"),
        _kpi("—" if sol.get("gap") is None else f"{100 * sol['gap']:.2f}%", "相对差距(gap)"),
        "</div>",
    ]
    if s.get("unserved_pupils"):
        parts.append(f'<p class="warn">注意: 有{s["unserved_pupils"]:,}名学生未安排学校。</p>')
    parts.append(_html_table(zh_table(key_figures(plan))))

    parts.append("<h2>二、布局地图</h2>")
    figures: list[tuple[str, Any]] = []
    try:
        figures.append(("调整前后对比", maps.plot_before_after(plan)))
        from matplotlib.figure import Figure

        fig = Figure(figsize=maps._map_size(plan.district), layout="constrained")
        maps.plot_catchments(plan, ax=fig.add_subplot())
        figures.append((f"{years[-1]}年划片", fig))
        figures.append(("上学时间分布", maps.plot_travel_distributions(plan)))
        if bus_plan is not None:
            fig = Figure(figsize=maps._map_size(plan.district), layout="constrained")
            maps.plot_routes(bus_plan, plan.district, ax=fig.add_subplot())
            figures.append((f"{bus_plan.year}年校车线路", fig))
    except ImportError:  # pragma: no cover - matplotlib is a dependency
        logger.warning("matplotlib is not installed: the report has no maps")
    for title, fig in figures:
        parts.append(f"<h3>{e(title)}</h3>")
        parts.append(_img(_fig_png(fig), title))
    if bus_plan is not None:
        parts.append(
            _html_table(
                zh_table(pd.DataFrame([bus_plan.totals]).T.reset_index().set_axis(["indicator", "value"], axis=1))
            )
        )

    parts.append("<h2>三、新增学位、教室、床位与投资(按学校和年份)</h2>")
    add = tables["additions"]
    parts.append(
        f'<p class="note">合计: 新增教室{int(add["classrooms_built"].sum()):,}间, 学位{int(add["seats_built"].sum()):,}个, 床位{int(add["beds_built"].sum()):,}张, '
        f"投资{_yuan_wan(float(add['cost_yuan'].sum()))}; 新建学校学位{int(add['new_school_seats'].sum()):,}个, 投资{_yuan_wan(float(add['new_school_cost_yuan'].sum()))}。</p>"
    )
    parts.append(_html_table(zh_table(add)))
    parts.append("<h2>四、分镇街汇总</h2>")
    towns = tables["towns"]
    parts.append(_html_table(zh_table(towns[towns["year"] == years[-1]])))
    if len(years) > 1:
        parts.append('<p class="note">各年明细见Excel工作簿"镇街汇总"。</p>')
    parts.append("<h2>五、撤并学校</h2>")
    parts.append(_html_table(zh_table(_closures_zh(plan)), max_rows=200))

    parts.append("<h2>六、与政策目标对比</h2>")
    parts.append(f'<p class="note">政策依据: {e(POLICY_DOCUMENT)}。</p>')
    parts.append(_html_table(zh_table(tables["policy"].drop(columns=["item"]))))
    parts.append("<h3>政策列名的学位项目</h3>")
    parts.append(_html_table(zh_table(tables["projects"])))
    parts.append("<h3>高中布局: 方案与政策的迁并安排</h3>")
    parts.append(
        '<p class="note">政策: 孟津一高和孟津一中整建制迁入新校址(孟津一高新校区), 孟津二高、老城高中、平乐高中整合迁入原一高校址。</p>'
    )
    parts.append(_html_table(zh_table(tables["senior"])))

    parts.append("<h2>七、闲置学位</h2>")
    st = tables["stranded"]
    horizon = int(st["horizon_year"].iloc[0]) if len(st) else plan.scenario.horizon_year
    parts.append(
        f'<p class="note">到{years[-1]}年新增的学位中, 按{years[-1]}年划片不变, {horizon}年学龄人口预测下仍空置的部分(先计原有学位): '
        f"合计{int(st['stranded_seats'].sum()):,}个, 约{_yuan_wan(float(st['stranded_cost_yuan'].sum()))}。</p>"
    )
    parts.append(_html_table(zh_table(st)))

    parts.append("<h2>八、情景参数</h2>")
    from .scenario import PARAMETERS

    params = pd.DataFrame(
        [
            (k, str(v), PARAMETERS[k].unit if k in PARAMETERS else "", PARAMETERS[k].source if k in PARAMETERS else "")
            for k, v in s["scenario"].items()
        ],
        columns=["parameter", "value", "unit", "source"],
    )
    parts.append(_html_table(zh_table(params)))
    attribution = getattr(plan.district, "attribution", "")
    if attribution:
        parts.append(f'<p class="note">数据来源: {e(attribution)}</p>')
    parts.append("</body></html>")
    logger.info("report rendered in %.1f s", time.perf_counter() - t0)
    return "\n".join(parts)
