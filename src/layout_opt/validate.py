"""Schema checks for the district's input tables.

Every check names the file, the record and the field; all problems found are raised
together as one :class:`~layout_opt.errors.ValidationError`.  Nothing here reads or writes
files: :mod:`layout_opt.io` reads, these functions judge the frames it read.
"""

from __future__ import annotations

import re
from typing import Iterable

import geopandas as gpd
import numpy as np
import pandas as pd

from .errors import Problem, ValidationError
from .schema import AGE_COLUMNS, BANDS_OF_KIND, GRADE_COLUMNS, SCHOOL_KINDS, SCHOOL_STATUSES, UR_CODES, grades_of_bands

#: Columns each table must have (beyond geometry).
VILLAGE_COLUMNS = ("village_id", "name", "town_code", "town", "ur_code", "central_village", "population", *GRADE_COLUMNS, *AGE_COLUMNS, "coord_source")
SCHOOL_COLUMNS = ("school_id", "name", "town_code", "kind", "ur_code", "grades", "classrooms", "classes", *GRADE_COLUMNS, "beds", "max_added_classrooms", "status", "open_year", "planned_seats")
ROAD_COLUMNS = ("road_id", "road_class")
TOWN_COLUMNS = ("town_code", "town", "town_kind")

#: Road classes understood by :mod:`layout_opt.travel`.
ROAD_CLASSES = ("expressway", "trunk", "county", "township", "village")
#: A class of more than this many pupils cannot be real data (超大班额 starts at 66).
MAX_PUPILS_PER_CLASSROOM = 66
#: Legal bus speed caps, km/h (校车安全管理条例 Art. 35).
LEGAL_SPEED_KMH = {"expressway": 80.0}
LEGAL_SPEED_DEFAULT_KMH = 60.0

_ID12 = re.compile(r"^\d{12}$")


def _record_ids(df: pd.DataFrame, id_col: str) -> list[str]:
    if id_col in df.columns:
        return [str(v) if pd.notna(v) else f"row {k}" for k, v in zip(range(len(df)), df[id_col])]
    return [f"row {k}" for k in range(len(df))]


def _require_columns(df: pd.DataFrame, columns: Iterable[str], file: str) -> list[Problem]:
    return [Problem(file, "-", c, "column is missing") for c in columns if c not in df.columns]


def _check_integer(df: pd.DataFrame, col: str, ids: list[str], file: str, lo: float = 0, hi: float | None = None) -> list[Problem]:
    problems = []
    values = pd.to_numeric(df[col], errors="coerce")
    for k, (raw, v) in enumerate(zip(df[col], values)):
        if pd.isna(v):
            problems.append(Problem(file, ids[k], col, f"must be a whole number, got {raw!r}"))
        elif float(v) != round(float(v)):
            problems.append(Problem(file, ids[k], col, f"must be a whole number, got {raw!r}"))
        elif v < lo or (hi is not None and v > hi):
            rng = f"{lo} to {hi}" if hi is not None else f">= {lo}"
            problems.append(Problem(file, ids[k], col, f"must be {rng}, got {raw!r}"))
    return problems


def _check_unique(df: pd.DataFrame, col: str, file: str) -> list[Problem]:
    dup = df[col][df[col].duplicated(keep="first")]
    return [Problem(file, str(v), col, "id is not unique") for v in dup]


def _check_points(gdf: gpd.GeoDataFrame, ids: list[str], file: str, kind: str = "Point") -> list[Problem]:
    problems = []
    if gdf.crs is None:
        return [Problem(file, "-", "geometry", "no coordinate reference system; expected WGS84 (EPSG:4326)")]
    for k, geom in enumerate(gdf.geometry):
        if geom is None or geom.is_empty:
            problems.append(Problem(file, ids[k], "geometry", "geometry is missing"))
        elif geom.geom_type != kind:
            problems.append(Problem(file, ids[k], "geometry", f"must be a {kind}, got {geom.geom_type}"))
    if gdf.crs.is_geographic and not problems:
        b = gdf.total_bounds
        if b[0] < 73 or b[2] > 136 or b[1] < 3 or b[3] > 54:
            bad = gdf.geometry.bounds
            for k in range(len(gdf)):
                x0, y0, x1, y1 = bad.iloc[k]
                if x0 < 73 or x1 > 136 or y0 < 3 or y1 > 54:
                    problems.append(Problem(file, ids[k], "geometry", f"coordinates ({x0:.4f}, {y0:.4f}) are outside China; are longitude and latitude swapped?"))
    return problems


def _check_bool(df: pd.DataFrame, col: str, ids: list[str], file: str) -> list[Problem]:
    ok = {True, False, 0, 1, "true", "false", "True", "False"}
    return [Problem(file, ids[k], col, f"must be true or false, got {v!r}") for k, v in enumerate(df[col]) if v not in ok or (isinstance(v, float) and np.isnan(v))]


