"""Checks of the other files of a data folder: ``district.json``, ``policy_projects.csv``
and the policy targets ``policy.toml`` (:mod:`layout_opt.policy`)."""

from __future__ import annotations

import math
from collections.abc import Iterable

import pandas as pd

from ..errors import Problem
from ..policy import RELOCATION_OUTCOMES
from .common import _check_text, _is_missing, _record_ids, _show

#: Base years a data folder may have (``district.json``).
BASE_YEAR_RANGE = (1990, 2100)
#: Columns of ``policy_projects.csv`` (``policy_text`` is optional).
POLICY_PROJECT_COLUMNS = ("project", "school_id", "type", "seats")
#: Kinds of policy seat projects.
POLICY_PROJECT_TYPES = ("new", "expansion")
#: Seats one policy project may plan, at most.
MAX_PROJECT_SEATS = 100_000


def check_district_meta(meta: object, file: str = "district.json") -> list[Problem]:
    """Problems in a data folder's metadata (``district.json``, already parsed).

    Parameters
    ----------
    meta : object
        The parsed JSON: an object with optional ``name`` and ``attribution`` (texts) and
        ``base_year`` (the school year of the enrolment, a whole number in
        :data:`BASE_YEAR_RANGE`); other keys are kept for the record.
    file : str
        Name used in messages.

    Returns
    -------
    list[Problem]
        Empty if the metadata is usable.

    Examples
    --------
    >>> check_district_meta({"name": "孟津区", "base_year": 2023})
    []
    >>> print(check_district_meta([2023])[0])
    district.json: record -, field -: must be a JSON object such as {"name": "...", "base_year": 2023}, got a list
    >>> print(check_district_meta({"base_year": "2023"})[0])
    district.json: record -, field base_year: must be a whole-number year, got '2023'
    """
    if not isinstance(meta, dict):
        kind = {list: "a list", str: "a text", int: "a number", float: "a number", bool: "true or false"}.get(
            type(meta), "null" if meta is None else type(meta).__name__
        )
        return [
            Problem(file, "-", "-", f'must be a JSON object such as {{"name": "...", "base_year": 2023}}, got {kind}')
        ]
    problems = []
    if "base_year" in meta:
        year = meta["base_year"]
        lo, hi = BASE_YEAR_RANGE
        if not isinstance(year, int) or isinstance(year, bool):
            problems.append(Problem(file, "-", "base_year", f"must be a whole-number year, got {year!r}"))
        elif not lo <= year <= hi:
            problems.append(Problem(file, "-", "base_year", f"must be {lo} to {hi}, got {year}"))
    for key in ("name", "attribution"):
        if key in meta and not isinstance(meta[key], str):
            problems.append(Problem(file, "-", key, f"must be a text, got {meta[key]!r}"))
    if isinstance(meta.get("name"), str) and not meta["name"].strip():
        problems.append(Problem(file, "-", "name", "must not be empty"))
    return problems


def check_policy_projects(
    projects: pd.DataFrame, school_ids: Iterable[str] | None = None, file: str = "policy_projects.csv"
) -> list[Problem]:
    """Problems in the policy's named seat projects (``policy_projects.csv``, read as text).

    Parameters
    ----------
    projects : pandas.DataFrame
        Columns :data:`POLICY_PROJECT_COLUMNS` (and optionally ``policy_text``), every
        cell as text, empty cells as ``""``.
    school_ids : iterable of str, optional
        The schools of the district; each project's ``school_id`` must be one of them.
    file : str
        Name used in messages.

    Returns
    -------
    list[Problem]
        Records are named by their ``project`` (or ``row k``, counting from 0).

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"project": ["永和路小学"], "school_id": ["S0038"], "type": ["new"], "seats": ["1,620"]})
    >>> for p in check_policy_projects(table, school_ids=["S0038"]):
    ...     print(p)
    policy_projects.csv: record 永和路小学, field seats: must be a whole number of seats (1 to 100000), got '1,620'
    """
    missing = [c for c in POLICY_PROJECT_COLUMNS if c not in projects.columns]
    if missing:
        found = ", ".join(map(str, projects.columns)) or "none"
        return [
            Problem(
                file,
                "-",
                c,
                f"column is missing (columns found: {found}); expected {', '.join(POLICY_PROJECT_COLUMNS)}",
            )
            for c in missing
        ]
    ids = _record_ids(projects, "project")
    known = None if school_ids is None else {str(s) for s in school_ids}
    problems = _check_text(projects, "project", ids, file)
    for k, (sid, kind, seats) in enumerate(zip(projects["school_id"], projects["type"], projects["seats"])):
        if _is_missing(sid):
            problems.append(
                Problem(file, ids[k], "school_id", "value is missing; expected a school_id of schools.geojson")
            )
        elif known is not None and str(sid).strip() not in known:
            problems.append(Problem(file, ids[k], "school_id", f"unknown school {_show(sid)}; not in schools.geojson"))
        if kind not in POLICY_PROJECT_TYPES:
            problems.append(
                Problem(
                    file,
                    ids[k],
                    "type",
                    f"unknown project type {_show(kind)}; expected one of {list(POLICY_PROJECT_TYPES)}",
                )
            )
        if _whole_seats(seats) is None:
            problems.append(
                Problem(
                    file,
                    ids[k],
                    "seats",
                    f"must be a whole number of seats (1 to {MAX_PROJECT_SEATS}), got {_show(seats)}",
                )
            )
    return problems


