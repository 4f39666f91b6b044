"""Maps: Chinese renders in the packaged CJK font, every figure draws without missing
glyphs, the interactive map has its named layers and is built offline."""

from __future__ import annotations

import io
import re
import socket
import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest
from matplotlib import font_manager as fm
from matplotlib.figure import Figure
from matplotlib.ft2font import FT2Font

from layout_opt import maps

from .test_report import YEARS, build_plan


@pytest.fixture(scope="module")
def plan():
    return build_plan()


def _render(fig) -> list[str]:
    """Draw ``fig`` to PNG in memory; the missing-glyph warnings it raised."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=60)
    assert buf.getvalue()[:4] == b"\x89PNG"
    return [str(w.message) for w in caught if "missing from font" in str(w.message)]


def test_cjk_font_comes_from_the_package():
    import noto_cjk_sans_otc

    prop = maps.cjk_font()
    assert prop.get_family() == ["Noto Sans CJK SC"]
    path = fm.findfont(prop, fallback_to_default=False)
    assert path == str(noto_cjk_sans_otc.FONT_PATH)
    font = FT2Font(path)
    assert all(font.get_char_index(ord(ch)) for ch in "孟津区麻屯永和路撤并寄宿")


def test_the_glyph_check_catches_a_font_without_chinese():
    # the capture used below does see the warning matplotlib gives for missing glyphs
    fig = Figure()
    fig.text(0.1, 0.5, "孟津", family="DejaVu Sans")
    assert _render(fig)


@pytest.mark.parametrize("draw", ["plot_plan", "plot_catchments", "plot_before_after", "plot_travel_distributions"])
def test_figures_render_chinese_without_missing_glyphs(plan, draw):
    out = getattr(maps, draw)(plan)
    fig = out if isinstance(out, Figure) else out.figure
    texts = [t for t in fig.findobj(matplotlib.text.Text) if t.get_text()]
    chinese = [t for t in texts if any("\u4e00" <= ch <= "\u9fff" for ch in t.get_text())]
    assert chinese, "the figure has Chinese text"
    cjk = fm.findfont(maps.cjk_font())
    assert all(fm.findfont(t.get_fontproperties()) == cjk for t in chinese)
    assert not _render(fig)
    plt.close("all")


def test_plot_plan_on_an_axes_made_beforehand(plan):
    # an Axes the caller made with the default font: titles and labels still render
    fig, ax = plt.subplots()
    assert maps.plot_plan(plan, year=YEARS[0], ax=ax) is ax
    assert ax.get_title().startswith(f"{YEARS[0]}年")
    assert not _render(fig)
    plt.close(fig)


def test_plan_plot_and_year_checks(plan):
    ax = plan.plot()
    assert str(YEARS[-1]) in ax.get_title()
    plt.close(ax.figure)
    with pytest.raises(ValueError, match="not a year of the plan"):
        maps.plot_plan(plan, year=1999)


def test_school_state_marks_roles(plan):
    st = maps.school_state(plan, YEARS[-1]).set_index("school_id")
    assert st.loc["S0099", "role"] == "new"
    assert st.loc["S0012", "role"] == "closed"
    assert set(plan.closures["school_id"]) <= set(st.index[st["role"] == "closed"])
    assert st.loc["S0000", "boarding"]  # 170 beds, at least min_boarding_beds
    assert not st.loc["S0012", "boarding"]  # closed schools board nobody
    assert st.loc[list(maps.receiving_schools(plan)), "receiving"].all()
    assert maps.school_state(plan, YEARS[0]).set_index("school_id").loc["S0099", "role"] == "planned"


def test_catchment_lines_join_villages_to_schools(plan):
    lines = maps.catchment_lines(plan)
    a = plan.assignments[(plan.assignments["year"] == YEARS[-1]) & (plan.assignments["pupils"] > 0)]
    assert len(lines) == len(a)
    first = lines.iloc[0]
    v = plan.district.villages.set_index("village_id").geometry[first["village_id"]]
    s = plan.district.schools.set_index("school_id").geometry[first["school_id"]]
    assert list(first.geometry.coords) == [(v.x, v.y), (s.x, s.y)]


def test_plot_routes(plan):
    from layout_opt.routing import route_district

    bus = route_district(plan.assignments, plan.district, year=YEARS[-1])
    ax = maps.plot_routes(bus, plan.district)
    assert "校车线路" in ax.get_title()
    assert not _render(ax.figure)
    plt.close(ax.figure)


def test_explore_has_the_named_layers_and_is_built_offline(plan, monkeypatch):
    import folium

    def no_network(*args, **kwargs):
        raise AssertionError("building the map must not use the network")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    m = plan.explore()
    assert isinstance(m, folium.Map)
    names = maps.layer_names(m)
    assert sorted(names) == sorted(maps.LAYER_NAMES.values())
    assert {"保留学校", "撤并学校", "新建学校", "走读划片线", "寄宿划片线", "区界", "镇街驻地"} <= set(names)
    groups = {c.layer_name: c for c in m._children.values() if isinstance(c, folium.FeatureGroup)}
    n_closed = int((maps.school_state(plan)["role"] == "closed").sum())

    def count(group, kind):
        return sum(isinstance(c, kind) for c in groups[group]._children.values())

    assert count("撤并学校", folium.CircleMarker) == n_closed
    lines = maps.catchment_lines(plan)
    assert count("寄宿划片线", folium.PolyLine) == int((lines["mode"] == "boarding").sum()) > 0
    assert count("镇街驻地", folium.Marker) == len(plan.district.towns)
    page = m.get_root().render()
    assert "新城小学" in page and "撤并" in page and "T000镇" in page
    # the page carries Leaflet; nothing but the optional tiles comes from a server
    assert not re.search(r"<(script|link)[^>]+(src|href)=", page)
    assert "Leaflet 1.9.4" in page
    offline = plan.explore(tiles=False).get_root().render()
    assert not re.search(
        r"https?://(?!leafletjs\.com|openstreetmap\.org/copyright)[a-z0-9.-]+/[^\s\"']*\.(js|css|png)", offline
    )
    assert "tile.openstreetmap" not in offline and "tile.openstreetmap" in page
    assert count("镇街", folium.GeoJson) == 1 and count("道路", folium.GeoJson) == 1
    assert "@font-face" in page and "LayoutCJK" in page  # names show without a Chinese font


def test_explore_draws_without_network_in_a_browser(plan, tmp_path):
    """The offline map draws in headless Chromium with every request to a server refused."""
    import importlib.util
    import json
    from pathlib import Path

    spec = importlib.util.spec_from_file_location(
        "print_report", Path(__file__).resolve().parent.parent / "scripts" / "print_report.py"
    )
    printer = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(printer)
    if printer.find_chromium() is None:
        pytest.skip("no Chromium (install Debian's chromium, as .ci/run does, or set CHROMIUM)")
    page = tmp_path / "map.html"
    plan.explore().save(str(page))
    found = printer.evaluate(
        page,
        "(() => {"
        " document.querySelectorAll('path.leaflet-interactive').forEach(p => p.dispatchEvent(new MouseEvent('click', {bubbles: true})));"
        " return JSON.stringify({leaflet: typeof L, panes: document.querySelectorAll('.leaflet-pane').length,"
        " shapes: document.querySelectorAll('path.leaflet-interactive').length,"
        " layers: document.querySelectorAll('.leaflet-control-layers-overlays label').length,"
        " popup: (document.querySelector('.leaflet-popup-content') || {}).textContent || ''}); })()",
        offline=True,
    )
    found = json.loads(found)
    assert found["leaflet"] == "object" and found["panes"] > 0
    assert found["shapes"] > 20  # town areas, lines, schools drawn as vector shapes
    assert found["layers"] == len(maps.LAYER_NAMES)
    assert "学校" in found["popup"]  # a school's popup opens, in Chinese
