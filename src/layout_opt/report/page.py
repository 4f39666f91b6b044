"""The plan report as one self-contained HTML page in Chinese, laid out for A4 paper.

Figures are PNG (200 dpi) and the CJK font a subset of the packaged Noto Sans CJK SC,
both embedded, so the page renders the same anywhere, offline and without a Chinese font
installed.  It holds no wall-clock time and no random ids: the same plan gives the same
bytes.
"""

from __future__ import annotations

import html
import logging
import re
import time
from typing import TYPE_CHECKING, Any

import pandas as pd

from .. import maps
from ..schema import BAND_ZH, BANDS
from . import economics as eco
from . import markup as mk
from .common import district_name_zh, other_closures_zh, plan_years, policy_of
from .params import scenario_table, value_zh
from .tables import compulsory_seats, kindergarten_places
from .targets import report_tables
from .workbook import closures_zh, zh_table

if TYPE_CHECKING:  # pragma: no cover
    from ..demand import Forecast
    from ..plan import Plan
    from ..policy import Policy
    from ..routing import BusPlan

logger = logging.getLogger(__name__)

_NUMERALS = "一二三四五六七八九十"


def _wan(df: pd.DataFrame) -> pd.DataFrame:
    """Money columns (titles ending ``(元)``) in 万元, for tables that must fit A4."""
    out = df.copy()
    for c in out.columns:
        title = str(c)
        if "(元" in title and title.endswith(")"):
            out[c] = pd.to_numeric(out[c], errors="coerce") / 1e4
            out = out.rename(columns={c: title.replace("(元", "(万元")})
    return out


def _drop_empty(df: pd.DataFrame) -> pd.DataFrame:
    """Leave out numeric columns that are zero or empty in every row."""
    keep = []
    for c in df.columns:
        col = df[c]
        numeric = pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col)
        if numeric and col.fillna(0).eq(0).all():
            continue
        keep.append(c)
    return df[keep]


