"""Maps and figures of a plan: static (matplotlib) and interactive (folium).

Every text is Chinese, set in a CJK font that the package's own dependencies bring
(:func:`layout_opt.fonts.cjk_font`, importable from here too): the Noto Sans CJK
collection of the ``noto-cjk-sans-otc`` package (SIL Open Font License 1.1), face "Noto
Sans CJK SC" (simplified Chinese forms).

Static figures (``plot_*``) draw on a matplotlib Axes; none of them opens a window or
changes global settings (the CJK font is applied per figure), so they work under the Agg
backend and in notebooks alike.  :func:`explore_plan` builds a :class:`folium.Map`
that carries its own script and the district's own base layers, so that it works
offline (the optional OpenStreetMap tiles load only when the map is viewed online).

Symbols used throughout:

* blue circle: a school kept open; green star: a new school (a planned project the
  plan opens); hollow green star: a planned project not open yet; red cross: a closed
  school (撤并);
* orange ring: a receiving school (takes pupils of a closed school);
* purple square: a boarding school (beds at least ``scenario.min_boarding_beds``);
* thin blue line: a day catchment (village to school); dashed red line: a boarding
  catchment;
* black triangle: a town or subdistrict seat (镇街驻地).
"""

from __future__ import annotations

import html
import logging
import re
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .fonts import CJK_FAMILIES, CJK_FONT_PACKAGE, CJK_PROBE_TEXT, cjk_font, cjk_rc, font_families
from .schema import BAND_ZH, BANDS, KIND_ZH, MODE_ZH, STATUS_ZH

if TYPE_CHECKING:  # pragma: no cover
    import folium
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from .plan import Plan
    from .routing import BusPlan

__all__ = [
    "BAND_COLORS",
    "CJK_FAMILIES",
    "CJK_FONT_PACKAGE",
    "CJK_PROBE_TEXT",
    "COLORS",
    "LAYER_NAMES",
    "catchment_lines",
    "cjk_font",
    "explore_plan",
    "layer_names",
    "map_size",
    "plot_before_after",
    "plot_catchments",
    "plot_plan",
    "plot_routes",
    "plot_travel_distributions",
    "receiving_schools",
    "school_state",
]

logger = logging.getLogger(__name__)

#: Names of the layers of :func:`explore_plan`, by role.
LAYER_NAMES: dict[str, str] = {
    "town_areas": "镇街",
    "roads": "道路",
    "kept": "保留学校",
    "closed": "撤并学校",
    "new": "新建学校",
    "day_lines": "走读划片线",
    "boarding_lines": "寄宿划片线",
    "villages": "村(社区)",
    "boundary": "区界",
    "towns": "镇街驻地",
}

COLORS: dict[str, str] = {
    "kept": "#1f77b4",
    "new": "#2ca02c",
    "closed": "#d62728",
    "receiving": "#ff7f0e",
    "boarding": "#7b3fa0",
    "day_line": "#4c78a8",
    "boarding_line": "#e45756",
    "village": "#8c8c8c",
    "boundary_face": "#f4f3ee",
    "boundary_edge": "#8a8a8a",
    "road": "#c8c8c8",
}
BAND_COLORS: dict[str, str] = {
    "lower_primary": "#4c78a8",
    "upper_primary": "#54a24b",
    "junior": "#f58518",
    "senior": "#b279a2",
    "preschool": "#e45756",
}


def _title(ax: Axes, text: str, size: float = 11) -> None:
    """Set a title in the CJK font, also on an Axes made before (outside :func:`layout_opt.fonts.cjk_rc`)."""
    ax.set_title(text, fontsize=size, fontfamily=font_families())


def _new_axes(ax: Axes | None, figsize: tuple[float, float]) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=figsize)
    return ax


# --------------------------------------------------------------------------- plan views


def _plan_year(plan: Plan, year: int | None) -> int:
    years = [int(y) for y in plan.summary["years"]]
    if year is None:
        return years[-1]
    if int(year) not in years:
        raise ValueError(f"year {year} is not a year of the plan ({', '.join(map(str, years))})")
    return int(year)


def school_state(plan: Plan, year: int | None = None) -> pd.DataFrame:
    """Every school of the plan in one year, with its map role.

    Parameters
    ----------
    plan : Plan
        A solved plan.
    year : int, optional
        A plan year; the last if omitted.

    Returns
    -------
    geopandas.GeoDataFrame
        The plan's ``schools`` rows of that year with the geometry (district CRS) and
        ``role`` (``kept``, ``new``, ``closed``, ``planned``), ``boarding`` (open, with at
        least ``scenario.min_boarding_beds`` beds after additions), ``receiving`` (takes
        pupils of a school closed in or before that year).
    """
    import geopandas as gpd

    year = _plan_year(plan, year)
    table = plan.schools[plan.schools["year"] == year].copy()
    geo = plan.district.schools[["school_id", "geometry"]]
    gdf = gpd.GeoDataFrame(table.merge(geo, on="school_id", how="left"), geometry="geometry", crs=plan.district.crs)
    role = gdf["status"].map({"open": "kept", "new": "new", "closed": "closed", "planned": "planned"})
    gdf["role"] = role.fillna("kept")
    open_ = gdf["status"].isin(["open", "new"])
    gdf["boarding"] = open_ & ((gdf["beds"] + gdf["added_beds"]) >= plan.scenario.min_boarding_beds)
    gdf["receiving"] = open_ & gdf["school_id"].isin(receiving_schools(plan, year))
    return gdf


def receiving_schools(plan: Plan, year: int | None = None) -> set[str]:
    """Ids of the schools that take pupils of schools closed in or before ``year`` (all if None)."""
    c = plan.closures
    if year is not None:
        c = c[c["year"] <= year]
    out: set[str] = set()
    for ids in c["receiving_school_ids"].fillna(""):
        out.update(s for s in str(ids).split(";") if s)
    return out


def catchment_lines(plan: Plan, year: int | None = None) -> pd.DataFrame:
    """One straight line per village, band and school of one plan year.

    Returns
    -------
    geopandas.GeoDataFrame
        The ``assignments`` rows of the year (``year, village_id, band, school_id, mode,
        pupils, travel_min``) with ``village``, ``school`` (names) and a LineString from
        the village to the school, in the district CRS.  Rows without pupils are left out.
    """
    import geopandas as gpd
    import shapely

    year = _plan_year(plan, year)
    a = plan.assignments[(plan.assignments["year"] == year) & (plan.assignments["pupils"] > 0)].copy()
    v = plan.district.villages.set_index("village_id")
    s = plan.district.schools.set_index("school_id")
    a["village"] = a["village_id"].map(v["name"])
    a["school"] = a["school_id"].map(s["name"])
    vx = shapely.get_coordinates(v.geometry.loc[a["village_id"]].to_numpy())
    sx = shapely.get_coordinates(s.geometry.loc[a["school_id"]].to_numpy())
    coords = np.stack([vx, sx], axis=1) if len(a) else np.zeros((0, 2, 2))
    geoms = shapely.linestrings(coords) if len(a) else []
    return gpd.GeoDataFrame(a.reset_index(drop=True), geometry=list(geoms), crs=plan.district.crs)