def check_towns(towns: pd.DataFrame, file: str = "towns.geojson") -> list[Problem]:
    """Problems in the towns table (seat points of towns and subdistricts)."""
    problems = _require_columns(towns, TOWN_COLUMNS, file)
    if problems:
        return problems
    ids = _record_ids(towns, "town_code")
    problems += _check_unique(towns, "town_code", file)
    for k, v in enumerate(towns["town_kind"]):
        if v not in ("town", "subdistrict"):
            problems.append(Problem(file, ids[k], "town_kind", f"must be 'town' (镇) or 'subdistrict' (街道), got {v!r}"))
    if isinstance(towns, gpd.GeoDataFrame):
        problems += _check_points(towns, ids, file)
    return problems


def check_villages(villages: gpd.GeoDataFrame, town_codes: set[str], file: str = "villages.geojson") -> list[Problem]:
    """Problems in the villages table.

    Parameters
    ----------
    villages : geopandas.GeoDataFrame
        As read from the file.
    town_codes : set[str]
        Town codes known from the towns table.
    file : str
        Name used in messages.
    """
    problems = _require_columns(villages, VILLAGE_COLUMNS, file)
    if problems:
        return problems
    ids = _record_ids(villages, "village_id")
    problems += _check_unique(villages, "village_id", file)
    for k, v in enumerate(villages["village_id"]):
        if not _ID12.match(str(v)):
            problems.append(Problem(file, ids[k], "village_id", f"must be a 12-digit statistics code, got {v!r}"))
    for k, v in enumerate(villages["town_code"]):
        if str(v) not in town_codes:
            problems.append(Problem(file, ids[k], "town_code", f"unknown town code {v!r}"))
    problems += _check_integer(villages, "ur_code", ids, file)
    for k, v in enumerate(pd.to_numeric(villages["ur_code"], errors="coerce")):
        if pd.notna(v) and int(v) not in UR_CODES:
            problems.append(Problem(file, ids[k], "ur_code", f"unknown settlement class {v!r}; expected one of {sorted(UR_CODES)}"))
    problems += _check_bool(villages, "central_village", ids, file)
    problems += _check_integer(villages, "population", ids, file, lo=0, hi=2_000_000)
    for col in (*GRADE_COLUMNS, *AGE_COLUMNS):
        problems += _check_integer(villages, col, ids, file, lo=0, hi=100_000)
    if not problems:
        pupils = villages[list(GRADE_COLUMNS)].astype(float).sum(axis=1)
        for k in np.flatnonzero(pupils.to_numpy() > villages["population"].astype(float).to_numpy()):
            problems.append(Problem(file, ids[k], "population", f"{int(villages['population'].iloc[k])} residents but {int(pupils.iloc[k])} pupils"))
    for k, v in enumerate(villages["coord_source"]):
        if v not in ("official", "synthetic"):
            problems.append(Problem(file, ids[k], "coord_source", f"must be 'official' or 'synthetic', got {v!r}"))
    problems += _check_points(villages, ids, file)
    return problems


def check_schools(schools: gpd.GeoDataFrame, town_codes: set[str], base_year: int, file: str = "schools.geojson") -> list[Problem]:
    """Problems in the schools table.

    Checks kinds, statuses, grades offered against kind, enrolment only in offered
    grades, enrolment against classrooms, planned-project fields, and known codes.
    """
    problems = _require_columns(schools, SCHOOL_COLUMNS, file)
    if problems:
        return problems
    ids = _record_ids(schools, "school_id")
    problems += _check_unique(schools, "school_id", file)
    for k, v in enumerate(schools["town_code"]):
        if str(v) not in town_codes:
            problems.append(Problem(file, ids[k], "town_code", f"unknown town code {v!r}"))
    for k, v in enumerate(schools["kind"]):
        if v not in SCHOOL_KINDS:
            problems.append(Problem(file, ids[k], "kind", f"unknown kind {v!r}; expected one of {list(SCHOOL_KINDS)}"))
    for k, v in enumerate(schools["status"]):
        if v not in SCHOOL_STATUSES:
            problems.append(Problem(file, ids[k], "status", f"must be 'open' or 'planned', got {v!r}"))
    problems += _check_integer(schools, "ur_code", ids, file)
    for k, v in enumerate(pd.to_numeric(schools["ur_code"], errors="coerce")):
        if pd.notna(v) and int(v) not in UR_CODES:
            problems.append(Problem(file, ids[k], "ur_code", f"unknown settlement class {v!r}; expected one of {sorted(UR_CODES)}"))
    for col in ("classrooms", "classes", "beds", "max_added_classrooms", "planned_seats", *GRADE_COLUMNS):
        problems += _check_integer(schools, col, ids, file, lo=0, hi=100_000)
    problems += _check_integer(schools, "open_year", ids, file, lo=0, hi=2100)
    problems += _check_points(schools, ids, file)
    if problems:
        return problems
    for k, row in enumerate(schools.itertuples(index=False)):
        sid = ids[k]
        offered = grades_of_bands(BANDS_OF_KIND[row.kind])
        text = f"{offered[0]}-{offered[-1]}"
        if str(row.grades) != text:
            problems.append(Problem(file, sid, "grades", f"a {row.kind} teaches grades {text}, got {row.grades!r}"))
        for g in range(1, 13):
            if g not in offered and int(getattr(row, f"g{g}")) > 0:
                problems.append(Problem(file, sid, f"g{g}", f"a {row.kind} does not teach grade {g}, but {int(getattr(row, f'g{g}'))} pupils are enrolled"))
        enrolled = sum(int(getattr(row, f"g{g}")) for g in range(1, 13))
        if row.status == "planned":
            if not (base_year < int(row.open_year) <= base_year + 20):
                problems.append(Problem(file, sid, "open_year", f"a planned project needs an opening year after {base_year}, got {row.open_year!r}"))
            if int(row.planned_seats) <= 0:
                problems.append(Problem(file, sid, "planned_seats", "a planned project needs its planned seats (> 0)"))
            if int(row.classrooms) <= 0:
                problems.append(Problem(file, sid, "classrooms", "a planned project needs its planned classrooms (> 0)"))
            if enrolled > 0:
                problems.append(Problem(file, sid, "g1", f"a planned project has no pupils yet, got {enrolled}"))
        else:
            if int(row.open_year) not in (0,) and int(row.open_year) > base_year:
                problems.append(Problem(file, sid, "open_year", f"an open school cannot open after the base year {base_year}; use status 'planned'"))
            if int(row.planned_seats) != 0:
                problems.append(Problem(file, sid, "planned_seats", "only planned projects have planned seats"))
            if int(row.classes) > int(row.classrooms):
                problems.append(Problem(file, sid, "classes", f"{row.classes} classes in {row.classrooms} classrooms"))
            if enrolled > 0 and int(row.classes) == 0:
                problems.append(Problem(file, sid, "classes", f"{enrolled} pupils but no classes"))
            elif enrolled > MAX_PUPILS_PER_CLASSROOM * int(row.classes):
                problems.append(Problem(file, sid, "classrooms", f"{enrolled} pupils in {row.classes} classes is more than {MAX_PUPILS_PER_CLASSROOM} a class"))
    return problems


