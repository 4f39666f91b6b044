"""The plan report as one self-contained HTML page in Chinese (figures embedded as PNG)."""

from __future__ import annotations

import base64
import html
import io
import logging
import time
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .. import maps
from ..scenario import PARAMETERS
from .common import plan_years, policy_of, yuan_wan
from .tables import compulsory_seats
from .targets import report_tables
from .workbook import SOLVER_STATUS_ZH, closures_zh, key_figures, zh_table

if TYPE_CHECKING:  # pragma: no cover
    from ..demand import Forecast
    from ..plan import Plan
    from ..policy import Policy
    from ..routing import BusPlan

logger = logging.getLogger(__name__)

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
    buf = io.BytesIO()
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
    policy: Policy | None = None,
) -> str:
    """The plan report as one self-contained HTML page, in Chinese.

    Order: key figures (closures, added seats, classrooms, beds, money, solver status,
    objective, bound and gap), the maps (before and after, catchments, travel-time
    distributions, bus routes if ``bus_plan`` is given), the tables (additions per school
    and year, towns, closures), the policy comparison (targets, named projects, senior
    high schools), the stranded seats, and the scenario.  Figures are PNG embedded as
    base64; the page loads nothing from the network, and it holds no wall-clock time, so
    that the same plan gives the same page.

    Parameters
    ----------
    plan : Plan
        A solved plan.
    policy_projects : pandas.DataFrame, optional
        The policy's named seat projects.
    bus_plan : layout_opt.routing.BusPlan, optional
        School-bus routes to map.
    forecast : layout_opt.demand.Forecast, optional
        For the stranded seats (see :func:`~layout_opt.report.stranded_table`).
    policy : layout_opt.policy.Policy, optional
        The policy targets; those of the plan's district if omitted.  Without targets the
        page compares nothing with a policy: no targets in the key figures, no target
        table, no policy columns in the senior-high table.

    Returns
    -------
    str
        The HTML document (UTF-8 text).
    """
    t0 = time.perf_counter()
    policy = policy_of(plan, policy)
    s = plan.summary
    tables = report_tables(plan, policy_projects, forecast=forecast, policy=policy)
    district_name = str(s.get("district", ""))
    years = plan_years(plan)
    e = html.escape
    parts: list[str] = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN"><head><meta charset="utf-8">',
        f"<title>{e(district_name)} 中小学布局优化方案报告</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>{e(district_name)} 中小学布局优化方案 ({years[0]}—{years[-1]}年)</h1>",
        f'<p class="note">情景: {e(str(s["scenario"].get("name", "")))}; 规划年份: {"、".join(map(str, years))}; 远期预测年份: {plan.scenario.horizon_year}。</p>',
    ]
    parts += _key_figures_section(plan, policy)
    parts += _maps_section(plan, bus_plan)
    parts += _tables_section(plan, tables)
    parts += _policy_section(tables, policy)
    parts += _stranded_section(plan, tables["stranded"])
    parts += _scenario_section(plan)
    parts.append("</body></html>")
    logger.info("report rendered in %.1f s", time.perf_counter() - t0)
    return "\n".join(parts)


def _key_figures_section(plan: Plan, policy: Policy | None) -> list[str]:
    """一、关键数字: closures, seats, rooms, beds, money, boarders; the solver's figures."""
    s = plan.summary
    sol = s["solver"]
    cost = s["costs_yuan"]
    years = plan_years(plan)
    cs = compulsory_seats(plan)
    closures_label, seats_label = "撤并学校(教学点)", "新增义务教育学位(含新建学校)"
    if policy is not None:
        closures_label += f", 政策目标{policy.closures}所"
        seats_label += f", 政策{policy.compulsory_seats:,}个"
    parts = [
        "<h2>一、关键数字</h2>",
        '<div class="kpis">',
        _kpi(f"{s['closures']['total']}所", closures_label),
        _kpi(f"{cs['total']:,}个", seats_label),
        _kpi(f"{s['added']['seats']:,}个", "扩建新增学位(各学段)"),
        _kpi(f"{s['added']['classrooms']:,}间", "新增教室"),
        _kpi(f"{s['added']['beds']:,}张", "新增床位"),
        _kpi(yuan_wan(cost["capital"]), "扩建投资(教室和床位)"),
        _kpi(yuan_wan(cost.get("planned_projects", 0.0)), "新建学校投资(规划项目)"),
        _kpi(f"{s['pupils'][str(years[-1])]['boarding']:,}人", f"{years[-1]}年寄宿生"),
        "</div>",
        "<h3>求解情况</h3>",
        '<div class="kpis">',
        _kpi(
            f"{sol['status']}", f"求解状态 ({SOLVER_STATUS_ZH.get(sol['status'], '')}), 求解器 {sol.get('backend', '')}"
        ),
        _kpi(
            "—" if sol.get("objective_yuan") is None else yuan_wan(sol["objective_yuan"]),
            "目标值(投资+出行时间+寄宿成本折算)",
        ),
        _kpi("—" if sol.get("bound_yuan") is None else yuan_wan(sol["bound_yuan"]), "下界"),
        _kpi("—" if sol.get("gap") is None else f"{100 * sol['gap']:.2f}%", "相对差距(gap)"),
        "</div>",
    ]
    if s.get("unserved_pupils"):
        parts.append(f'<p class="warn">注意: 有{s["unserved_pupils"]:,}名学生未安排学校。</p>')
    parts.append(_html_table(zh_table(key_figures(plan))))
    return parts