# --------------------------------------------------------------------------- drawing helpers


def _draw_base(ax: Axes, district: Any, *, towns: bool = True, roads: bool = False) -> None:
    if district.boundary is not None and len(district.boundary):
        district.boundary.plot(
            ax=ax, facecolor=COLORS["boundary_face"], edgecolor=COLORS["boundary_edge"], linewidth=0.8, zorder=0
        )
    if roads and district.roads is not None and len(district.roads):
        district.roads.plot(ax=ax, color=COLORS["road"], linewidth=0.4, zorder=1)
    if towns and district.towns is not None and len(district.towns):
        t = district.towns
        ax.scatter(t.geometry.x, t.geometry.y, marker="^", s=22, color="black", zorder=6, linewidths=0)
        for x, y, name in zip(t.geometry.x, t.geometry.y, t["town"]):
            ax.annotate(
                str(name), (x, y), xytext=(3, 3), textcoords="offset points", fontsize=7, color="#222222", zorder=7
            )


def _draw_lines(ax: Axes, lines: pd.DataFrame, by: str = "mode") -> None:
    from matplotlib.collections import LineCollection

    if lines.empty:
        return
    import shapely

    segs = [shapely.get_coordinates(g) for g in lines.geometry]
    if by == "mode":
        for mode, color, style, width in (
            ("day", COLORS["day_line"], "solid", 0.5),
            ("boarding", COLORS["boarding_line"], (0, (4, 2)), 0.8),
        ):
            pick = [seg for seg, m in zip(segs, lines["mode"]) if m == mode]
            if pick:
                ax.add_collection(
                    LineCollection(pick, colors=color, linewidths=width, linestyles=style, alpha=0.6, zorder=2)
                )
    else:
        for band in BANDS:
            for mode, style in (("day", "solid"), ("boarding", (0, (4, 2)))):
                pick = [seg for seg, b, m in zip(segs, lines["band"], lines["mode"]) if b == band and m == mode]
                if pick:
                    ax.add_collection(
                        LineCollection(
                            pick, colors=BAND_COLORS[band], linewidths=0.6, linestyles=style, alpha=0.6, zorder=2
                        )
                    )


def _draw_villages(ax: Axes, plan: Plan, year: int | None) -> None:
    v = plan.district.villages
    if year is None:
        pupils = v[[f"g{g}" for g in range(1, 13)]].sum(axis=1).to_numpy(float)  # school pupils
    else:
        a = plan.assignments[plan.assignments["year"] == year]
        pupils = v["village_id"].map(a.groupby("village_id")["pupils"].sum()).fillna(0).to_numpy(float)
    size = 2 + 18 * np.sqrt(pupils / max(pupils.max(), 1.0))
    ax.scatter(v.geometry.x, v.geometry.y, s=size, color=COLORS["village"], alpha=0.7, linewidths=0, zorder=3)


def _draw_schools(ax: Axes, state: pd.DataFrame, *, label: int = 25) -> pd.DataFrame:
    """Schools by role; returns the schools to name (new schools first, then by added
    seats), at most ``label`` of them, for :func:`place_labels` once the figure is laid out."""
    x, y = state.geometry.x.to_numpy(), state.geometry.y.to_numpy()
    role = state["role"].to_numpy()
    m = role == "kept"
    ax.scatter(x[m], y[m], s=14, marker="o", color=COLORS["kept"], edgecolors="white", linewidths=0.3, zorder=5)
    m = role == "new"
    ax.scatter(x[m], y[m], s=80, marker="*", color=COLORS["new"], edgecolors="black", linewidths=0.4, zorder=6)
    m = role == "planned"
    ax.scatter(x[m], y[m], s=60, marker="*", facecolors="none", edgecolors=COLORS["new"], linewidths=0.8, zorder=6)
    m = role == "closed"
    ax.scatter(x[m], y[m], s=16, marker="x", color=COLORS["closed"], linewidths=0.9, zorder=5)
    m = state["receiving"].to_numpy(bool)
    ax.scatter(
        x[m], y[m], s=45, marker="o", facecolors="none", edgecolors=COLORS["receiving"], linewidths=1.0, zorder=6
    )
    m = state["boarding"].to_numpy(bool)
    ax.scatter(x[m], y[m], s=60, marker="s", facecolors="none", edgecolors=COLORS["boarding"], linewidths=0.8, zorder=6)
    if not label:
        return state.iloc[0:0]
    pick = state[(state["role"].isin(["new", "planned"])) | ((state["added_seats"] > 0) & (state["role"] != "closed"))]
    pick = pick.assign(
        _key=pick["added_seats"] + np.where(pick["role"].isin(["new", "planned"]), 10**6, 0)
    ).sort_values(["_key", "school_id"], ascending=[False, True], kind="stable")
    return pick.head(label)


def _name_schools(ax: Axes, pick: pd.DataFrame, renderer: Any = None) -> None:
    if len(pick):
        place_labels(ax, pick.geometry.x, pick.geometry.y, list(pick["name"]), fontsize=6, renderer=renderer)


def _legend_handles(*, lines: bool = True, bands: bool = False) -> list:
    from matplotlib.lines import Line2D

    h = [
        Line2D([], [], marker="o", ls="", color=COLORS["kept"], label="保留学校"),
        Line2D([], [], marker="*", ls="", color=COLORS["new"], markersize=11, label="新建学校"),
        Line2D(
            [],
            [],
            marker="*",
            ls="",
            markerfacecolor="none",
            markeredgecolor=COLORS["new"],
            markersize=10,
            label="规划项目(未开办)",
        ),
        Line2D([], [], marker="x", ls="", color=COLORS["closed"], label="撤并学校"),
        Line2D(
            [],
            [],
            marker="o",
            ls="",
            markerfacecolor="none",
            markeredgecolor=COLORS["receiving"],
            markersize=9,
            label="接收学校",
        ),
        Line2D(
            [],
            [],
            marker="s",
            ls="",
            markerfacecolor="none",
            markeredgecolor=COLORS["boarding"],
            markersize=9,
            label="寄宿制学校",
        ),
        Line2D([], [], marker="^", ls="", color="black", label="镇街驻地"),
        Line2D([], [], marker="o", ls="", color=COLORS["village"], markersize=4, label="村(社区)"),
    ]
    if lines and not bands:
        h += [
            Line2D([], [], color=COLORS["day_line"], lw=1.2, label="走读划片"),
            Line2D([], [], color=COLORS["boarding_line"], lw=1.2, ls=(0, (4, 2)), label="寄宿划片"),
        ]
    if bands:
        h += [Line2D([], [], color=BAND_COLORS[b], lw=1.5, label=BAND_ZH[b]) for b in BANDS]
        h += [Line2D([], [], color="#555555", lw=1.2, ls=(0, (4, 2)), label="虚线: 寄宿")]
    return h


