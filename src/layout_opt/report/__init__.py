"""The plan report: tables for the bureau, the policy comparison, the workbook and HTML.

Everything here is a pure function of a :class:`~layout_opt.Plan` (and, where given, the
policy's named projects, the forecast and the district's policy targets): no file is
read or written; :mod:`layout_opt.io` writes the results.

* :mod:`~layout_opt.report.tables` — the plan's own figures, English column names:
  :func:`additions_table`, :func:`towns_table`, :func:`compulsory_seats`,
  :func:`projects_table`, :func:`stranded_table`;
* :mod:`~layout_opt.report.targets` — the plan against the district's policy targets
  (:class:`layout_opt.policy.Policy`, Mengjin's in ``data/policy.toml``):
  :func:`policy_table`, :func:`senior_table`; and :func:`report_tables`, every English
  table (``additions``, ``towns``, ``policy``, ``projects``, ``stranded``, ``senior``);
* :mod:`~layout_opt.report.workbook` — :func:`key_figures`, :func:`zh_table` and
  :func:`workbook_sheets`: the same tables plus assignments, schools and closures, with
  Chinese sheet names and column titles (for the Excel workbook);
* :mod:`~layout_opt.report.economics` — the plan's economics: closures by year, money
  apart from the valued travel time, the reconciled investment, pupils who change school,
  boarding, buses by year, town and school, catchments, the zone rule, sensitivity;
* :mod:`~layout_opt.report.params` — the scenario's parameters in Chinese;
* :mod:`~layout_opt.report.xlsx` — :func:`styled_workbook`: the sheets as a workbook a
  bureau prints (formats, widths, frozen headers, A4 landscape);
* :mod:`~layout_opt.report.markup` and :mod:`~layout_opt.report.page` —
  :func:`render_html`: one self-contained HTML page in Chinese for A4 paper (figures and
  a CJK font subset embedded).

Money is in yuan (元), seats and beds are counts, times are one-way minutes.  Where a
closed school's pupils go is :meth:`layout_opt.Plan.closure_moves`; the report groups it
(:func:`closure_destinations`).
"""

from __future__ import annotations

from .common import COMPULSORY_KINDS
from .page import render_html
from .tables import (
    ADDITION_COLUMNS,
    KINDERGARTEN_TOWN_COLUMNS,
    PROJECT_COLUMNS,
    STRANDED_COLUMNS,
    TOWN_COLUMNS,
    additions_table,
    compulsory_seats,
    kindergarten_places,
    kindergarten_towns_table,
    projects_table,
    stranded_table,
    towns_table,
)
from .targets import (
    DESTINATION_COLUMNS,
    POLICY_COLUMNS,
    closure_destinations,
    policy_table,
    report_tables,
    senior_table,
)
from .workbook import (
    COLUMN_ZH,
    PROJECT_TYPE_ZH,
    REASON_ZH,
    SHEET_NAMES,
    SOLVER_STATUS_ZH,
    key_figures,
    workbook_sheets,
    zh_table,
)
from .xlsx import styled_workbook

__all__ = [
    "ADDITION_COLUMNS",
    "COLUMN_ZH",
    "COMPULSORY_KINDS",
    "DESTINATION_COLUMNS",
    "KINDERGARTEN_TOWN_COLUMNS",
    "POLICY_COLUMNS",
    "PROJECT_COLUMNS",
    "PROJECT_TYPE_ZH",
    "REASON_ZH",
    "SHEET_NAMES",
    "SOLVER_STATUS_ZH",
    "STRANDED_COLUMNS",
    "TOWN_COLUMNS",
    "additions_table",
    "closure_destinations",
    "compulsory_seats",
    "key_figures",
    "kindergarten_places",
    "kindergarten_towns_table",
    "policy_table",
    "projects_table",
    "render_html",
    "report_tables",
    "senior_table",
    "stranded_table",
    "styled_workbook",
    "towns_table",
    "workbook_sheets",
    "zh_table",
]
