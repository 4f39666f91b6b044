"""The Excel workbook as a bureau prints it: openpyxl styles on the report's Chinese sheets.

Every sheet gets a bold, wrapped, frozen header row with an autofilter; column widths
from their contents (a Chinese character counts two); number formats from the column
titles (yuan with thousands separators, 比例 and 变化 as percentages, minutes with one
decimal, years and codes plain); landscape A4, fitted to the page width, the header row
repeated on every printed page, the sheet's name and page numbers in the footer.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import numpy as np
import pandas as pd

#: Number formats by kind of column.
FORMATS: Final[dict[str, str]] = {
    "yuan": "#,##0",
    "wan": "#,##0.0",
    "share": "0.0%",
    "count": "#,##0",
    "decimal": "#,##0.00",
    "minutes": "0.0",
    "plain": "0",
    "text": "@",
}
#: Widest column, in characters (longer text wraps).
MAX_WIDTH: Final[int] = 48
#: Columns of long text: wrapped, at most :data:`MAX_WIDTH` wide.
_LONG_TITLES: Final[tuple[str, ...]] = ("说明", "去向", "政策安排", "接收学校", "来自学校", "依据", "划片学校")


def text_width(text: str) -> float:
    """Display width of a text in Excel character units (CJK and full-width characters count two)."""
    return float(sum(2 if ord(ch) > 0x2E7F else 1 for ch in str(text)))


def column_kind(title: str, values: pd.Series) -> str:
    """How a column is formatted (a key of :data:`FORMATS`), from its Chinese title and dtype."""
    if "代码" in title or title.endswith("参数名"):
        return "text"
    if "年份" in title or title in ("年", "年级"):
        return "plain"
    if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        return "text"
    if "万元" in title:
        return "wan"
    if "(元" in title or title.endswith("元"):
        return "yuan"
    if "比例" in title or "变化" in title or "差距" in title:
        return "share"
    if "分钟" in title:
        return "minutes"
    if pd.api.types.is_integer_dtype(values):
        return "count"
    v = pd.to_numeric(values, errors="coerce").dropna()
    if len(v) and np.allclose(v, np.round(v)):
        return "count"
    return "decimal"


def _shown(value: Any, kind: str) -> str:
    """The text Excel shows for a value (to size the column)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if kind in ("yuan", "count") and isinstance(value, (int, float, np.number)):
        return f"{float(value):,.0f}"
    if kind == "wan" and isinstance(value, (int, float, np.number)):
        return f"{float(value):,.1f}"
    if kind == "share" and isinstance(value, (int, float, np.number)):
        return f"{float(value):.1%}"
    if kind == "decimal" and isinstance(value, (int, float, np.number)):
        return f"{float(value):,.2f}"
    return str(value)


def _cell_value(value: Any) -> Any:
    """A value openpyxl can write (numpy scalars as Python, NaN and NA as empty)."""
    if value is None:
        return None
    if isinstance(value, (list, tuple, set, dict)):
        return "、".join(map(str, value)) if not isinstance(value, dict) else str(value)
    if not isinstance(value, str) and pd.isna(value):
        return None
    if isinstance(value, np.generic):
        return value.item()
    return value


def styled_workbook(sheets: Mapping[str, pd.DataFrame]) -> Any:
    """One styled openpyxl workbook of ``sheets`` (sheet name -> table, in order).

    The ``概要`` layout (``指标, 数值, 单位``) is formatted row by row: yuan values with
    separators, the unit ``%`` as a percentage.

    Returns
    -------
    openpyxl.Workbook
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.properties import PageSetupProperties

    wb = Workbook()
    wb.remove(wb.active)
    head_font = Font(bold=True)
    head_fill = PatternFill("solid", fgColor="DCE6F1")
    thin = Side(style="thin", color="A6B4C4")
    head_border = Border(bottom=thin, top=thin, left=thin, right=thin)
    head_align = Alignment(wrap_text=True, horizontal="center", vertical="center")
    wrap = Alignment(wrap_text=True, vertical="top")
    for name, table in sheets.items():
        ws = wb.create_sheet(title=name)
        titles = [str(c) for c in table.columns]
        kinds = [column_kind(t, table[c]) for t, c in zip(titles, table.columns)]
        ws.append(titles)
        for row in table.itertuples(index=False):
            ws.append([_cell_value(v) for v in row])
        unit_col = titles.index("单位") if titles[:3] == ["指标", "数值", "单位"] else None
        for j, (title, kind) in enumerate(zip(titles, kinds), start=1):
            letter = get_column_letter(j)
            head = ws.cell(row=1, column=j)
            head.font, head.fill, head.border, head.alignment = head_font, head_fill, head_border, head_align
            long_text = any(t in title for t in _LONG_TITLES)
            values = table.iloc[:, j - 1]
            widths = [text_width(_shown(v, kind)) for v in values]
            content = max(widths, default=0.0)
            # the header wraps onto two lines at most
            width = min(max(content, text_width(title) / 2 + 1, 6.0), MAX_WIDTH) + 2
            ws.column_dimensions[letter].width = round(width, 1)
            fmt = FORMATS[kind]
            for i in range(2, len(table) + 2):
                c = ws.cell(row=i, column=j)
                if kind != "text" and isinstance(c.value, (int, float)) and not isinstance(c.value, bool):
                    c.number_format = fmt
                elif kind == "text" and "代码" in title and c.value is not None:
                    c.value = str(c.value)
                    c.number_format = "@"
                if long_text or content > MAX_WIDTH:
                    c.alignment = wrap
        if unit_col is not None:
            _format_key_figures(ws, unit_col + 1)
        ws.row_dimensions[1].height = 15 * max(1, int(np.ceil(max((text_width(t) for t in titles), default=1) / 24)))
        ws.freeze_panes = "B2" if titles and titles[0] in ("年份", "镇街") and len(titles) > 6 else "A2"
        if len(table):
            ws.auto_filter.ref = ws.dimensions
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
        ws.print_title_rows = "1:1"
        ws.print_options.gridLines = True
        ws.page_margins.left = ws.page_margins.right = 0.4
        ws.page_margins.top = ws.page_margins.bottom = 0.6
        ws.oddFooter.center.text = "&A  第&P页, 共&N页"
    return wb


def _format_key_figures(ws: Any, unit_col: int) -> None:
    """Number formats of the key-figures sheet, by the unit in each row."""
    for i in range(2, ws.max_row + 1):
        unit = str(ws.cell(row=i, column=unit_col).value or "")
        c = ws.cell(row=i, column=unit_col - 1)
        if not isinstance(c.value, (int, float)) or isinstance(c.value, bool):
            continue
        if unit == "%":
            c.number_format = "0.000%"
        elif unit.startswith("元"):
            c.number_format = FORMATS["yuan"]
        elif unit == "分钟":
            c.number_format = FORMATS["minutes"]
        else:
            c.number_format = FORMATS["count"] if float(c.value).is_integer() else FORMATS["decimal"]