def _legend(ax: Axes, *, lines: bool = True, bands: bool = False) -> None:
    """The legend, outside the map on the right."""
    ax.legend(
        handles=_legend_handles(lines=lines, bands=bands),
        loc="center left",
        bbox_to_anchor=(1.01, 0.5),
        fontsize=7.5,
        framealpha=0.9,
    )


def _aspect(district: Any) -> float:
    """Width / height of the district's extent (at least 0.4, at most 3)."""
    frame = district.boundary if district.boundary is not None and len(district.boundary) else district.villages
    x0, y0, x1, y1 = frame.total_bounds
    return float(np.clip((x1 - x0) / max(y1 - y0, 1.0), 0.4, 3.0))


def map_size(district: Any, width: float = 9.0) -> tuple[float, float]:
    """Figure size (inches) for one map ``width`` wide plus the legend."""
    return (width + 1.8, width / _aspect(district) + 0.8)


def _finish(ax: Axes, district: Any) -> None:
    ax.set_aspect("equal")
    ax.set_axis_off()
    if district.boundary is not None and len(district.boundary):
        x0, y0, x1, y1 = district.boundary.total_bounds
    else:
        x0, y0, x1, y1 = district.villages.total_bounds
    pad = 0.03 * max(x1 - x0, y1 - y0)
    ax.set_xlim(x0 - pad, x1 + pad)
    ax.set_ylim(y0 - pad, y1 + pad)


# --------------------------------------------------------------------------- static maps


def plot_plan(plan: Plan, year: int | None = None, ax: Axes | None = None, *, lines: bool = True) -> Axes:
    """A static map of one plan year.

    Shows the district boundary, town boundaries and seats, villages (dot area ~ pupils),
    schools kept, new and closed, receiving and boarding schools marked, and, with
    ``lines``, the compulsory catchment lines (village to school; day solid, boarding
    dashed; seniors, who come from the whole district, are left out); scale bar and north
    arrow.  Names of the new schools and of the schools with added seats are written
    where they do not overlap.

    Parameters
    ----------
    plan : Plan
        A solved plan.
    year : int, optional
        A plan year; the last if omitted.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure (9 inches of map plus the legend) if omitted.
    lines : bool
        Draw the catchment lines.

    Returns
    -------
    matplotlib.axes.Axes
    """
    year = _plan_year(plan, year)
    with cjk_rc():
        ax = _new_axes(ax, map_size(plan.district))
        pick = _draw_plan(ax, plan, year, lines=lines)
        _legend(ax, lines=lines)
        _name_schools(ax, pick)
    return ax


def _draw_plan(ax: Axes, plan: Plan, year: int, *, lines: bool = True) -> pd.DataFrame:
    _draw_base(ax, plan.district)
    _draw_town_areas(ax, plan.district, labels=False, lw=0.6)
    if lines:
        cl = catchment_lines(plan, year)
        _draw_lines(ax, cl[cl["band"] != "senior"], by="mode")
    _draw_villages(ax, plan, year)
    state = school_state(plan, year)
    pick = _draw_schools(ax, state)
    small = plan.summary.get("closures", {}).get("small_schools_by_year")
    if small:
        n_closed = sum(int(n) for y, n in small.items() if int(y) <= year)
        closed_text = f"撤并小规模学校{n_closed}所"
    else:
        closed_text = f"撤并{int((plan.closures['year'] <= year).sum())}所"
    _title(
        ax,
        f"{year}年学校布局: {closed_text}, 新建{int((state['role'] == 'new').sum())}所, 寄宿制{int(state['boarding'].sum())}所",
        9,
    )
    _finish(ax, plan.district)
    add_scale_bar(ax)
    return pick


def plot_catchments(plan: Plan, year: int | None = None, ax: Axes | None = None) -> Axes:
    """The catchments (划片) of one plan year, coloured by grade band.

    Each line joins a village to the school its pupils of one band attend (solid: day,
    dashed: boarding); schools and town seats as in :func:`plot_plan`.

    Parameters
    ----------
    plan : Plan
        A solved plan.
    year : int, optional
        A plan year; the last if omitted.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure (9 inches of map plus the legend) if omitted.

    Returns
    -------
    matplotlib.axes.Axes
    """
    year = _plan_year(plan, year)
    with cjk_rc():
        ax = _new_axes(ax, map_size(plan.district))
        _draw_base(ax, plan.district)
        _draw_town_areas(ax, plan.district, labels=False, lw=0.6)
        lines = catchment_lines(plan, year)
        _draw_lines(ax, lines, by="band")
        _draw_villages(ax, plan, year)
        _draw_schools(ax, school_state(plan, year), label=0)
        _title(ax, f"{year}年划片: {len(lines)}条(村-学段-学校)", 11)
        _legend(ax, bands=True)
        _finish(ax, plan.district)
        add_scale_bar(ax)
    return ax


def plot_before_after(plan: Plan) -> Figure:
    """The district before (base year) and after (last plan year), one above the other.

    Top: the schools of the base year; those the plan closes are crossed out, the schools
    that receive their pupils ringed, boarding schools squared, planned projects hollow
    stars.  Bottom: :func:`plot_plan` of the last year without catchment lines (the
    catchments are :func:`plot_catchment_areas`).  Town boundaries, scale bar and north
    arrow on both.

    Returns
    -------
    matplotlib.figure.Figure
        7.3 inches wide (the text width of A4), not registered with pyplot.
    """
    from matplotlib.figure import Figure

    last = _plan_year(plan, None)
    aspect = _aspect(plan.district)
    with cjk_rc():
        fig = Figure(figsize=(7.3, 2 * (7.0 / aspect) + 1.4), layout="constrained")
        top, bottom = fig.subplots(2, 1)
        base = plan.district.schools[["school_id", "name", "kind", "status", "beds", "geometry"]].copy()
        closing = set(plan.closures["school_id"])
        base["role"] = np.where(
            base["school_id"].isin(closing), "closed", np.where(base["status"] == "planned", "planned", "kept")
        )
        base["receiving"] = base["school_id"].isin(receiving_schools(plan)) & (base["status"] != "planned")
        base["boarding"] = (base["status"] == "open") & (base["beds"] >= plan.scenario.min_boarding_beds)
        base["added_seats"] = 0
        _draw_base(top, plan.district)
        _draw_town_areas(top, plan.district, labels=False, lw=0.6)
        _draw_villages(top, plan, None)
        _draw_schools(top, base, label=0)
        _title(
            top,
            f"现状({plan.district.base_year}年): 学校{int((base['status'] == 'open').sum())}所, "
            f"拟撤并{len(closing)}所(红叉), 接收学校{int(base['receiving'].sum())}所(橙圈)",
            9,
        )
        _finish(top, plan.district)
        add_scale_bar(top)
        pick = _draw_plan(bottom, plan, last, lines=False)
        fig.legend(handles=_legend_handles(lines=False), loc="outside lower center", ncol=4, fontsize=7, frameon=False)
        name = re.match(r"[^A-Za-z]*", str(plan.summary.get("district", ""))).group(0).strip()
        fig.suptitle(f"{name} 学校布局调整前后对比", fontsize=11)
        renderer = freeze_layout(fig)
        _name_schools(bottom, pick, renderer)
    return fig


