"""The report printed to PDF in a real browser (headless Chromium): A4 pages, every table
and figure within the printed width, no scroll boxes, and the Chinese drawn in the
embedded font, also where no Chinese font is installed.

Chromium comes from Debian's ``chromium`` package (``.ci/run`` installs it); elsewhere
set ``CHROMIUM`` to a Chrome or Chromium executable.  Without one the test skips and says
so.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from layout_opt import report

from .test_report import CJK, POLICY_PROJECTS, build_plan, horizon_forecast

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "print_report.py"


def _printer():
    spec = importlib.util.spec_from_file_location("print_report", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _system_cjk_fonts() -> list[str]:
    """Chinese fonts fontconfig knows of (none on CI)."""
    if shutil.which("fc-list") is None:
        return []
    out = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True, check=False).stdout
    return [line for line in out.splitlines() if line.strip()]


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    printer = _printer()
    if printer.find_chromium() is None:
        pytest.skip(
            "no Chromium to print with: install Debian's chromium (apt-get install chromium, as .ci/run does) "
            "or set CHROMIUM to a Chrome/Chromium executable"
        )
    plan = build_plan()
    folder = tmp_path_factory.mktemp("print")
    page = folder / "report.html"
    page.write_text(report.render_html(plan, POLICY_PROJECTS, forecast=horizon_forecast(plan, 0.5)), encoding="utf-8")
    result = printer.print_report(page, folder / "report.pdf")
    return result, page, folder / "report.pdf"


def test_the_report_prints_on_a4(printed):
    result, _, pdf = printed
    assert pdf.read_bytes()[:5] == b"%PDF-"
    assert result["a4"], result["page_sizes_pt"]
    assert result["pages"] >= 5


def test_no_table_or_figure_is_wider_than_the_page(printed):
    result, _, _ = printed
    # the printed text width of A4 less the page margins (186 mm), in CSS pixels
    assert 690 <= result["page_width_px"] <= 705
    assert result["elements"] >= 20  # every table and figure was measured
    assert result["too_wide"] == []
    assert result["document_width_px"] <= result["page_width_px"]
    assert result["scrolling_boxes"] == 0


def test_chinese_is_drawn_in_the_embedded_font(printed):
    result, page, _ = printed
    title = re.search(r"<h1>(.*?)</h1>", page.read_text(encoding="utf-8")).group(1)
    fonts = result["title_fonts"]
    assert fonts
    # the title's Chinese comes from the page's own font (a web font), whatever is installed
    cjk = sum(1 for ch in title if CJK.match(ch))
    custom = sum(f["glyphs"] for f in fonts if f["custom"])
    assert custom >= cjk > 0, (fonts, _system_cjk_fonts())
    assert all(f["custom"] for f in fonts if "CJK" in f["family"] or "Noto" in f["family"])
