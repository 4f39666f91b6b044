"""What the checks of every input file share: record ids, required columns, how a raw
value is shown, and the type checks of one column."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable

import numpy as np
import pandas as pd

from ..errors import Problem

#: A 12-digit statistics code (village-level units).
_ID12 = re.compile(r"^\d{12}$")


def _record_ids(df: pd.DataFrame, id_col: str) -> list[str]:
    if id_col in df.columns:
        return [str(v) if pd.notna(v) and str(v).strip() else f"row {k}" for k, v in zip(range(len(df)), df[id_col])]
    return [f"row {k}" for k in range(len(df))]


def _require_columns(df: pd.DataFrame, columns: Iterable[str], file: str) -> list[Problem]:
    if len(df) == 0:
        return [Problem(file, "-", "-", "the file has no records")]
    return [Problem(file, "-", c, "column is missing") for c in columns if c not in df.columns]


def _show(v: object) -> str:
    """``repr`` of a raw value as the file holds it (numpy scalars shown as numbers)."""
    return repr(v.item() if isinstance(v, np.generic) else v)


def _is_missing(v: object) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or (isinstance(v, str) and not v.strip()) or v is pd.NA


def _check_integer(
    df: pd.DataFrame,
    col: str,
    ids: list[str],
    file: str,
    bad: set[int],
    lo: float = 0,
    hi: float | None = None,
) -> list[Problem]:
    """Whole numbers within ``lo``..``hi``; failing rows are added to ``bad``."""
    raw = df[col]
    values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    with np.errstate(invalid="ignore"):
        ok = np.isfinite(values) & (values == np.round(values)) & (values >= lo)
        if hi is not None:
            ok &= values <= hi
    problems = []
    rng = f"{lo} to {hi}" if hi is not None else f">= {lo}"
    for k in np.flatnonzero(~ok):
        k = int(k)
        r, v = raw.iloc[k], values[k]
        if _is_missing(r):
            problems.append(Problem(file, ids[k], col, "value is missing; expected a whole number"))
        elif not np.isfinite(v) or v != round(v):
            problems.append(Problem(file, ids[k], col, f"must be a whole number, got {_show(r)}"))
        else:
            problems.append(Problem(file, ids[k], col, f"must be {rng}, got {_show(r)}"))
        bad.add(k)
    return problems


def _check_ids(df: pd.DataFrame, col: str, ids: list[str], file: str, bad: set[int]) -> list[Problem]:
    """Ids present and unique."""
    problems = []
    for k, v in enumerate(df[col]):
        if _is_missing(v):
            problems.append(Problem(file, ids[k], col, "id is missing"))
            bad.add(k)
    present = df[col].map(lambda v: None if _is_missing(v) else str(v))
    dup = present.duplicated(keep="first") & present.notna()
    for k in np.flatnonzero(dup.to_numpy()):
        problems.append(Problem(file, ids[k], col, "id is not unique"))
        bad.add(int(k))
    return problems


def _check_text(df: pd.DataFrame, col: str, ids: list[str], file: str) -> list[Problem]:
    return [Problem(file, ids[k], col, "value is missing") for k, v in enumerate(df[col]) if _is_missing(v)]


def _check_bool(df: pd.DataFrame, col: str, ids: list[str], file: str) -> list[Problem]:
    ok = {True, False, "true", "false", "True", "False"}
    return [
        Problem(file, ids[k], col, f"must be true or false, got {_show(v)}")
        for k, v in enumerate(df[col])
        if (isinstance(v, float) and np.isnan(v)) or v not in ok
    ]


def _check_choice(
    df: pd.DataFrame, col: str, ids: list[str], file: str, choices: Iterable[str], bad: set[int], what: str
) -> list[Problem]:
    allowed = list(choices)
    problems = []
    for k, v in enumerate(df[col]):
        if v not in allowed:
            problems.append(Problem(file, ids[k], col, f"unknown {what} {_show(v)}; expected one of {allowed}"))
            bad.add(k)
    return problems