def plot_travel_distributions(plan: Plan) -> Figure:
    """One-way travel minutes of the last plan year, per grade band, day vs boarding.

    Histograms weighted by pupils (5-minute bins), stacked day and boarding, with the
    band's day limit (solid) and the boarding limit (dashed).

    Returns
    -------
    matplotlib.figure.Figure
        Not registered with pyplot.
    """
    from matplotlib.figure import Figure

    last = _plan_year(plan, None)
    a = plan.assignments[(plan.assignments["year"] == last) & (plan.assignments["pupils"] > 0)]
    bands = [b for b in BANDS if (a["band"] == b).any()] or list(BANDS)
    sc = plan.scenario
    with cjk_rc():
        cols = min(2, len(bands))
        rows = int(np.ceil(len(bands) / cols))
        fig = Figure(figsize=(7.3, 2.9 * rows + 0.4), layout="constrained")
        axes = np.atleast_1d(fig.subplots(rows, cols, squeeze=False).ravel())
        for ax in axes[len(bands) :]:
            ax.set_axis_off()
        top = max(
            float(a["travel_min"].max()) if len(a) else 0.0,
            sc.boarding_limit_min if sc.boarding_bands else 0.0,
            *(sc.day_limit(b) for b in bands),
        )
        edges = np.arange(0.0, 5.0 * np.ceil(top / 5.0) + 5.0, 5.0)
        for ax, band in zip(axes, bands):
            sub = a[a["band"] == band]
            data = [sub.loc[sub["mode"] == m, "travel_min"].to_numpy() for m in ("day", "boarding")]
            weights = [sub.loc[sub["mode"] == m, "pupils"].to_numpy(float) for m in ("day", "boarding")]
            ax.hist(
                data,
                bins=edges,
                weights=weights,
                stacked=True,
                color=[COLORS["day_line"], COLORS["boarding_line"]],
                label=["走读", "寄宿"],
            )
            ax.axvline(sc.day_limit(band), color="black", lw=1, label=f"走读上限 {sc.day_limit(band):g} 分钟")
            if band in sc.boarding_bands:
                ax.axvline(
                    sc.boarding_limit_min,
                    color="black",
                    lw=1,
                    ls="--",
                    label=f"寄宿上限 {sc.boarding_limit_min:g} 分钟",
                )
            n = int(sub["pupils"].sum())
            mean = float(np.average(sub["travel_min"], weights=sub["pupils"])) if n else 0.0
            _title(ax, f"{BAND_ZH[band]}: {n}人, 平均{mean:.1f}分钟", 10)
            ax.set_xlabel("单程时间(分钟)", fontfamily=font_families())
            ax.set_ylabel("学生数(人)", fontfamily=font_families())
            ax.legend(fontsize=7)
        fig.suptitle(f"{last}年学生单程上学时间分布", fontsize=12)
    return fig