def check_roads(roads: gpd.GeoDataFrame, file: str = "roads.geojson") -> list[Problem]:
    """Problems in the road lines: classes, speeds within the school-bus law, geometry."""
    problems = _require_columns(roads, ROAD_COLUMNS, file)
    if problems:
        return problems
    ids = _record_ids(roads, "road_id")
    problems += _check_unique(roads, "road_id", file)
    for k, v in enumerate(roads["road_class"]):
        if v not in ROAD_CLASSES:
            problems.append(Problem(file, ids[k], "road_class", f"unknown road class {v!r}; expected one of {list(ROAD_CLASSES)}"))
    if "bus_speed_kmh" in roads.columns:
        speeds = pd.to_numeric(roads["bus_speed_kmh"], errors="coerce")
        for k, (cls, v) in enumerate(zip(roads["road_class"], speeds)):
            cap = LEGAL_SPEED_KMH.get(cls, LEGAL_SPEED_DEFAULT_KMH)
            if pd.isna(v) or v <= 0:
                problems.append(Problem(file, ids[k], "bus_speed_kmh", f"must be a positive speed, got {roads['bus_speed_kmh'].iloc[k]!r}"))
            elif v > cap:
                problems.append(Problem(file, ids[k], "bus_speed_kmh", f"{v} km/h is above the school-bus limit of {cap:.0f} km/h on a {cls} road"))
    problems += _check_points(roads, ids, file, kind="LineString")
    return problems


def validate_tables(
    villages: gpd.GeoDataFrame,
    schools: gpd.GeoDataFrame,
    roads: gpd.GeoDataFrame | None,
    towns: gpd.GeoDataFrame,
    base_year: int,
    files: dict[str, str] | None = None,
) -> None:
    """Check all tables of a district and raise one :class:`ValidationError` if any fail.

    Parameters
    ----------
    villages, schools, roads, towns : geopandas.GeoDataFrame
        The tables, as read (``roads`` may be ``None`` when travel times come from
        elsewhere).
    base_year : int
        School year of the enrolment (planned projects open after it).
    files : dict[str, str], optional
        File name per table for messages; defaults to ``<table>.geojson``.

    Raises
    ------
    ValidationError
        With every problem found.
    """
    files = {"villages": "villages.geojson", "schools": "schools.geojson", "roads": "roads.geojson", "towns": "towns.geojson", **(files or {})}
    problems = check_towns(towns, files["towns"])
    codes = {str(c) for c in towns["town_code"]} if "town_code" in towns.columns else set()
    problems += check_villages(villages, codes, files["villages"])
    problems += check_schools(schools, codes, base_year, files["schools"])
    if not problems and "village_id" in schools.columns:
        known = set(villages["village_id"].astype(str))
        for sid, vid in zip(schools["school_id"], schools["village_id"]):
            if pd.notna(vid) and str(vid) not in known:
                problems.append(Problem(files["schools"], str(sid), "village_id", f"host unit {vid!r} is not in {files['villages']}"))
    if roads is not None:
        problems += check_roads(roads, files["roads"])
    if problems:
        raise ValidationError(problems)
