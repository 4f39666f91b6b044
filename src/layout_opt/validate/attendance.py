"""Checks of today's attendance (``enrolment.csv``) and of its agreement with the villages
and schools: :func:`check_enrolment`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import Problem
from ..schema import (
    ALL_GRADES,
    BANDS_OF_KIND,
    ENROLMENT_COLUMNS,
    GRADE_COLUMNS,
    N_GRADES,
    grade_column,
    grades_of_bands,
)
from .common import _ID12, _check_integer, _is_missing, _show


def check_enrolment(
    enrolment: pd.DataFrame,
    villages: pd.DataFrame,
    schools: pd.DataFrame,
    file: str = "enrolment.csv",
    villages_file: str = "villages.geojson",
    schools_file: str = "schools.geojson",
    known_problems: Iterable[Problem] = (),
) -> list[Problem]:
    """Problems in today's attendance and in its agreement with the villages and schools.

    Each line: a known 12-digit ``village_id``; a known ``school_id`` of an open school
    (not a planned project) that teaches the ``grade`` (1-12, or 13-15 for a kindergarten's 小班-大班); whole ``pupils`` >= 1 and
    ``boarders`` from 0 to ``pupils``; no two lines for the same village, school and
    grade.  Together: per school and grade the pupils sum to the school's ``g<grade>``,
    per village and grade to the village's ``g<grade>``; per school the boarders are at
    most its ``beds`` (none where it has no beds).  Boarders of grades 1-3 are allowed
    (registries have a few); :class:`layout_opt.District` logs them.

    Per-line problems name the line of the file (the header is line 1); the sums name the
    school or village.  Lines with a faulty value are left out of the sums that need it,
    and schools and villages with problems of their own (``known_problems``) are not
    compared, so that one mistake gives one message.

    Parameters
    ----------
    enrolment : pandas.DataFrame
        The table as read (text or numbers).
    villages, schools : pandas.DataFrame
        The district's villages and schools, as read.
    file, villages_file, schools_file : str
        Names used in messages.
    known_problems : iterable of Problem
        Problems already found in the villages and schools.
    """
    missing = [c for c in ENROLMENT_COLUMNS if c not in enrolment.columns]
    if missing:
        return [Problem(file, "-", c, "column is missing") for c in missing]
    lines = _attendance_lines(enrolment, villages, schools, villages_file, schools_file, list(known_problems))
    problems = _check_attendance_lines(enrolment, lines, file, villages_file, schools_file)
    problems += _check_attendance_sums(villages, schools, lines, file, villages_file, schools_file)
    problems += _check_attendance_beds(lines, file)
    return problems


@dataclass
class _Attendance:
    """The lines of an attendance table and what the checks learn about them.

    ``ids`` name the lines; ``v_ok``/``s_ok`` say whether the villages and schools tables
    can be compared at all, ``flagged_v``/``flagged_s`` the records with problems of their
    own; ``s_rows`` the schools' status, kind, opening year and beds by id; ``bad_*`` the
    lines whose village, school, grade or pupils, or boarders are unusable.
    """

    ids: list[str]
    v_ok: bool
    s_ok: bool
    flagged_v: set[str]
    flagged_s: set[str]
    v_ids: set[str]
    s_rows: dict[str, dict] | None
    grade: np.ndarray
    pupils: np.ndarray
    boarders: np.ndarray
    vid: np.ndarray
    sid: np.ndarray
    bad_v: set[int] = field(default_factory=set)
    bad_s: set[int] = field(default_factory=set)
    bad_n: set[int] = field(default_factory=set)  # grade or pupils unusable: the line cannot be summed
    bad_b: set[int] = field(default_factory=set)


def _attendance_lines(
    enrolment: pd.DataFrame,
    villages: pd.DataFrame,
    schools: pd.DataFrame,
    villages_file: str,
    schools_file: str,
    known: list[Problem],
) -> _Attendance:
    def table_ok(table: pd.DataFrame, table_file: str, id_col: str) -> bool:
        needed = {id_col, *GRADE_COLUMNS} | ({"status", "kind", "beds"} if id_col == "school_id" else set())
        whole = any(p.file == table_file and p.record == "-" for p in known)
        faulty_ids = any(p.file == table_file and p.field == id_col for p in known)
        return needed <= set(table.columns) and not whole and not faulty_ids

    v_ok, s_ok = table_ok(villages, villages_file, "village_id"), table_ok(schools, schools_file, "school_id")
    # per school id: status, kind, opening year and beds (plain dicts: fast look-ups)
    s_rows = None
    if s_ok:
        sids = [str(x) for x in schools["school_id"]]
        s_rows = {
            c: dict(zip(sids, schools[c].tolist() if c in schools.columns else [None] * len(sids)))
            for c in ("status", "kind", "open_year", "beds")
        }
    return _Attendance(
        ids=[f"line {k + 2}" for k in range(len(enrolment))],
        v_ok=v_ok,
        s_ok=s_ok,
        flagged_v={p.record for p in known if p.file == villages_file},
        flagged_s={p.record for p in known if p.file == schools_file},
        v_ids={str(v) for v in villages["village_id"]} if v_ok else set(),
        s_rows=s_rows,
        grade=pd.to_numeric(enrolment["grade"], errors="coerce").to_numpy(dtype=float, na_value=np.nan),
        pupils=pd.to_numeric(enrolment["pupils"], errors="coerce").to_numpy(dtype=float, na_value=np.nan),
        boarders=pd.to_numeric(enrolment["boarders"], errors="coerce").to_numpy(dtype=float, na_value=np.nan),
        vid=enrolment["village_id"].map(lambda x: None if _is_missing(x) else str(x)).to_numpy(dtype=object),
        sid=enrolment["school_id"].map(lambda x: None if _is_missing(x) else str(x)).to_numpy(dtype=object),
    )


def _check_attendance_lines(
    enrolment: pd.DataFrame, at: _Attendance, file: str, villages_file: str, schools_file: str
) -> list[Problem]:
    """Each line on its own: known village and school, whole numbers, boarders within
    pupils, a grade the school teaches, no line repeated."""
    ids, s_rows = at.ids, at.s_rows
    problems: list[Problem] = []
    for k, v in enumerate(enrolment["village_id"]):
        if _is_missing(v):
            problems.append(Problem(file, ids[k], "village_id", "value is missing"))
        elif not _ID12.match(str(v)):
            problems.append(Problem(file, ids[k], "village_id", f"must be a 12-digit statistics code, got {_show(v)}"))
        elif at.v_ok and str(v) not in at.v_ids:
            problems.append(Problem(file, ids[k], "village_id", f"unknown village {str(v)!r}; not in {villages_file}"))
        else:
            continue
        at.bad_v.add(k)
    for k, v in enumerate(enrolment["school_id"]):
        if _is_missing(v):
            problems.append(Problem(file, ids[k], "school_id", "value is missing"))
        elif s_rows is not None and str(v) not in s_rows["status"]:
            problems.append(Problem(file, ids[k], "school_id", f"unknown school {str(v)!r}; not in {schools_file}"))
        elif s_rows is not None and s_rows["status"][str(v)] == "planned":
            year = s_rows["open_year"][str(v)] or "later"
            problems.append(
                Problem(
                    file,
                    ids[k],
                    "school_id",
                    f"school {v} is a planned project (opens {year}); it has no pupils in the base year",
                )
            )
        else:
            continue
        at.bad_s.add(k)
    problems += _check_integer(enrolment, "grade", ids, file, at.bad_n, lo=1, hi=N_GRADES)
    problems += _check_integer(enrolment, "pupils", ids, file, at.bad_n, lo=1, hi=100_000)
    problems += _check_integer(enrolment, "boarders", ids, file, at.bad_b, lo=0, hi=100_000)
    grade, pupils, boarders, vid, sid = at.grade, at.pupils, at.boarders, at.vid, at.sid
    for k in range(len(enrolment)):
        if k in at.bad_n or k in at.bad_b or boarders[k] <= pupils[k]:
            continue
        problems.append(
            Problem(file, ids[k], "boarders", f"{int(boarders[k])} boarders but only {int(pupils[k])} pupils")
        )
        at.bad_b.add(k)
    if s_rows is not None:
        for k in range(len(enrolment)):
            if k in at.bad_s or k in at.bad_n or sid[k] in at.flagged_s:
                continue
            kind = s_rows["kind"][sid[k]]
            if kind in BANDS_OF_KIND and int(grade[k]) not in grades_of_bands(BANDS_OF_KIND[kind]):
                problems.append(
                    Problem(file, ids[k], "grade", f"school {sid[k]} (a {kind}) does not teach grade {int(grade[k])}")
                )
                at.bad_s.add(k)
    keyed = [k for k in range(len(enrolment)) if vid[k] is not None and sid[k] is not None and k not in at.bad_n]
    first: dict[tuple, int] = {}
    for k in keyed:
        key = (vid[k], sid[k], int(grade[k]))
        if key in first:
            problems.append(
                Problem(file, ids[k], "-", f"repeats {ids[first[key]]} (the same village, school and grade)")
            )
        else:
            first[key] = k
    return problems


def _check_attendance_sums(
    villages: pd.DataFrame,
    schools: pd.DataFrame,
    at: _Attendance,
    file: str,
    villages_file: str,
    schools_file: str,
) -> list[Problem]:
    """Per school and per village and grade, the lines add up to the table's ``g<grade>``."""
    # Sums: a key touched by an unusable line cannot be verified.
    n = len(at.ids)
    problems: list[Problem] = []
    usable = np.array([k not in at.bad_n for k in range(n)], dtype=bool)
    grade_i = np.where(usable, np.nan_to_num(at.grade), 0).astype(np.int64)
    pupils_i = np.where(usable, np.nan_to_num(at.pupils), 0).astype(np.int64)
    for table, id_col, table_file, bad, flagged, ok, key_ids in (
        (schools, "school_id", schools_file, at.bad_s, at.flagged_s, at.s_ok, at.sid),
        (villages, "village_id", villages_file, at.bad_v, at.flagged_v, at.v_ok, at.vid),
    ):
        if not ok:
            continue
        unsure = {key_ids[k] for k in range(n) if not usable[k] and key_ids[k] is not None}
        sums: dict[tuple[str, int], int] = {}
        for k in np.flatnonzero(usable):
            if k in bad and id_col == "school_id":
                continue  # unknown or planned school: already named
            key = (key_ids[k], int(grade_i[k]))
            sums[key] = sums.get(key, 0) + int(pupils_i[k])
        is_school = id_col == "school_id"
        for row in table.itertuples(index=False):
            rid = str(getattr(row, id_col))
            if rid in flagged or rid in unsure or (is_school and row.status != "open"):
                continue
            for g in ALL_GRADES:
                want = pd.to_numeric(getattr(row, grade_column(g), 0), errors="coerce")
                if pd.isna(want):
                    continue
                have = sums.get((rid, g), 0)
                if have != int(want):
                    what = "at school" if is_school else "of village"
                    problems.append(
                        Problem(
                            file,
                            rid,
                            "pupils",
                            f"grade {g}: {have} pupils {what} {rid} in {file}, but {table_file} has {grade_column(g)} = {int(want)}",
                        )
                    )
    return problems


def _check_attendance_beds(at: _Attendance, file: str) -> list[Problem]:
    """Per school, the boarders within its beds (none where it has no beds)."""
    problems: list[Problem] = []
    if at.s_rows is None:
        return problems
    held: dict[str, int] = {}
    for k in range(len(at.ids)):
        if k in at.bad_b or k in at.bad_s or at.sid[k] is None or at.sid[k] in at.flagged_s or at.boarders[k] <= 0:
            continue
        held[at.sid[k]] = held.get(at.sid[k], 0) + int(at.boarders[k])
    for school, n in held.items():
        beds = pd.to_numeric(at.s_rows["beds"][school], errors="coerce")
        if pd.isna(beds):
            continue
        if beds <= 0:
            problems.append(
                Problem(file, school, "boarders", f"{n} pupils board at school {school}, which has no beds")
            )
        elif n > beds:
            problems.append(
                Problem(file, school, "boarders", f"{n} boarders at school {school}, but it has {int(beds)} beds")
            )
    return problems