def plot_routes(bus_plan: BusPlan, district: Any, ax: Axes | None = None) -> Axes:
    """School-bus routes of one year over the road network.

    Parameters
    ----------
    bus_plan : layout_opt.routing.BusPlan
        From :func:`layout_opt.routing.route_district`.
    district : layout_opt.District
        For the boundary, roads, towns and schools.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure (9 inches of map plus the legend) if omitted.

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib

    with cjk_rc():
        ax = _new_axes(ax, map_size(district))
        _draw_base(ax, district, roads=True)
        lines = bus_plan.route_lines()
        if len(lines):
            if lines.crs is not None and district.crs is not None and lines.crs != district.crs:
                lines = lines.to_crs(district.crs)
            cmap = matplotlib.colormaps["tab20"]
            order = {s: i for i, s in enumerate(sorted(lines["school_id"].unique()))}
            lines.plot(ax=ax, color=[cmap(order[s] % 20) for s in lines["school_id"]], linewidth=1.4, zorder=4)
            served = district.schools[district.schools["school_id"].isin(order)]
            ax.scatter(served.geometry.x, served.geometry.y, marker="s", s=30, color="black", zorder=5)
            for px, py, name in zip(served.geometry.x, served.geometry.y, served["name"]):
                ax.annotate(str(name), (px, py), xytext=(4, -8), textcoords="offset points", fontsize=6.5, zorder=8)
        n_bus = len(lines)
        km = float(lines["bus_km_per_day"].sum()) if n_bus else 0.0
        _title(
            ax,
            f"{bus_plan.year}年校车线路: {lines['school_id'].nunique() if n_bus else 0}所学校, {n_bus}辆车, 每日{km:,.0f}公里",
            11,
        )
        _finish(ax, district)
    return ax


# --------------------------------------------------------------------------- interactive


def _popup(rows: list[tuple[str, Any]]) -> str:
    cells = "".join(
        f"<tr><th style='text-align:left;padding-right:6px'>{html.escape(str(k))}</th><td>{html.escape(str(v))}</td></tr>"
        for k, v in rows
    )
    return f"<table style='font-size:12px'>{cells}</table>"


def explore_plan(plan: Plan, year: int | None = None, *, tiles: bool = True, inline: bool = True) -> folium.Map:
    """An interactive map of one plan year (folium), with layers to switch on and off,
    that works offline.

    Layers (named as in :data:`LAYER_NAMES`): the district's own base layers — town and
    subdistrict areas (镇街), roads (道路), the district boundary (区界) — then kept
    schools (保留学校), closed schools (撤并学校), new schools (新建学校), day catchment
    lines (走读划片线), boarding catchment lines (寄宿划片线), villages (村(社区)) and the
    town seats (镇街驻地).  Popups and tooltips are in Chinese: school name, kind, town,
    status, pupils, classes, classrooms and beds (added in brackets), boarders; for a line
    the village, band, school, mode, pupils and minutes.

    Offline use: with ``inline`` (the default) the page carries its script and style
    (Leaflet 1.9.4, BSD-2-Clause, shipped with the package) and a subset of the CJK font
    instead of loading them from public servers, so the map draws, in Chinese, on a
    network without internet; the catchment lines start hidden; the district's own
    layers are the base map, so the map is legible when no tiles load.  ``tiles`` adds the
    OpenStreetMap tiles as an optional background (they load only where the internet is
    reachable); ``tiles=False`` makes a map that requests nothing from any server.

    Parameters
    ----------
    plan : Plan
        A solved plan.
    year : int, optional
        A plan year; the last if omitted.
    tiles : bool
        Offer the OpenStreetMap background tiles.
    inline : bool
        Carry Leaflet's script and style in the page (folium's default loads them and
        jQuery, Bootstrap and Font Awesome from public CDNs).

    Returns
    -------
    folium.Map
    """
    import folium

    year = _plan_year(plan, year)
    district = plan.district
    state = school_state(plan, year).to_crs(4326)
    lines = catchment_lines(plan, year).to_crs(4326)
    if district.boundary is not None and len(district.boundary):
        b = district.boundary.to_crs(4326).total_bounds
    else:
        b = district.villages.to_crs(4326).total_bounds
    m = folium.Map(location=[(b[1] + b[3]) / 2, (b[0] + b[2]) / 2], zoom_start=11, control_scale=True, tiles=None)
    if tiles:
        folium.TileLayer("OpenStreetMap", name="OpenStreetMap底图(需联网)", attr="© OpenStreetMap contributors").add_to(
            m
        )
    if inline:
        _inline_leaflet(m)
    m.fit_bounds([[b[1], b[0]], [b[3], b[2]]])
    _district_layers(m, district)

    if district.boundary is not None and len(district.boundary):
        g = folium.FeatureGroup(name=LAYER_NAMES["boundary"], show=True)
        folium.GeoJson(
            district.boundary.to_crs(4326)[["geometry"]].__geo_interface__,
            style_function=lambda _: {"color": "#555555", "weight": 2, "fill": False},
        ).add_to(g)
        g.add_to(m)

    for mode, key, color, dash in (
        ("day", "day_lines", COLORS["day_line"], None),
        ("boarding", "boarding_lines", COLORS["boarding_line"], "6 4"),
    ):
        g = folium.FeatureGroup(name=LAYER_NAMES[key], show=False)
        for r in lines[lines["mode"] == mode].itertuples(index=False):
            xy = [(lat, lon) for lon, lat in r.geometry.coords]
            tip = f"{r.village} → {r.school}: {BAND_ZH[r.band]} {r.pupils}人, {MODE_ZH[r.mode]}, {r.travel_min:.0f}分钟"
            folium.PolyLine(
                xy, color=color, weight=1.5 if mode == "day" else 2, opacity=0.6, dash_array=dash, tooltip=tip
            ).add_to(g)
        g.add_to(m)

    v = district.villages.to_crs(4326)
    a = plan.assignments[plan.assignments["year"] == year]
    pupils = v["village_id"].map(a.groupby("village_id")["pupils"].sum()).fillna(0).astype(int)
    g = folium.FeatureGroup(name=LAYER_NAMES["villages"], show=False)
    for r, n in zip(v.itertuples(index=False), pupils):
        folium.CircleMarker(
            [r.geometry.y, r.geometry.x],
            radius=2 + 6 * np.sqrt(n / max(int(pupils.max()), 1)),
            color=COLORS["village"],
            weight=0,
            fill=True,
            fill_opacity=0.7,
            tooltip=f"{r.name}({r.town}): {n}名学生",
        ).add_to(g)
    g.add_to(m)

    _school_layers(m, state, year)

    g = folium.FeatureGroup(name=LAYER_NAMES["towns"], show=True)
    t = district.towns.to_crs(4326)
    for r in t.itertuples(index=False):
        folium.Marker(
            [r.geometry.y, r.geometry.x],
            tooltip=str(r.town),
            icon=folium.DivIcon(
                html=f"<div style='font-size:12px;font-weight:bold;color:#222;white-space:nowrap'>▲{html.escape(str(r.town))}</div>"
            ),
        ).add_to(g)
    g.add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    if inline:
        _embed_font(m)
    return m


#: folium's popups build their content with jQuery's ``$(`<div>...</div>`)[0]`` and
#: nothing else; this stands in for it when jQuery is not loaded from a CDN.
_JQUERY_SHIM = (
    "window.$=window.$||function(h){var t=document.createElement('template');"
    "t.innerHTML=String(h).trim();return [t.content.firstElementChild];};"
)


def _inline_leaflet(m: folium.Map) -> None:
    """Put Leaflet's script and style into the map's page instead of links to public CDNs."""
    from importlib.resources import files

    from branca.element import Element

    data = files("layout_opt") / "data"
    m.default_js = []
    m.default_css = []
    root = m.get_root()
    root.header.add_child(
        Element(f"<style>{(data / 'leaflet.css').read_text(encoding='utf-8')}</style>"), name="leaflet_css"
    )
    root.header.add_child(
        Element(f"<script>{(data / 'leaflet.js').read_text(encoding='utf-8')}</script>"), name="leaflet"
    )
    root.header.add_child(Element(f"<script>{_JQUERY_SHIM}</script>"), name="jquery")


def _embed_font(m: folium.Map) -> None:
    """The CJK font subset of every character of the map's page, so that names show where
    no Chinese font is installed."""
    from branca.element import Element

    from .fonts import font_face_css

    text = m.get_root().render()
    text += "".join(chr(int(h, 16)) for h in re.findall(r"\\u([0-9a-fA-F]{4})", text))  # JSON-escaped names
    chars = "".join(sorted({ch for ch in text if ord(ch) > 0x2E7F}))
    css = font_face_css(chars + "▲→", "LayoutCJK")
    if css:
        rule = ".leaflet-container,.leaflet-control-layers,.leaflet-tooltip,.leaflet-popup-content{font-family:LayoutCJK,sans-serif}"
        m.get_root().header.add_child(Element(f"<style>{css}{rule}</style>"), name="cjk_font")


def _district_layers(m: folium.Map, district: Any) -> None:
    """The district's own base layers: town areas with their names, roads (simplified)."""
    import folium

    areas = town_areas(district)
    g = folium.FeatureGroup(name=LAYER_NAMES["town_areas"], show=True)
    folium.GeoJson(
        areas.to_crs(4326).__geo_interface__,
        style_function=lambda _: {"color": "#777777", "weight": 1.2, "fillColor": "#f4f3ee", "fillOpacity": 0.55},
        tooltip=folium.GeoJsonTooltip(fields=["town"], aliases=["镇街"]),
    ).add_to(g)
    g.add_to(m)
    if district.roads is not None and len(district.roads):
        roads = district.roads[["geometry"]].copy()
        roads["geometry"] = roads.geometry.simplify(25.0)
        g = folium.FeatureGroup(name=LAYER_NAMES["roads"], show=True)
        folium.GeoJson(
            roads.to_crs(4326).__geo_interface__,
            style_function=lambda _: {"color": "#b0b0b0", "weight": 1},
        ).add_to(g)
        g.add_to(m)