def _whole_seats(value: object) -> int | None:
    """``value`` (text or number) as a whole number of seats in range, else ``None``."""
    try:
        number = float(str(value).strip())
    except ValueError:
        return None
    if not math.isfinite(number) or not number.is_integer() or not 1 <= number <= MAX_PROJECT_SEATS:
        return None
    return int(number)


# --------------------------------------------------------------------------- policy targets

#: Keys of ``policy.toml``: name -> (kind, required).  Kinds: ``text``, ``year``,
#: ``count`` (whole number >= 0), ``yuan`` (number >= 0).
POLICY_KEYS: dict[str, tuple[str, bool]] = {
    "document": ("text", True),
    "end_year": ("year", True),
    "closures": ("count", True),
    "compulsory_seats": ("count", True),
    "compulsory_build_yuan": ("yuan", True),
    "compulsory_build_covers": ("text", False),
    "boarding_schools_today": ("count", False),
    "kindergarten_places": ("count", False),
    "kindergarten_build_yuan": ("yuan", False),
    "public_kindergartens_per_town": ("count", False),
    "senior_relocation": ("table", False),
}
#: Keys of ``[senior_relocation]`` and of each of its ``[[senior_relocation.schools]]``.
RELOCATION_KEYS: tuple[str, ...] = ("summary", "schools")
RELOCATION_SCHOOL_KEYS: dict[str, bool] = {
    "name": True,
    "action": True,
    "outcome": True,
    "destination": False,
    "site": False,
}


def _policy_value(value: object, kind: str) -> str | None:
    """What is wrong with a value of ``policy.toml`` of this kind (None if nothing)."""
    if kind == "text":
        return None if isinstance(value, str) and value.strip() else f"must be a non-empty text, got {_show(value)}"
    if kind == "table":
        return None if isinstance(value, dict) else f"must be a table, got {_show(value)}"
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == "year":
        ok = number and float(value).is_integer() and 2000 <= value <= 2100
        return None if ok else f"must be a year (2000-2100), got {_show(value)}"
    if kind == "count":
        ok = number and float(value).is_integer() and value >= 0
        return None if ok else f"must be a whole number of at least 0, got {_show(value)}"
    ok = number and math.isfinite(value) and value >= 0
    return None if ok else f"must be a number of at least 0, got {_show(value)}"


def _unknown_keys(data: dict, known: Iterable[str], file: str, record: str) -> list[Problem]:
    known = list(known)
    return [
        Problem(file, record, str(k), f"unknown field; expected one of {', '.join(known)}")
        for k in data
        if k not in known
    ]


def check_policy(data: dict, file: str = "policy.toml", school_names: Iterable[str] | None = None) -> list[Problem]:
    """Problems of a district's parsed ``policy.toml`` (see :mod:`layout_opt.policy`).

    Parameters
    ----------
    data : dict
        The parsed file.
    file : str
        File name for messages.
    school_names : iterable of str, optional
        Names of the district's schools; when given, every school the senior-high
        relocation names (``name``, ``destination``) must be one of them.

    Returns
    -------
    list of Problem
        Record ``-`` for the top-level keys, ``senior_relocation`` for its table and
        ``senior_relocation.schools[i]`` (i from 0) for each school entry.
    """
    problems = _unknown_keys(data, POLICY_KEYS, file, "-")
    for key, (kind, required) in POLICY_KEYS.items():
        if key not in data:
            if required:
                problems.append(Problem(file, "-", key, "missing"))
            continue
        msg = _policy_value(data[key], kind)
        if msg:
            problems.append(Problem(file, "-", key, msg))
    senior = data.get("senior_relocation")
    if isinstance(senior, dict):
        problems += _check_relocation(senior, file, None if school_names is None else set(map(str, school_names)))
    return problems


def _check_relocation(senior: dict, file: str, names: set[str] | None) -> list[Problem]:
    """Problems of the ``[senior_relocation]`` table of ``policy.toml``."""
    problems = _unknown_keys(senior, RELOCATION_KEYS, file, "senior_relocation")
    if "summary" in senior and _policy_value(senior["summary"], "text"):
        problems.append(Problem(file, "senior_relocation", "summary", _policy_value(senior["summary"], "text")))
    schools = senior.get("schools", [])
    if not isinstance(schools, list) or not all(isinstance(s, dict) for s in schools):
        return [*problems, Problem(file, "senior_relocation", "schools", "must be a list of tables")]
    for i, entry in enumerate(schools):
        record = f"senior_relocation.schools[{i}]"
        problems += _unknown_keys(entry, RELOCATION_SCHOOL_KEYS, file, record)
        for key, required in RELOCATION_SCHOOL_KEYS.items():
            if key not in entry:
                if required:
                    problems.append(Problem(file, record, key, "missing"))
                continue
            if not isinstance(entry[key], str) or (required and not entry[key].strip()):
                problems.append(Problem(file, record, key, f"must be a non-empty text, got {_show(entry[key])}"))
                continue
            if key == "outcome" and entry[key] not in RELOCATION_OUTCOMES:
                problems.append(
                    Problem(file, record, key, f"must be one of {', '.join(RELOCATION_OUTCOMES)}, got {entry[key]!r}")
                )
            if key in ("name", "destination") and names is not None and entry[key] and entry[key] not in names:
                problems.append(Problem(file, record, key, f"no school named {entry[key]!r} in schools.geojson"))
    return problems