class _Doc:
    """The page being written: numbered sections, and every character for the font."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.n = 0

    def section(self, title: str, page_break: bool = False) -> None:
        self.n += 1
        num = _NUMERALS[self.n - 1] if self.n <= 10 else f"十{_NUMERALS[self.n - 11]}"
        cls = ' class="pb"' if page_break else ""
        self.parts.append(f"<h2{cls}>{num}、{html.escape(title)}</h2>")

    def add(self, *parts: str) -> None:
        self.parts.extend(parts)


def render_html(
    plan: Plan,
    policy_projects: pd.DataFrame | None = None,
    bus_plan: BusPlan | None = None,
    *,
    forecast: Forecast | None = None,
    policy: Policy | None = None,
) -> str:
    """The plan report as one self-contained HTML page, in Chinese, for A4 paper.

    Sections: key figures (closures by kind against the target, seats, money spent apart
    from the valued travel time, buses, boarders, pupils who change school) with a box on
    method and reliability; investment (one reconciled table against the policy's
    envelope) and yearly costs; closures by year and pupils who change school; boarding;
    the school buses (by year, town and school, model and routes, with maps per town);
    catchments (maps per band with town areas, per town, the price of the zone rule); the
    layout maps; additions per school and year; towns; the policy comparison; stranded
    seats; the closed schools; the sensitivity table (when ``summary["sensitivity"]``
    exists); the scenario's parameters in Chinese.

    Parameters
    ----------
    plan : Plan
        A solved plan.
    policy_projects : pandas.DataFrame, optional
        The policy's named seat projects.
    bus_plan : layout_opt.routing.BusPlan, optional
        School-bus routes to map; the last year of ``plan.buses`` if omitted.
    forecast : layout_opt.demand.Forecast, optional
        For the stranded seats (see :func:`~layout_opt.report.stranded_table`).
    policy : layout_opt.policy.Policy, optional
        The policy targets; those of the plan's district if omitted.  Without targets the
        page compares nothing with a policy.

    Returns
    -------
    str
        The HTML document (UTF-8 text), with the CJK font subset and the figures embedded.
    """
    t0 = time.perf_counter()
    policy = policy_of(plan, policy)
    if bus_plan is None and plan.buses:
        bus_plan = plan.buses[max(plan.buses)]
    tables = report_tables(plan, policy_projects, forecast=forecast, policy=policy)
    name = district_name_zh(plan.summary.get("district", ""))
    years = plan_years(plan)
    doc = _Doc()
    schools = "中小学幼儿园" if "preschool" in plan.district.planned_bands(plan.scenario) else "中小学"
    title = f"{name}{schools}布局优化方案({years[0]}—{years[-1]}年)"
    doc.add(f"<h1>{html.escape(title)}</h1>")
    doc.add(
        mk.note(
            f"情景: {value_zh('name', plan.summary['scenario'].get('name', ''))}; 规划年份: {'、'.join(map(str, years))}; "
            f"现状年份: {plan.district.base_year}年; 远期预测年份: {plan.scenario.horizon_year}年。"
            "金额单位为元或万元; 时间为单程分钟。"
        )
    )
    _key_figures(doc, plan, policy)
    _method_box(doc, plan)
    _money(doc, plan, policy)
    _closures_and_moves(doc, plan)
    _boarding(doc, plan, tables, policy)
    _buses(doc, plan, bus_plan)
    _catchments(doc, plan)
    _maps(doc, plan)
    _additions(doc, plan, tables)
    _towns(doc, plan, tables)
    _kindergartens(doc, plan, tables, policy)
    _policy(doc, tables, policy)
    _stranded(doc, plan, tables["stranded"])
    _closed_list(doc, plan)
    _sensitivity(doc, plan)
    _scenario(doc, plan)
    body = "\n".join(doc.parts)
    text = title + body
    page = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(title)}</title>",
        f"<style>{mk.font_style(_visible_text(text))}{mk.CSS}</style></head><body>",
        body,
        "</body></html>",
    ]
    logger.info("report rendered in %.1f s", time.perf_counter() - t0)
    return "\n".join(page)


def _visible_text(markup: str) -> str:
    """The characters a page shows (tags and embedded images left out), for the font subset."""
    text = re.sub(r'src="data:[^"]*"', "", markup)
    text = re.sub(r"<[^>]+>", "", text)
    return html.unescape(text) + "0123456789,.%—/() 万元页"


# --------------------------------------------------------------------------- key figures


def _key_figures(doc: _Doc, plan: Plan, policy: Policy | None) -> None:
    s = plan.summary
    years = plan_years(plan)
    last = str(years[-1])
    c = s["closures"]
    small = int(c.get("small_schools", c["total"]))
    other = int(c.get("other", 0))
    by_year = c.get("small_schools_by_year", c["by_year"])
    target = policy.closures if policy is not None else (c.get("target") if c.get("target", -1) >= 0 else None)
    cs = compulsory_seats(plan)
    inv = eco.investment_table(plan, policy).set_index("item")
    build = float(inv.at["total", "total_yuan"])
    yearly = s.get("yearly_cost_yuan", {}).get(last, {})
    spend_year = sum(float(yearly.get(k, 0.0)) for k in ("running", "transport", "boarding"))
    flows = eco.pupil_flows(plan)
    buses = s.get("buses", {}).get(last, {})
    boarding = eco.boarding_table(plan)
    bl = boarding[boarding["year"] == years[-1]].iloc[0]
    highs = eco.closures_by_year(plan, policy)
    other_names = "、".join(n for n in highs["other_names"] if n)
    doc.section("关键数字")
    cards = [
        mk.kpi(
            f"{small}所",
            "撤并小规模学校(教学点)"
            + (f", 政策目标{target}所" if target is not None else "")
            + " ("
            + "、".join(f"{y}年{n}" for y, n in by_year.items())
            + ")",
        ),
        mk.kpi(f"{other}所", f"{other_closures_zh(plan)}, 另计" + (f": {other_names}" if other_names else "")),
        mk.kpi(
            f"{cs['total']:,}个",
            "新增义务教育学位" + (f", 政策{policy.compulsory_seats:,}个" if policy is not None else ""),
        ),
        mk.kpi(f"{s['added']['beds']:,}张", f"新增床位; {years[-1]}年寄宿生{int(bl['boarders']):,}人"),
        mk.kpi(
            mk.yuan_wan(build),
            f"建设投资: 改扩建{mk.yuan_wan(inv.at['expansion', 'total_yuan'])} + 规划项目{mk.yuan_wan(inv.at['projects', 'total_yuan'])}",
            money=True,
        ),
        mk.kpi(
            mk.yuan_wan(spend_year) + "/年",
            f"{last}年运行支出: 学校{mk.yuan_wan(yearly.get('running'))}、校车{mk.yuan_wan(yearly.get('transport'))}、寄宿{mk.yuan_wan(yearly.get('boarding'))}",
            money=True,
        ),
        mk.kpi(
            f"{int(buses.get('buses_routed', buses.get('buses_model', 0)) or 0):,}辆",
            f"{last}年校车, 乘车学生{int(buses.get('pupils_bused', 0)):,}人, 每日{float(buses.get('bus_km_per_day', 0) or 0):,.0f}车公里",
        ),
        mk.kpi(
            f"{int(flows['changed_school'].sum()):,}人",
            f"在校生转学({years[0]}—{years[-1]}年合计), 其中因撤并{int(flows['moved_closure'].sum()):,}人",
        ),
    ]
    doc.add('<div class="kpis">', *cards, "</div>")
    travel = s["costs_yuan"].get("travel")
    if travel is not None:
        doc.add(
            mk.note(
                f"另: 学生上学时间按{plan.scenario.value_of_time_yuan_per_hour:g}元/小时折算, "
                f"{plan.scenario.appraisal_years}年合计{mk.yuan_wan(travel)}; 这是权衡上学距离的折算价值, 不是财政支出。"
            )
        )
    if s.get("unserved_pupils"):
        doc.add(mk.note(f"注意: 有{s['unserved_pupils']:,}名学生未安排学校。", "warn"))


def _solver_words(sol: dict) -> str:
    status, gap = sol.get("status"), sol.get("gap")
    gap_text = "" if gap is None else (f"{100 * gap:.2f}%" if gap >= 1e-4 or gap == 0 else f"{100 * gap:.1g}%")
    if status == "optimal":
        return f"已证明为最优方案: 与理论下界的差距不超过{gap_text or '求解精度'}。"
    if status == "feasible":
        return f"找到满足全部规则的方案, 未证明最优: 与理论下界的差距最多{gap_text or '未知'}。"
    if status == "breaks rules":
        return "方案违反规则, 见violations.csv(程序错误, 请报告)。"
    return f"求解状态: {status}。"


def _method_box(doc: _Doc, plan: Plan) -> None:
    s = plan.summary
    sol = s["solver"]
    cost = s["costs_yuan"]
    items = [
        f"方法: 混合整数规划, 在全部规则(班额、规模、上学时间、寄宿、学区、三个集中、撤并目标)下使"
        f"{cost.get('appraisal_years', plan.scenario.appraisal_years)}年的实际支出与上学时间折算之和最小。{_solver_words(sol)}",
        f"目标值{mk.yuan_wan(cost.get('objective'))} = 实际支出{mk.yuan_wan(cost.get('money'))} + 上学时间折算{mk.yuan_wan(cost.get('travel'))}; "
        f"政策规划项目{mk.yuan_wan(cost.get('planned_projects', 0.0))}另计。",
    ]
    units = sol.get("units") or []
    if units:
        n_opt = sum(1 for u in units if u.get("status") == "optimal")
        items.append(f"全区按学区和学段分为{len(units)}个独立子问题, 其中{n_opt}个证明最优。")
    check = s.get("check")
    if check is not None:
        v = int(check.get("violations", 0))
        items.append(
            "独立核查: 按原始数据逐条复核全部规则, " + ("无违反。" if v == 0 else f"发现{v}处违反(见violations.csv)。")
        )
    cal = s.get("buses", {}).get("calibration") or []
    if cal:
        r = cal[-1]
        items.append(
            f"校车: 模型按各校估算车辆计费, 再逐年规划校车线路校准; 最后一轮估算与线路费用相差{100 * float(r['difference']):.1f}%"
            f"(允许{100 * plan.scenario.bus_estimate_tolerance:.0f}%)。"
        )
    z = eco.zone_rule(plan)
    if z is not None:
        lo, hi = z.get("price_at_least_yuan"), z.get("price_at_most_yuan")
        if lo is not None:
            price = f"{mk.yuan_wan(lo)}至{mk.yuan_wan(hi)}" if hi is not None else f"至少{mk.yuan_wan(lo)}(上限未证明)"
            items.append(f"学区规则的代价: 按镇(街道)划片比全区不分学区多支出{price}(评估期合计)。")
    li = "".join(f"<li>{html.escape(t)}</li>" for t in items)
    doc.add(f'<div class="box"><h3>方法与可信度</h3><ul>{li}</ul></div>')


# --------------------------------------------------------------------------- money


def _money(doc: _Doc, plan: Plan, policy: Policy | None) -> None:
    doc.section("投资与费用")
    inv = eco.investment_table(plan, policy)
    doc.add("<h3>建设投资对账</h3>")
    doc.add(
        mk.note(
            "方案改扩建(教室、床位)加上方案期内开办的政策规划项目, 即为全部建设投资; 义务教育与高中分列。"
            + (" 政策概算只对义务教育学校。" if policy is not None else "")
        )
    )
    shown = _wan(zh_table(inv.drop(columns=["item"]).rename(columns={"item_zh": "investment_item"})))
    sums = tuple(i for i, it in enumerate(inv["item"]) if it in ("expansion", "projects", "total"))
    doc.add(mk.table(shown, sum_rows=sums))
    doc.add("<h3>费用构成(评估期)</h3>")
    money = eco.money_table(plan)
    sums = tuple(i for i, t in enumerate(money["term"]) if t in ("money", "objective"))
    doc.add(mk.table(_wan(zh_table(money.drop(columns=["term"]))), sum_rows=sums))
    doc.add("<h3>逐年运行支出</h3>")
    doc.add(mk.table(_wan(zh_table(eco.yearly_costs(plan)))))


# --------------------------------------------------------------------------- closures and moves


def _closures_and_moves(doc: _Doc, plan: Plan) -> None:
    doc.section("撤并与学生转学")
    cy = eco.closures_by_year(plan)
    doc.add("<h3>逐年撤并</h3>", mk.table(_drop_empty(zh_table(cy))))
    doc.add("<h3>学生去向(逐年)</h3>")
    doc.add(
        mk.note(
            "在校生原则上在原校读完本学段; 新生(一、七、十年级)和迁入学生按划片入学; 学校撤并或不再开设其年级时转学。"
        )
    )
    doc.add(mk.table(_drop_empty(zh_table(eco.pupil_flows(plan)))))
    mv = eco.moves_by_school(plan)
    if len(mv):
        doc.add("<h3>接收转学学生的学校</h3>")
        doc.add(mk.table(zh_table(mv.drop(columns=["school_id"])), max_rows=25, more="全部见Excel工作簿“转学”"))
    today = eco.today_vs_plan(plan)
    if len(today):
        years = plan_years(plan)
        last = years[-1]
        lvl = today.assign(level=today["kind"].map(lambda k: "高中" if k == "high" else "义务教育"))
        rows = []
        for level, g in lvl.groupby("level", sort=False):
            rows.append(
                {
                    "学段": level,
                    "现状学校": int((g["pupils_today"] > 0).sum()),
                    "现状在校生": int(g["pupils_today"].sum()),
                    f"{last}年学校": int((g[f"pupils_{last}"] > 0).sum()),
                    f"{last}年在校生": int(g[f"pupils_{last}"].sum()),
                }
            )
        doc.add("<h3>现状与方案对比</h3>", mk.table(pd.DataFrame(rows)))
        doc.add(mk.note("各校现状与逐年在校生、寄宿生见Excel工作簿“现状与方案”。"))


# --------------------------------------------------------------------------- boarding


def _boarding(doc: _Doc, plan: Plan, tables: dict[str, pd.DataFrame], policy: Policy | None) -> None:
    doc.section("寄宿")
    bt = eco.boarding_table(plan)
    if policy is None or getattr(policy, "boarding_schools_today", None) is None:
        bt = bt.drop(columns=["boarding_schools_policy"])
    doc.add(
        mk.note(
            f"寄宿是{plan.scenario.boarding_min_km:g}公里以上学生的选择, 超过走读时间上限时必须寄宿; "
            f"每个镇至少{plan.scenario.boarding_schools_per_town}所寄宿制小学和初中。首行为现状。"
        )
    )
    doc.add(mk.table(zh_table(bt)))
    towns = tables["towns"]
    last = towns[towns["year"] == plan_years(plan)[-1]]
    cols = ["town", "boarders", "boarding_primary_schools", "boarding_junior_schools", "boarding_rule_met"]
    doc.add(mk.table(zh_table(last[cols])))


# --------------------------------------------------------------------------- buses


def _buses(doc: _Doc, plan: Plan, bus_plan: BusPlan | None) -> None:
    by_year = eco.bus_years(plan)
    if by_year["pupils_bused"].fillna(0).sum() == 0 and bus_plan is None:
        return
    doc.section("校车")
    sc = plan.scenario
    doc.add(
        mk.note(
            f"乘车学段: {'、'.join(BAND_ZH.get(b, b) for b in sc.bus_bands)}; 离校{sc.walk_threshold_km:g}公里以上的走读生乘校车。"
            f"每辆车{sc.bus_seats}座, 年费用{sc.bus_cost_yuan_per_year:,.0f}元(购车折旧、司机、照管员、保险维护)"
            f"加每车公里{sc.bus_cost_yuan_per_km:g}元, 每年{sc.school_days_per_year}天。"
            "“模型估算”为优化时的车辆估算, “按线路”为逐年规划的实际线路。"
        )
    )
    doc.add("<h3>逐年校车</h3>", mk.table(_wan(_drop_empty(zh_table(by_year)))))
    schools = eco.bus_schools(plan)
    towns = eco.bus_towns(plan, schools)
    if bus_plan is not None and len(towns):
        y = int(bus_plan.year)
        t = towns[towns["year"] == y].drop(columns=["year"])
        total = t.drop(columns=["town"]).sum(numeric_only=True)
        t = pd.concat([t, pd.DataFrame([{"town": "合计", **total.to_dict()}])], ignore_index=True)
        doc.add(f"<h3>{y}年校车(按镇街)</h3>", mk.table(_wan(zh_table(t)), sum_rows=(-1,)))
        for fig_title, fig in maps.bus_town_figures(bus_plan, plan.district):
            doc.add(mk.figure(mk.figure_png(fig), fig_title))
        s = schools[schools["year"] == y].sort_values(["buses_routed", "school_id"], ascending=[False, True])
        doc.add(
            f"<h3>{y}年校车(按学校, 车辆最多的学校)</h3>",
            mk.table(
                _wan(zh_table(s.drop(columns=["year", "school_id"]))),
                max_rows=30,
                more="全部学校见Excel工作簿“校车(学校)”",
            ),
        )


# --------------------------------------------------------------------------- catchments and maps


def _catchments(doc: _Doc, plan: Plan) -> None:
    years = plan_years(plan)
    doc.section(f"划片({years[-1]}年)", page_break=True)
    doc.add(mk.note("每个村(社区)的各学段学生按划片进入一所学校; 地图上同色区域为同一学校的片区, 灰线为镇街界。"))
    a = plan.assignments[(plan.assignments["year"] == years[-1]) & (plan.assignments["pupils"] > 0)]
    bands = [b for b in BANDS if (a["band"] == b).any()]
    for i in range(0, len(bands), 2):
        pair = tuple(bands[i : i + 2])
        fig = maps.plot_catchment_areas(plan, years[-1], bands=pair)
        doc.add(mk.figure(mk.figure_png(fig), f"{years[-1]}年划片: {'、'.join(BAND_ZH[b] for b in pair)}"))
    ct = eco.catchment_table(plan, years[-1])
    if len(ct):
        rows = []
        for (town, band), g in ct.groupby(["town", "band"], sort=False):
            rows.append(
                {
                    "镇街": town,
                    "学段": BAND_ZH.get(band, band),
                    "划片学校(村数, 寄宿)": "、".join(
                        f"{n}({v}{', 寄宿' if m == 'boarding' else ''})"
                        for n, v, m in zip(g["name"], g["villages"], g["mode"])
                    ),
                    "学生数": int(g["pupils"].sum()),
                }
            )
        doc.add("<h3>各镇街划片</h3>", mk.table(pd.DataFrame(rows), keep=False))
    z = eco.zone_rule(plan)
    if z is not None:
        rows = [
            ("按学区划片的目标值", z.get("zoned_objective_yuan")),
            ("不分学区的最好方案目标值", z.get("district_objective_yuan")),
            ("不分学区的理论下界", z.get("district_bound_yuan")),
            ("学区规则代价(至少)", z.get("price_at_least_yuan")),
            ("学区规则代价(至多)", z.get("price_at_most_yuan")),
        ]
        doc.add(
            "<h3>学区规则的代价</h3>",
            mk.table(
                pd.DataFrame([(a, b) for a, b in rows if b is not None], columns=["指标", "金额(万元)"]).assign(
                    **{"金额(万元)": lambda t: t["金额(万元)"].astype(float) / 1e4}
                )
            ),
        )


def _maps(doc: _Doc, plan: Plan) -> None:
    doc.section("布局地图", page_break=True)
    figures: list[tuple[str, Any]] = []
    figures.append(("调整前后对比", maps.plot_before_after(plan)))
    figures.append(("上学时间分布", maps.plot_travel_distributions(plan)))
    for title, fig in figures:
        doc.add(mk.figure(mk.figure_png(fig), title))


# --------------------------------------------------------------------------- tables


def _additions(doc: _Doc, plan: Plan, tables: dict[str, pd.DataFrame]) -> None:
    add = tables["additions"].copy()
    doc.section("新增学位、教室、床位与投资(按学校和年份)", page_break=True)
    add["total_yuan"] = add["cost_yuan"] + add["new_school_cost_yuan"]
    doc.add(
        mk.note(
            f"合计: 新增教室{int(add['classrooms_built'].sum()):,}间, 学位{int(add['seats_built'].sum()):,}个, "
            f"床位{int(add['beds_built'].sum()):,}张, 改扩建投资{mk.yuan_wan(float(add['cost_yuan'].sum()))}; "
            f"新建学校学位{int(add['new_school_seats'].sum()):,}个, 投资{mk.yuan_wan(float(add['new_school_cost_yuan'].sum()))}。"
            "每行为该校当年新建的部分。"
        )
    )
    cols = [
        "year",
        "name",
        "town",
        "kind",
        "classrooms_built",
        "seats_built",
        "beds_built",
        "new_school_seats",
        "total_yuan",
    ]
    shown = zh_table(add[cols]).rename(columns={"total_yuan": "当年投资(元)"})
    doc.add(mk.table(_wan(_drop_empty(shown)), keep=False))


def _towns(doc: _Doc, plan: Plan, tables: dict[str, pd.DataFrame]) -> None:
    years = plan_years(plan)
    towns = tables["towns"]
    last = towns[towns["year"] == years[-1]].drop(columns=["year"])
    doc.section(f"分镇街汇总({years[-1]}年)")
    a = ["town", "schools_open", "schools_new", "schools_closed", "pupils", "day_pupils", "boarders"]
    b = [
        "town",
        "added_classrooms",
        "added_seats",
        "added_beds",
        "new_school_seats",
        "capital_cost_yuan",
        "new_school_cost_yuan",
    ]
    doc.add("<h3>学校与学生</h3>", mk.table(zh_table(last[a])))
    doc.add("<h3>新增与投资(累计)</h3>", mk.table(_wan(zh_table(last[b]))))
    if len(years) > 1:
        doc.add(mk.note("各年明细见Excel工作簿“镇街汇总”。"))


def _kindergartens(doc: _Doc, plan: Plan, tables: dict[str, pd.DataFrame], policy: Policy | None) -> None:
    """Kindergartens by town, and a closing note with the figures the policy sets."""
    kt = tables["kindergartens"]
    if kt.empty or "preschool" not in plan.district.planned_bands(plan.scenario):
        return
    sc = plan.scenario
    years = plan_years(plan)
    doc.section(f"幼儿园({years[-1]}年)")
    doc.add(
        mk.note(
            f"幼儿园就近就便: 幼儿单程不超过{sc.day_limit_preschool_min:g}分钟, 不寄宿, 不乘校车(家长接送); "
            f"班额小班{sc.class_cap_preschool_k1}人、中班{sc.class_cap_preschool_k2}人、大班{sc.class_cap_preschool_k3}人, "
            f"每园不超过{sc.school_cap_kindergarten}人; 在园幼儿按毛入园率{sc.preschool_enrolment_rate:.1%}预测; "
            f"每镇至少{sc.public_kindergartens_per_town}所公办幼儿园。"
        )
    )
    last = kt[kt["year"] == years[-1]].drop(columns=["year"])
    doc.add(mk.table(zh_table(last)))
    kp = kindergarten_places(plan)
    per_year = kt.groupby("year")["children"].sum()
    parts = [
        "在园幼儿" + "、".join(f"{y}年{int(n):,}人" for y, n in per_year.items()),
        f"{years[-1]}年开办幼儿园{kp['kindergartens']}所(公办{kp['public']}所)",
        f"新增幼儿学位{kp['total']:,}个(改扩建{kp['expansion']:,}个, 新址{kp['new_sites']:,}个)"
        + (f", 政策目标{policy.kindergarten_places:,}个" if policy is not None and policy.kindergarten_places else ""),
        f"建设投资{mk.yuan_wan(kp['cost_yuan'])}"
        + (
            f", 政策计划投入{policy.kindergarten_build_yuan / 1e4:,.0f}万元"
            if policy is not None and policy.kindergarten_build_yuan
            else ""
        ),
    ]
    pol = tables.get("policy")
    if pol is not None and len(pol):
        rows = pol.set_index("item")
        if "kindergarten_projects" in rows.index:
            r = rows.loc["kindergarten_projects"]
            parts.append(f"政策列名的{int(r['policy'])}所幼儿园项目中方案实施{int(r['plan'])}所({r['note']})")
        if "public_kindergarten_towns" in rows.index:
            parts.append(str(rows.loc["public_kindergarten_towns", "note"]).replace("全部镇达到", "每镇都有公办幼儿园"))
    doc.add(mk.note("小结: " + "; ".join(parts) + "。"))


def _policy(doc: _Doc, tables: dict[str, pd.DataFrame], policy: Policy | None) -> None:
    if policy is None:
        doc.section("规划项目与高中布局", page_break=True)
    else:
        doc.section("与政策目标对比", page_break=True)
        doc.add(mk.note(f"政策依据: {policy.document}。"))
        pol = tables["policy"].drop(columns=["item"])
        money = pol["unit"] == "元"
        shown = pol.copy()
        for c in ("policy", "plan", "difference"):
            shown[c] = shown[c].astype(object)
            shown.loc[money, c] = shown.loc[money, c].map(lambda x: None if x is None or pd.isna(x) else float(x) / 1e4)
        shown.loc[money, "unit"] = "万元"
        doc.add(mk.table(zh_table(shown)))
    doc.add("<h3>政策列名的学位项目</h3>")
    proj = tables["projects"].drop(columns=["school_id", "name"])
    doc.add(mk.table(_wan(zh_table(proj))))
    senior = tables["senior"]
    if senior.empty:  # a district without high schools
        return
    years = [c[len("status_") :] for c in senior.columns if c.startswith("status_")]
    doc.add("<h3>高中布局: 方案逐年</h3>")
    a = [
        "name",
        "town",
        "main_urban",
        *[f"status_{y}" for y in years],
        *[f"enrolment_{y}" for y in years],
        "plan_outcome",
        "plan_destinations",
    ]
    doc.add(mk.table(zh_table(senior[[c for c in a if c in senior.columns]])))
    if policy is not None:
        doc.add("<h3>高中布局: 与政策的迁并安排</h3>")
        if policy.senior_summary:
            doc.add(mk.note(f"政策: {policy.senior_summary}"))
        b = ["name", "plan_outcome", "policy_action", "policy_destination", "agrees", "note"]
        doc.add(mk.table(zh_table(senior[b])))


def _stranded(doc: _Doc, plan: Plan, st: pd.DataFrame) -> None:
    years = plan_years(plan)
    horizon = int(st["horizon_year"].iloc[0]) if len(st) else plan.scenario.horizon_year
    doc.section("闲置学位")
    doc.add(
        mk.note(
            f"到{years[-1]}年新增的学位中, 按{years[-1]}年划片不变, {horizon}年学龄人口预测下仍空置的部分(先计原有学位): "
            f"合计{int(st['stranded_seats'].sum()):,}个, 约{mk.yuan_wan(float(st['stranded_cost_yuan'].sum()))}。"
        )
    )
    cols = [
        "name",
        "town",
        "kind",
        "added_seats",
        "seats",
        "pupils",
        "pupils_horizon",
        "stranded_seats",
        "stranded_share",
        "stranded_cost_yuan",
    ]
    doc.add(mk.table(_wan(zh_table(st[cols])), keep=False))


def _closed_list(doc: _Doc, plan: Plan) -> None:
    doc.section("撤并学校名单")
    c = closures_zh(plan).drop(columns=["receiving_school_ids"])
    doc.add(mk.table(zh_table(c), max_rows=200, keep=False))


def _sensitivity(doc: _Doc, plan: Plan) -> None:
    t = eco.sensitivity_table(plan)
    if t is None:
        return
    doc.section("敏感性分析")
    doc.add(
        mk.note(
            "一次改变一类价格(降低或提高)后重新求解: 哪些价格会改变方案。参数变化和目标值、支出的变化为相对基准的比例; 首行为基准方案。"
        )
    )
    shown = t.drop(columns=["parameter"]).rename(columns={"parameter_zh": "价格(参数)", "change": "参数变化"})
    doc.add(mk.table(_wan(zh_table(shown))))


def _scenario(doc: _Doc, plan: Plan) -> None:
    doc.section("情景参数", page_break=True)
    params = scenario_table(plan.summary["scenario"]).drop(columns=["key"])
    doc.add(mk.table(zh_table(params), keep=False))
    doc.add(mk.note("参数的英文标识见情景文件(scenario TOML)和summary.json。"))
    attribution = getattr(plan.district, "attribution", "")
    if attribution:
        doc.add(mk.note(f"数据来源: {attribution}"))