def _maps_section(plan: Plan, bus_plan: BusPlan | None) -> list[str]:
    """二、布局地图: before and after, catchments, travel times, bus routes."""
    years = plan_years(plan)
    parts = ["<h2>二、布局地图</h2>"]
    figures: list[tuple[str, Any]] = []
    try:
        figures.append(("调整前后对比", maps.plot_before_after(plan)))
        from matplotlib.figure import Figure

        fig = Figure(figsize=maps.map_size(plan.district), layout="constrained")
        maps.plot_catchments(plan, ax=fig.add_subplot())
        figures.append((f"{years[-1]}年划片", fig))
        figures.append(("上学时间分布", maps.plot_travel_distributions(plan)))
        if bus_plan is not None:
            fig = Figure(figsize=maps.map_size(plan.district), layout="constrained")
            maps.plot_routes(bus_plan, plan.district, ax=fig.add_subplot())
            figures.append((f"{bus_plan.year}年校车线路", fig))
    except ImportError:  # pragma: no cover - matplotlib is a dependency
        logger.warning("matplotlib is not installed: the report has no maps")
    for title, fig in figures:
        parts.append(f"<h3>{html.escape(title)}</h3>")
        parts.append(_img(_fig_png(fig), title))
    if bus_plan is not None:
        parts.append(
            _html_table(
                zh_table(pd.DataFrame([bus_plan.totals]).T.reset_index().set_axis(["indicator", "value"], axis=1))
            )
        )
    return parts


def _tables_section(plan: Plan, tables: dict[str, pd.DataFrame]) -> list[str]:
    """三、四、五: additions per school and year, towns, closed schools."""
    years = plan_years(plan)
    add = tables["additions"]
    parts = [
        "<h2>三、新增学位、教室、床位与投资(按学校和年份)</h2>",
        f'<p class="note">合计: 新增教室{int(add["classrooms_built"].sum()):,}间, 学位{int(add["seats_built"].sum()):,}个, 床位{int(add["beds_built"].sum()):,}张, '
        f"投资{yuan_wan(float(add['cost_yuan'].sum()))}; 新建学校学位{int(add['new_school_seats'].sum()):,}个, 投资{yuan_wan(float(add['new_school_cost_yuan'].sum()))}。</p>",
        _html_table(zh_table(add)),
        "<h2>四、分镇街汇总</h2>",
    ]
    towns = tables["towns"]
    parts.append(_html_table(zh_table(towns[towns["year"] == years[-1]])))
    if len(years) > 1:
        parts.append('<p class="note">各年明细见Excel工作簿"镇街汇总"。</p>')
    parts.append("<h2>五、撤并学校</h2>")
    parts.append(_html_table(zh_table(closures_zh(plan)), max_rows=200))
    return parts


def _policy_section(tables: dict[str, pd.DataFrame], policy: Policy | None) -> list[str]:
    """六: the policy's targets (if any), its named projects, the senior high schools."""
    if policy is None:
        parts = ["<h2>六、规划项目与高中布局</h2>"]
    else:
        parts = [
            "<h2>六、与政策目标对比</h2>",
            f'<p class="note">政策依据: {html.escape(policy.document)}。</p>',
            _html_table(zh_table(tables["policy"].drop(columns=["item"]))),
        ]
    parts.append("<h3>政策列名的学位项目</h3>")
    parts.append(_html_table(zh_table(tables["projects"])))
    if policy is None:
        parts.append("<h3>高中布局</h3>")
        senior = tables["senior"].drop(columns=["policy_action", "policy_destination", "agrees", "note"])
    else:
        parts.append("<h3>高中布局: 方案与政策的迁并安排</h3>")
        if policy.senior_summary:
            parts.append(f'<p class="note">政策: {html.escape(policy.senior_summary)}</p>')
        senior = tables["senior"]
    parts.append(_html_table(zh_table(senior)))
    return parts


def _stranded_section(plan: Plan, st: pd.DataFrame) -> list[str]:
    """七、闲置学位: added seats the horizon-year forecast leaves empty."""
    years = plan_years(plan)
    horizon = int(st["horizon_year"].iloc[0]) if len(st) else plan.scenario.horizon_year
    return [
        "<h2>七、闲置学位</h2>",
        f'<p class="note">到{years[-1]}年新增的学位中, 按{years[-1]}年划片不变, {horizon}年学龄人口预测下仍空置的部分(先计原有学位): '
        f"合计{int(st['stranded_seats'].sum()):,}个, 约{yuan_wan(float(st['stranded_cost_yuan'].sum()))}。</p>",
        _html_table(zh_table(st)),
    ]


def _scenario_section(plan: Plan) -> list[str]:
    """八、情景参数, and the data's attribution."""
    params = pd.DataFrame(
        [
            (k, str(v), PARAMETERS[k].unit if k in PARAMETERS else "", PARAMETERS[k].source if k in PARAMETERS else "")
            for k, v in plan.summary["scenario"].items()
        ],
        columns=["parameter", "value", "unit", "source"],
    )
    parts = ["<h2>八、情景参数</h2>", _html_table(zh_table(params))]
    attribution = getattr(plan.district, "attribution", "")
    if attribution:
        parts.append(f'<p class="note">数据来源: {html.escape(attribution)}</p>')
    return parts