def _school_layers(m: folium.Map, state: pd.DataFrame, year: int) -> None:
    """The kept, closed and new schools of :func:`explore_plan`, one layer each, with popups."""
    import folium

    for role, key, color in (
        ("kept", "kept", COLORS["kept"]),
        ("closed", "closed", COLORS["closed"]),
        ("new", "new", COLORS["new"]),
    ):
        g = folium.FeatureGroup(name=LAYER_NAMES[key], show=True)
        roles = ("new", "planned") if role == "new" else (role,)
        for r in state[state["role"].isin(roles)].itertuples(index=False):
            rows = [
                ("学校", r.name),
                ("类型", KIND_ZH.get(r.kind, r.kind)),
                ("镇街", r.town),
                ("状态", f"{year}年 {STATUS_ZH.get(r.status, r.status)}"),
                ("在校生", f"{r.enrolment}人 (寄宿{r.boarding_pupils}人)"),
                ("班级", r.classes),
                ("教室", f"{r.classrooms + r.added_classrooms} (新增{r.added_classrooms})"),
                ("床位", f"{r.beds + r.added_beds} (新增{r.added_beds})"),
                ("新增学位", r.added_seats),
            ]
            if r.receiving:
                rows.append(("接收撤并学校学生", "是"))
            if r.boarding:
                rows.append(("寄宿制学校", "是"))
            radius = 9 if r.boarding else 6
            folium.CircleMarker(
                [r.geometry.y, r.geometry.x],
                radius=radius,
                color=COLORS["boarding"] if r.boarding else ("#333333" if role != "closed" else color),
                weight=2 if r.boarding or r.receiving else 1,
                fill=True,
                fill_color=color,
                fill_opacity=0.9 if role != "closed" else 0.5,
                tooltip=f"{r.name} ({STATUS_ZH.get(r.status, r.status)})",
                popup=folium.Popup(_popup(rows), max_width=320),
            ).add_to(g)
        g.add_to(m)


def layer_names(m: folium.Map) -> list[str]:
    """Names of the feature-group layers of a folium map, in drawing order."""
    import folium

    return [child.layer_name for child in m._children.values() if isinstance(child, folium.FeatureGroup)]


# --------------------------------------------------------------------------- areas, scale bar, labels


def village_cells(district: Any) -> pd.Series:
    """The area each village stands for: its Voronoi cell within its part of the district.

    The data have villages as points; the cells (split by each polygon of the district
    boundary, so that no cell crosses the river between two banks) stand in for their
    areas on the maps.

    Returns
    -------
    geopandas.GeoSeries
        Indexed by ``village_id``, in the district CRS (villages outside every boundary
        polygon get no cell).
    """
    import geopandas as gpd
    import shapely

    v = district.villages
    pts = v.geometry.to_numpy()
    cells: dict[str, Any] = {}
    if district.boundary is None or not len(district.boundary):
        parts = [shapely.envelope(shapely.multipoints(pts)).buffer(1_000.0)]
    else:
        parts = list(district.boundary.geometry)
    done = np.zeros(len(v), dtype=bool)
    for poly in parts:
        inside = shapely.covers(poly, pts) & ~done
        idx = np.flatnonzero(inside)
        done |= inside
        if len(idx) == 0:
            continue
        if len(idx) == 1:
            cells[str(v["village_id"].iloc[idx[0]])] = poly
            continue
        vor = shapely.voronoi_polygons(shapely.multipoints(pts[idx]), extend_to=poly, ordered=True)
        for i, cell in zip(idx, shapely.get_parts(vor)):
            cells[str(v["village_id"].iloc[i])] = shapely.intersection(cell, poly)
    ids = [str(x) for x in v["village_id"] if str(x) in cells]
    return gpd.GeoSeries([cells[i] for i in ids], index=pd.Index(ids, name="village_id"), crs=district.crs)


def town_areas(district: Any) -> pd.DataFrame:
    """Town and subdistrict areas: their villages' cells (:func:`village_cells`) merged.

    Returns
    -------
    geopandas.GeoDataFrame
        ``town`` and geometry, in the district CRS, in the order of ``district.towns``.
    """
    import geopandas as gpd

    cells = village_cells(district)
    town = district.villages.set_index(district.villages["village_id"].astype(str))["town"]
    g = gpd.GeoDataFrame({"town": town.reindex(cells.index).to_numpy()}, geometry=cells.to_numpy(), crs=district.crs)
    areas = g.dissolve(by="town", as_index=False)
    order = {t: i for i, t in enumerate(district.towns["town"])}
    areas = areas.assign(_o=areas["town"].map(order).fillna(len(order))).sort_values("_o").drop(columns="_o")
    return areas.reset_index(drop=True)


def _draw_town_areas(ax: Axes, district: Any, *, labels: bool = True, lw: float = 0.9) -> None:
    """Town boundaries as grey lines, and the towns' names at their seats."""
    areas = town_areas(district)
    areas.boundary.plot(ax=ax, color="#6f6f6f", linewidth=lw, zorder=4)
    if labels and district.towns is not None and len(district.towns):
        t = district.towns
        for x, y, name in zip(t.geometry.x, t.geometry.y, t["town"]):
            ax.annotate(
                str(name),
                (x, y),
                ha="center",
                va="center",
                fontsize=7,
                color="#333333",
                zorder=9,
                bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.6},
            )


def add_scale_bar(ax: Axes, km: float | None = None) -> None:
    """A scale bar (kilometres, lower left) and a north arrow (upper right) on a map in a
    metric CRS."""
    from mpl_toolkits.axes_grid1.anchored_artists import AnchoredSizeBar

    x0, x1 = ax.get_xlim()
    if km is None:
        span = (x1 - x0) / 1000.0 / 5.0
        km = float(next((s for s in (20, 10, 5, 2, 1, 0.5) if s <= span), 0.5))
    bar = AnchoredSizeBar(
        ax.transData,
        km * 1000.0,
        f"{km:g} 公里",
        "lower left",
        pad=0.4,
        borderpad=0.6,
        sep=3,
        frameon=True,
        size_vertical=(ax.get_ylim()[1] - ax.get_ylim()[0]) / 150.0,
        fontproperties={"size": 7, "family": font_families()},
    )
    bar.patch.set_alpha(0.8)
    bar.patch.set_edgecolor("none")
    ax.add_artist(bar)
    ax.annotate(
        "北",
        xy=(0.965, 0.97),
        xytext=(0.965, 0.86),
        xycoords="axes fraction",
        ha="center",
        va="center",
        fontsize=8,
        arrowprops={"arrowstyle": "-|>", "color": "black", "lw": 1.2},
        zorder=10,
    )


