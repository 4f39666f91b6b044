"""HTML pieces of the report: the A4 style sheet, tables, key-figure cards, notes,
embedded figures and the embedded CJK font.

The page is laid out for A4 paper (``@page``): tables fill the text width and wrap their
cells, headings stay with what follows them, figures and short tables do not split, no
scroll bars in print.  On screen the same page is a readable column.
"""

from __future__ import annotations

import base64
import html
import io
from typing import Any, Final

import numpy as np
import pandas as pd

from ..fonts import font_face_css

#: Family name of the embedded CJK subset.
FONT_FAMILY: Final[str] = "LayoutCJK"

#: Width of the printed text on A4 with the page margins below, millimetres.
TEXT_WIDTH_MM: Final[float] = 186.0

CSS: Final[str] = f"""
@page{{size:A4 portrait;margin:14mm 12mm 15mm 12mm;
 @bottom-center{{content:counter(page) " / " counter(pages);font-size:8pt;color:#666}}}}
html{{-webkit-print-color-adjust:exact;print-color-adjust:exact}}
body{{font-family:"{FONT_FAMILY}","Noto Sans CJK SC","Noto Sans SC","Source Han Sans SC","Microsoft YaHei","PingFang SC",sans-serif;
 margin:20px auto;max-width:{TEXT_WIDTH_MM}mm;color:#222;line-height:1.45;font-size:10pt;padding:0 8px}}
h1{{font-size:17pt;border-bottom:2px solid #1f4e79;padding-bottom:4px;margin:0 0 6px}}
h2{{font-size:13pt;margin:20px 0 6px;border-left:5px solid #1f4e79;padding-left:7px;break-after:avoid;page-break-after:avoid}}
h3{{font-size:11pt;margin:12px 0 4px;break-after:avoid;page-break-after:avoid}}
p{{margin:4px 0}}
.kpis{{display:grid;grid-template-columns:repeat(4,1fr);gap:6px;margin:6px 0}}
.kpi{{border:1px solid #c9d3dd;border-radius:5px;padding:5px 8px;background:#f4f7fa;break-inside:avoid}}
.kpi .v{{font-size:14pt;font-weight:bold;color:#1f4e79;white-space:nowrap}}
.kpi .l{{font-size:8.5pt;color:#444}}
.kpi.money{{background:#f6f3ea;border-color:#dccfa8}}
.box{{border:1px solid #9fb3c8;background:#f7fafc;border-radius:5px;padding:6px 10px;margin:8px 0;font-size:9pt;break-inside:avoid}}
.box h3{{margin-top:0}}
.box ul{{margin:2px 0;padding-left:18px}}
table.t{{border-collapse:collapse;font-size:8.5pt;margin:4px 0 8px;width:100%;table-layout:auto}}
table.t th{{background:#e3eaf2;padding:2px 4px;border:1px solid #b8c4d0;font-weight:bold;text-align:center;vertical-align:bottom;word-break:keep-all;overflow-wrap:anywhere}}
table.t td{{padding:2px 4px;border:1px solid #d3dbe3;text-align:left;vertical-align:top;overflow-wrap:anywhere}}
table.t td.n{{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}}
table.t td.s{{white-space:nowrap}}
table.t tr.sum td{{font-weight:bold;background:#f1f4f7}}
table.t thead{{display:table-header-group}}
table.t tr{{break-inside:avoid;page-break-inside:avoid}}
.keep{{break-inside:avoid;page-break-inside:avoid}}
figure{{margin:6px 0 10px;break-inside:avoid;page-break-inside:avoid}}
figure img{{width:100%;height:auto;display:block}}
@media print{{figure img{{width:auto;max-width:100%;max-height:240mm;margin:0 auto}}}}
figcaption{{font-size:8.5pt;color:#555}}
.note{{font-size:8.5pt;color:#555;break-after:avoid;page-break-after:avoid}}
.warn{{color:#a40000}}
.pb{{break-before:page;page-break-before:always}}
@media screen{{.tw{{overflow-x:auto}}}}
@media print{{body{{margin:0;max-width:none;padding:0}} .tw{{overflow:visible}} a{{color:inherit;text-decoration:none}}}}
"""