def freeze_layout(fig: Any) -> Any:
    """Lay a figure out now and keep that layout (so that labels placed afterwards keep
    their room); the renderer to measure texts with.

    The figure keeps its own canvas (an Agg one is used only for measuring)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    old = fig.canvas
    renderer = FigureCanvasAgg(fig).get_renderer()
    engine = fig.get_layout_engine()
    if engine is not None:
        engine.execute(fig)
        fig.set_layout_engine("none")
    fig.set_canvas(old)
    return renderer


def place_labels(
    ax: Axes,
    xs: Any,
    ys: Any,
    texts: list[str],
    *,
    fontsize: float = 6.5,
    color: str = "#003366",
    max_labels: int | None = None,
    renderer: Any = None,
) -> int:
    """Write labels beside points, in the given order (most important first), leaving out
    those that would overlap a label already placed or leave the map.

    Each label tries four positions around its point (right, left, above, below).  Call
    it after the map's extent is set and the figure laid out (:func:`freeze_layout`,
    whose renderer it takes; it lays the figure out itself if none is given).

    Returns
    -------
    int
        Labels placed.
    """
    fig = ax.figure
    if renderer is None:
        renderer = freeze_layout(fig)
    frame = ax.get_window_extent(renderer)
    taken: list[Any] = []
    placed = 0
    offsets = (
        (4, 0, "left", "center"),
        (-4, 0, "right", "center"),
        (0, 5, "center", "bottom"),
        (0, -5, "center", "top"),
    )
    for x, y, text in zip(xs, ys, texts):
        if max_labels is not None and placed >= max_labels:
            break
        for dx, dy, ha, va in offsets:
            t = ax.annotate(
                str(text),
                (x, y),
                xytext=(dx, dy),
                textcoords="offset points",
                ha=ha,
                va=va,
                fontsize=fontsize,
                color=color,
                zorder=11,
                bbox={"boxstyle": "square,pad=0.05", "fc": "white", "ec": "none", "alpha": 0.55},
            )
            box = t.get_window_extent(renderer).expanded(1.04, 1.1)
            inside = frame.contains(box.x0, box.y0) and frame.contains(box.x1, box.y1)
            if inside and not any(box.overlaps(b) for b in taken):
                taken.append(box)
                placed += 1
                break
            t.remove()
    return placed


def _area_colours(areas: pd.DataFrame, palette: list) -> list:
    """A colour per area such that touching areas differ (greedy colouring of the
    adjacency graph, largest first; deterministic)."""
    import networkx as nx
    import shapely

    geoms = areas.geometry.to_numpy()
    g = nx.Graph()
    g.add_nodes_from(range(len(geoms)))
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    g.add_edges_from((int(a), int(b)) for a, b in zip(left, right) if a < b)
    colour = nx.greedy_color(g, strategy="largest_first")
    return [palette[colour[i] % len(palette)] for i in range(len(geoms))]


def catchment_positions(plan: Plan, year: int | None = None) -> pd.DataFrame:
    """The catchment school and mode of every village and band in one plan year.

    ``plan.catchments`` where it names one (the model's catchment position, 划片); for a
    village band it does not name (e.g. grades 4-6 that stay at the school of grades
    1-3), the school that takes most of that band's pupils there that year
    (``plan.assignments``).

    Returns
    -------
    pandas.DataFrame
        ``village_id, band, school_id, mode``, one row per village and band with pupils
        or a catchment.
    """
    year = _plan_year(plan, year)
    cols = ["village_id", "band", "school_id", "mode"]
    a = plan.assignments[(plan.assignments["year"] == year) & (plan.assignments["pupils"] > 0)]
    main = a.sort_values(["pupils", "school_id"], ascending=[False, True], kind="stable").drop_duplicates(
        ["village_id", "band"]
    )[cols]
    if len(plan.catchments.columns):
        ch = plan.catchments[plan.catchments["year"] == year].drop_duplicates(["village_id", "band"])[cols]
        known = pd.MultiIndex.from_frame(ch[["village_id", "band"]])
        rest = main[~pd.MultiIndex.from_frame(main[["village_id", "band"]]).isin(known)]
        main = pd.concat([ch, rest], ignore_index=True)
    return main.sort_values(["village_id", "band"], kind="stable").reset_index(drop=True)


def catchment_areas(plan: Plan, year: int | None = None, band: str = "lower_primary") -> pd.DataFrame:
    """The catchment areas of one band in one plan year: the cells of the villages each
    school takes (its catchment, 划片), merged per school and mode.

    Returns
    -------
    geopandas.GeoDataFrame
        ``school_id``, ``school`` (name), ``mode``, ``villages``, ``pupils``, geometry
        (district CRS).
    """
    import geopandas as gpd

    year = _plan_year(plan, year)
    ch = catchment_positions(plan, year)
    ch = ch[ch["band"] == band]
    cells = village_cells(plan.district)
    ch = ch[ch["village_id"].astype(str).isin(cells.index)]
    pupils = plan.assignments[(plan.assignments["year"] == year) & (plan.assignments["band"] == band)]
    pupils = pupils.groupby("village_id")["pupils"].sum()
    g = gpd.GeoDataFrame(
        {
            "school_id": ch["school_id"].to_numpy(),
            "mode": ch["mode"].to_numpy(),
            "pupils": ch["village_id"].map(pupils).fillna(0).astype(int).to_numpy(),
            "villages": 1,
        },
        geometry=cells.loc[ch["village_id"].astype(str)].to_numpy(),
        crs=plan.district.crs,
    )
    if g.empty:
        return gpd.GeoDataFrame(
            columns=["school_id", "school", "mode", "villages", "pupils", "geometry"], crs=plan.district.crs
        )
    out = g.dissolve(by=["school_id", "mode"], as_index=False, aggfunc={"pupils": "sum", "villages": "sum"})
    names = plan.district.schools.set_index("school_id")["name"]
    out["school"] = out["school_id"].map(names)
    return (
        out[["school_id", "school", "mode", "villages", "pupils", "geometry"]]
        .sort_values(["school_id", "mode"], kind="stable")
        .reset_index(drop=True)
    )


def plot_catchment_areas(plan: Plan, year: int | None = None, bands: tuple[str, ...] | None = None) -> Figure:
    """The catchments of one plan year as areas, one map per band, stacked.

    Each school's catchment (the cells of the villages it takes) is one colour, touching
    catchments differ; boarding catchments are hatched; town boundaries grey, schools
    taking pupils as dots with their names where room allows; scale bar and north arrow.

    Parameters
    ----------
    plan : Plan
        A solved plan.
    year : int, optional
        A plan year; the last if omitted.
    bands : tuple of str, optional
        The bands to map (those with pupils if omitted).

    Returns
    -------
    matplotlib.figure.Figure
        7.3 inches wide (the text width of A4), not registered with pyplot.
    """
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    year = _plan_year(plan, year)
    a = plan.assignments[(plan.assignments["year"] == year) & (plan.assignments["pupils"] > 0)]
    bands = tuple(b for b in (bands or BANDS) if (a["band"] == b).any()) or tuple(bands or BANDS[:1])
    aspect = _aspect(plan.district)
    palette = ["#a6cee3", "#b2df8a", "#fdbf6f", "#cab2d6", "#fb9a99", "#ffff99", "#8dd3c7", "#d9d9d9", "#bc80bd"]
    with cjk_rc():
        fig = Figure(figsize=(7.3, len(bands) * (7.0 / aspect + 0.45)), layout="constrained")
        axes = np.atleast_1d(fig.subplots(len(bands), 1, squeeze=False)[:, 0])
        schools = plan.district.schools.set_index("school_id")
        labels = []
        for ax, band in zip(axes, bands):
            areas = catchment_areas(plan, year, band)
            if plan.district.boundary is not None and len(plan.district.boundary):
                plan.district.boundary.plot(ax=ax, facecolor="#f4f3ee", edgecolor="#555555", linewidth=0.9, zorder=0)
            if len(areas):
                merged = areas.dissolve(by="school_id", as_index=False)
                colours = dict(zip(merged["school_id"], _area_colours(merged, palette)))
                areas.plot(
                    ax=ax, color=[colours[s] for s in areas["school_id"]], edgecolor="none", linewidth=0, zorder=1
                )
                board = areas[areas["mode"] == "boarding"]
                if len(board):
                    board.plot(ax=ax, facecolor="none", edgecolor="#7b3fa0", hatch="////", linewidth=0, zorder=2)
                merged.boundary.plot(ax=ax, color="#3c3c3c", linewidth=0.45, zorder=3)
                pts = schools.loc[merged["school_id"]]
                ax.scatter(pts.geometry.x, pts.geometry.y, s=9, color="#1f4e79", zorder=6, linewidths=0)
            _draw_town_areas(ax, plan.district, labels=False)
            ax.set_title(
                f"{BAND_ZH[band]}: {int(areas['school_id'].nunique()) if len(areas) else 0}所学校的片区",
                fontsize=9,
                fontfamily=font_families(),
            )
            _finish(ax, plan.district)
            add_scale_bar(ax)
            if len(areas):
                order = merged.assign(_p=merged["pupils"]).sort_values(["_p", "school_id"], ascending=[False, True])
                labels.append((ax, schools.loc[order["school_id"]]))
        handles = [
            Patch(facecolor="#a6cee3", edgecolor="#3c3c3c", label="同一学校的片区(相邻片区异色)"),
            Patch(facecolor="white", edgecolor="#7b3fa0", hatch="////", label="寄宿片区"),
            Patch(facecolor="none", edgecolor="#6f6f6f", label="镇街界"),
        ]
        fig.legend(handles=handles, loc="outside lower center", ncol=3, fontsize=7, frameon=False)
        renderer = freeze_layout(fig)
        for ax, p in labels:
            place_labels(ax, p.geometry.x, p.geometry.y, list(p["name"]), fontsize=5.5, renderer=renderer)
    return fig


def bus_town_figures(bus_plan: BusPlan, district: Any, per_figure: int = 4) -> list[tuple[str, Figure]]:
    """The school-bus routes of one year, one map per town, ``per_figure`` maps a figure.

    Each map is zoomed on the routes of the town's schools, routes coloured by school
    (a legend names each school with its buses), over the town boundaries and roads,
    with scale bar and north arrow.

    Returns
    -------
    list of (str, matplotlib.figure.Figure)
        Caption and figure (7.3 inches wide), in the district's order of towns; empty
        without routes.
    """
    import matplotlib
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    lines = bus_plan.route_lines()
    if lines.empty:
        return []
    if lines.crs is not None and district.crs is not None and lines.crs != district.crs:
        lines = lines.to_crs(district.crs)
    schools = district.schools.set_index("school_id")
    lines = lines.assign(town=lines["school_id"].map(schools["town"]))
    towns = [t for t in district.towns["town"] if (lines["town"] == t).any()]
    towns += sorted(set(lines["town"].dropna()) - set(towns))
    areas = town_areas(district)
    cmap = matplotlib.colormaps["tab20"]
    colours = [cmap(i) for i in (*range(0, 20, 2), *range(1, 20, 2))]  # the strong ten first
    out = []
    for start in range(0, len(towns), per_figure):
        group = towns[start : start + per_figure]
        rows = int(np.ceil(len(group) / 2))
        with cjk_rc():
            fig = Figure(figsize=(7.3, 3.9 * rows), layout="constrained")
            axes = fig.subplots(rows, 2, squeeze=False).ravel()
            for ax, town in zip(axes, group):
                mine = lines[lines["town"] == town]
                x0, y0, x1, y1 = mine.total_bounds
                pad = 0.08 * max(x1 - x0, y1 - y0, 3_000.0)
                cx, cy, half = (x0 + x1) / 2, (y0 + y1) / 2, max(x1 - x0, y1 - y0) / 2 + pad
                if district.roads is not None and len(district.roads):
                    district.roads.plot(ax=ax, color="#cfcfcf", linewidth=0.4, zorder=0)
                areas.boundary.plot(ax=ax, color="#8a8a8a", linewidth=0.8, zorder=1)
                sids = sorted(mine["school_id"].unique())
                handles = []
                for i, sid in enumerate(sids):
                    colour = colours[i % 20]
                    mine[mine["school_id"] == sid].plot(ax=ax, color=colour, linewidth=1.3, zorder=3)
                    p = schools.loc[sid].geometry
                    ax.scatter(
                        [p.x], [p.y], marker="s", s=22, color=colour, edgecolors="black", linewidths=0.5, zorder=5
                    )
                    n = int((mine["school_id"] == sid).sum())
                    handles.append(Line2D([], [], color=colour, lw=2, label=f"{schools.at[sid, 'name']} {n}辆"))
                ax.set_xlim(cx - half, cx + half)
                ax.set_ylim(cy - half, cy + half)
                ax.set_aspect("equal")
                ax.set_xticks([])
                ax.set_yticks([])
                ax.set_xlabel("")
                ax.set_ylabel("")
                km = float(mine["bus_km_per_day"].sum())
                ax.set_title(f"{town}: {len(mine)}辆, 每日{km:,.0f}车公里", fontsize=8.5, fontfamily=font_families())
                ax.legend(
                    handles=handles, loc="upper left", fontsize=5.5, framealpha=0.85, ncol=1 if len(handles) <= 8 else 2
                )
                add_scale_bar(ax)
            for ax in axes[len(group) :]:
                ax.set_axis_off()
        out.append((f"{bus_plan.year}年校车线路: {'、'.join(group)}", fig))
    return out