def cell(x: Any, title: str, plain: tuple[str, ...] = ("年份", "代码", "年")) -> tuple[str, bool]:
    """HTML text of one value and whether it is a number (right-aligned).

    Integers get thousands separators except in columns whose title names a year or a
    code; floats in a column whose title says 比例 or 变化 are percentages; money columns
    (titles ending 元) are whole yuan; yes/no in Chinese.
    """
    if not pd.api.types.is_scalar(x):
        return html.escape(str(x)), False
    if x is None or (not isinstance(x, str) and pd.isna(x)):
        return "", False
    if isinstance(x, (bool, np.bool_)):
        return ("是" if x else "否"), False
    is_plain = any(title.endswith(p) or (p == "代码" and p in title) for p in plain)
    if isinstance(x, (int, np.integer)):
        return (str(int(x)) if is_plain else f"{int(x):,}"), True
    if isinstance(x, (float, np.floating)):
        v = float(x)
        if "比例" in title or "变化" in title or "差距" in title:
            return f"{v:.1%}", True
        if "万元" in title:
            return f"{v:,.1f}", True
        if title.endswith("元)") or title.endswith("元"):
            return f"{v:,.0f}", True
        if v.is_integer():
            return (str(int(v)) if is_plain else f"{int(v):,}"), True
        return f"{v:,.1f}" if abs(v) >= 100 else f"{v:,.2f}", True
    return html.escape(str(x)), False


def table(
    df: pd.DataFrame,
    max_rows: int | None = None,
    *,
    sum_rows: tuple[int, ...] = (),
    keep: bool | None = None,
    more: str = "全部见Excel工作簿",
) -> str:
    """A table as HTML: numbers right-aligned with separators, text left and wrapping.

    Parameters
    ----------
    df : pandas.DataFrame
        Chinese column titles.
    max_rows : int, optional
        Show only the first rows (a note says how many there are).
    sum_rows : tuple of int
        Positions of total rows (set in bold).
    keep : bool, optional
        Keep the table on one page (default: tables of at most 25 rows).
    more : str
        Where the rest of a cut table is.
    """
    shown = df if max_rows is None or len(df) <= max_rows else df.head(max_rows)
    cols = [str(c) for c in shown.columns]
    head = "".join(f"<th>{html.escape(c)}</th>" for c in cols)
    body = []
    for i, row in enumerate(shown.itertuples(index=False)):
        cells = []
        for value, title in zip(row, cols):
            text, number = cell(value, title)
            if number:
                cells.append(f'<td class="n">{text}</td>')
            elif len(text) <= 6:  # a short word (a town, a band, yes/no) stays on one line
                cells.append(f'<td class="s">{text}</td>')
            else:
                cells.append(f"<td>{text}</td>")
        cls = ' class="sum"' if i in sum_rows or (i - len(shown)) in sum_rows else ""
        body.append(f"<tr{cls}>" + "".join(cells) + "</tr>")
    keep = len(shown) <= 25 if keep is None else keep
    klass = "tw keep" if keep else "tw"
    out = (
        f'<div class="{klass}"><table class="t"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )
    if shown is not df:
        out += f'<p class="note">共{len(df):,}行, 此处显示前{len(shown)}行; {html.escape(more)}。</p>'
    return out


def kpi(value: str, label: str, money: bool = False) -> str:
    """One key-figure card."""
    cls = "kpi money" if money else "kpi"
    return (
        f'<div class="{cls}"><div class="v">{html.escape(value)}</div><div class="l">{html.escape(label)}</div></div>'
    )


def note(text: str, cls: str = "note") -> str:
    """A paragraph of small print."""
    return f'<p class="{cls}">{html.escape(text)}</p>'


def figure_png(fig: Any, dpi: int = 200) -> str:
    """A matplotlib figure as base64 PNG (deterministic: no metadata date)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight", metadata={"Software": None})
    return base64.b64encode(buf.getvalue()).decode("ascii")


def figure(b64: str, caption: str) -> str:
    """An embedded PNG with its caption, kept on one page."""
    alt = html.escape(caption)
    return f'<figure><img alt="{alt}" src="data:image/png;base64,{b64}"><figcaption>{alt}</figcaption></figure>'


def font_style(page_text: str) -> str:
    """The ``@font-face`` rule embedding the CJK subset of every character of the page."""
    return font_face_css(page_text, FONT_FAMILY)


def yuan_wan(x: float | None, digits: int = 0) -> str:
    """Yuan as 万元 text (``—`` for None)."""
    if x is None or (isinstance(x, float) and np.isnan(x)):
        return "—"
    return f"{x / 1e4:,.{digits}f}万元"


def yuan_yi(x: float) -> str:
    """Yuan as 亿元 text."""
    return f"{x / 1e8:,.2f}亿元"
