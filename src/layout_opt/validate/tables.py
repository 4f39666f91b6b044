"""Checks of the district's tables (``villages``, ``schools``, ``roads``, ``towns``) and
of how they fit together: :func:`validate_tables`."""

from __future__ import annotations

import math
from collections.abc import Iterable

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from ..errors import Problem, ValidationError
from ..schema import (
    AGE_COLUMNS,
    ALL_GRADES,
    BANDS_OF_KIND,
    BUS_SPEED_CAP_DEFAULT_KMH,
    BUS_SPEED_CAP_KMH,
    GRADE_COLUMNS,
    MAX_PLANNING_YEARS,
    OWNERSHIPS,
    ROAD_CLASSES,
    ROAD_SOURCES,
    SCHOOL_KINDS,
    SCHOOL_STATUSES,
    UR_CODES,
    grade_column,
    grades_of_bands,
)
from .attendance import check_enrolment
from .common import (
    _ID12,
    _check_bool,
    _check_choice,
    _check_ids,
    _check_integer,
    _check_text,
    _is_missing,
    _record_ids,
    _require_columns,
    _show,
)

#: Columns each table must have (beyond geometry).
VILLAGE_COLUMNS = (
    "village_id",
    "name",
    "town_code",
    "town",
    "ur_code",
    "central_village",
    "population",
    *GRADE_COLUMNS,
    *AGE_COLUMNS,
    "coord_source",
)
SCHOOL_COLUMNS = (
    "school_id",
    "name",
    "town_code",
    "kind",
    "ur_code",
    "grades",
    "classrooms",
    "classes",
    *GRADE_COLUMNS,
    "beds",
    "max_added_classrooms",
    "status",
    "open_year",
    "planned_seats",
)
ROAD_COLUMNS = ("road_id", "road_class")
TOWN_COLUMNS = ("town_code", "town", "town_kind")

#: A class of more than this many pupils cannot be real data (超大班额 starts at 66).
MAX_PUPILS_PER_CLASSROOM = 66
#: Longitude/latitude box of China (degrees); points outside it are misplaced.
CHINA_LONLAT_BOX = (73.0, 3.0, 136.0, 54.0)
#: A village or school farther than this from every town seat is misplaced, km.
MAX_KM_FROM_TOWN_SEAT = 50.0


def _check_ur_code(df: pd.DataFrame, ids: list[str], file: str, bad: set[int]) -> list[Problem]:
    before = set(bad)
    problems = _check_integer(df, "ur_code", ids, file, bad)
    for k, v in enumerate(pd.to_numeric(df["ur_code"], errors="coerce")):
        if k not in before and k not in bad and int(v) not in UR_CODES:
            problems.append(
                Problem(
                    file, ids[k], "ur_code", f"unknown settlement class {int(v)}; expected one of {sorted(UR_CODES)}"
                )
            )
            bad.add(k)
    return problems


def _check_town_codes(
    df: pd.DataFrame, ids: list[str], file: str, town_names: dict[str, str], bad: set[int]
) -> list[Problem]:
    """Town codes known from the towns table; town names, where given, match them."""
    problems = []
    towns = df["town"].tolist() if "town" in df.columns else [None] * len(df)
    for k, (v, t) in enumerate(zip(df["town_code"].tolist(), towns)):
        if str(v) not in town_names:
            problems.append(Problem(file, ids[k], "town_code", f"unknown town code {_show(v)}; not in the towns table"))
            bad.add(k)
        elif not _is_missing(t) and town_names[str(v)] is not None and str(t) != town_names[str(v)]:
            problems.append(
                Problem(file, ids[k], "town", f"town {t!r} does not match town code {v} ({town_names[str(v)]})")
            )
    return problems


def _lonlat(gdf: gpd.GeoDataFrame) -> np.ndarray | None:
    """Representative longitude/latitude of each geometry (NaN where missing), or None."""
    try:
        geo = gdf.geometry if gdf.crs.equals("EPSG:4326") else gdf.geometry.to_crs("EPSG:4326")
        pts = geo.representative_point()
        return np.column_stack([pts.x.to_numpy(float), pts.y.to_numpy(float)])
    except Exception:  # pyproj raises several error types for unusable CRSs
        return None


def _in_china(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    x0, y0, x1, y1 = CHINA_LONLAT_BOX
    return (lon >= x0) & (lon <= x1) & (lat >= y0) & (lat <= y1)


def _check_geometries(
    gdf: gpd.GeoDataFrame, ids: list[str], file: str, bad: set[int], kinds: tuple[str, ...] = ("Point",)
) -> list[Problem]:
    """A CRS, the right geometry type, and positions inside China.

    Positions are checked in longitude/latitude whatever the declared CRS, so that
    swapped axes and a CRS that does not match the coordinates are both caught.
    """
    if gdf.crs is None:
        return [Problem(file, "-", "geometry", "no coordinate reference system; expected WGS84 (EPSG:4326)")]
    problems = []
    for k, geom in enumerate(gdf.geometry):
        if geom is None or geom.is_empty:
            problems.append(Problem(file, ids[k], "geometry", "geometry is missing"))
            bad.add(k)
        elif geom.geom_type not in kinds:
            problems.append(Problem(file, ids[k], "geometry", f"must be a {' or '.join(kinds)}, got {geom.geom_type}"))
            bad.add(k)
    ok = [k for k in range(len(gdf)) if k not in bad]
    if not ok:
        return problems
    sub = gdf.iloc[ok]
    lonlat = _lonlat(sub)
    if lonlat is None:
        return problems + [Problem(file, "-", "geometry", f"coordinates cannot be converted from {gdf.crs} to WGS84")]
    inside = _in_china(lonlat[:, 0], lonlat[:, 1])
    wgs84 = gdf.crs.equals("EPSG:4326")
    for j in np.flatnonzero(~inside):
        k = ok[j]
        x, y = lonlat[j]
        if not (np.isfinite(x) and np.isfinite(y)):
            msg = "coordinates are not finite numbers"
        elif _in_china(np.array([y]), np.array([x]))[0]:
            msg = f"coordinates ({x:.4f}, {y:.4f}) are outside China; are longitude and latitude swapped?"
        elif not wgs84:
            msg = f"coordinates fall at ({x:.4f}, {y:.4f}), outside China, when read in the declared CRS {gdf.crs.to_string()}; does the CRS match the coordinates?"
        else:
            msg = f"coordinates ({x:.4f}, {y:.4f}) are outside China"
        problems.append(Problem(file, ids[k], "geometry", msg))
        bad.add(k)
    return problems


def _near_seats(gdf: gpd.GeoDataFrame, ids: list[str], file: str, seats: np.ndarray, skip: set[int]) -> list[Problem]:
    """Points farther than :data:`MAX_KM_FROM_TOWN_SEAT` from every town seat."""
    ok = [k for k in range(len(gdf)) if k not in skip]
    if not ok or len(seats) == 0:
        return []
    lonlat = _lonlat(gdf.iloc[ok])
    if lonlat is None:
        return []
    lat0 = math.radians(float(np.mean(seats[:, 1])))

    def km(a: np.ndarray) -> np.ndarray:
        return np.column_stack([a[:, 0] * 111.32 * math.cos(lat0), a[:, 1] * 110.57])

    dist, _ = cKDTree(km(seats)).query(km(lonlat))
    return [
        Problem(
            file,
            ids[ok[j]],
            "geometry",
            f"{dist[j]:.0f} km from the nearest town seat (more than {MAX_KM_FROM_TOWN_SEAT:.0f} km); is the position right?",
        )
        for j in np.flatnonzero(dist > MAX_KM_FROM_TOWN_SEAT)
    ]


def check_towns(towns: pd.DataFrame, file: str = "towns.geojson") -> list[Problem]:
    """Problems in the towns table (seat points of towns and subdistricts)."""
    problems = _require_columns(towns, TOWN_COLUMNS, file)
    if problems:
        return problems
    ids = _record_ids(towns, "town_code")
    bad: set[int] = set()
    problems += _check_ids(towns, "town_code", ids, file, bad)
    problems += _check_text(towns, "town", ids, file)
    for k, v in enumerate(towns["town_kind"]):
        if v not in ("town", "subdistrict"):
            problems.append(
                Problem(file, ids[k], "town_kind", f"must be 'town' (镇) or 'subdistrict' (街道), got {_show(v)}")
            )
    if isinstance(towns, gpd.GeoDataFrame):
        problems += _check_geometries(towns, ids, file, bad)
    return problems


def check_villages(
    villages: gpd.GeoDataFrame, town_codes: set[str] | dict[str, str], file: str = "villages.geojson"
) -> list[Problem]:
    """Problems in the villages table.

    Parameters
    ----------
    villages : geopandas.GeoDataFrame
        As read from the file.
    town_codes : set[str] or dict[str, str]
        Town codes known from the towns table; with a dict (code to name) the ``town``
        names are checked against it too.
    file : str
        Name used in messages.
    """
    problems = _require_columns(villages, VILLAGE_COLUMNS, file)
    if problems:
        return problems
    names = town_codes if isinstance(town_codes, dict) else None
    ids = _record_ids(villages, "village_id")
    bad: set[int] = set()
    problems += _check_ids(villages, "village_id", ids, file, bad)
    for k, v in enumerate(villages["village_id"]):
        if not _is_missing(v) and not _ID12.match(str(v)):
            problems.append(Problem(file, ids[k], "village_id", f"must be a 12-digit statistics code, got {_show(v)}"))
    problems += _check_text(villages, "name", ids, file)
    if names is not None:
        problems += _check_town_codes(villages, ids, file, names, bad)
    else:
        problems += [
            Problem(file, ids[k], "town_code", f"unknown town code {_show(v)}; not in the towns table")
            for k, v in enumerate(villages["town_code"])
            if str(v) not in town_codes
        ]
    problems += _check_ur_code(villages, ids, file, bad)
    problems += _check_bool(villages, "central_village", ids, file)
    problems += _check_integer(villages, "population", ids, file, bad, lo=0, hi=2_000_000)
    for col in (*GRADE_COLUMNS, *AGE_COLUMNS):
        problems += _check_integer(villages, col, ids, file, bad, lo=0, hi=100_000)
    good = [k for k in range(len(villages)) if k not in bad]
    if good:
        sub = villages.iloc[good]
        pupils = sub[list(GRADE_COLUMNS)].apply(pd.to_numeric).sum(axis=1).to_numpy()
        pop = pd.to_numeric(sub["population"]).to_numpy()
        for j in np.flatnonzero(pupils > pop):
            problems.append(
                Problem(file, ids[good[j]], "population", f"{int(pop[j])} residents but {int(pupils[j])} pupils")
            )
    for k, v in enumerate(villages["coord_source"]):
        if v not in ("official", "synthetic"):
            problems.append(Problem(file, ids[k], "coord_source", f"must be 'official' or 'synthetic', got {_show(v)}"))
    problems += _check_geometries(villages, ids, file, set())
    return problems


def check_schools(
    schools: gpd.GeoDataFrame, town_codes: set[str] | dict[str, str], base_year: int, file: str = "schools.geojson"
) -> list[Problem]:
    """Problems in the schools table.

    Checks ids, kinds, statuses, known town codes and settlement classes, types and
    ranges, grades offered against kind, enrolment only in offered grades, enrolment
    against classes and classrooms, planned-project fields, and point geometries.
    """
    problems = _require_columns(schools, SCHOOL_COLUMNS, file)
    if problems:
        return problems
    names = town_codes if isinstance(town_codes, dict) else {c: None for c in town_codes}
    ids = _record_ids(schools, "school_id")
    bad: set[int] = set()
    problems += _check_ids(schools, "school_id", ids, file, bad)
    problems += _check_text(schools, "name", ids, file)
    problems += (
        _check_town_codes(schools, ids, file, names, bad)
        if isinstance(town_codes, dict)
        else [
            Problem(file, ids[k], "town_code", f"unknown town code {_show(v)}; not in the towns table")
            for k, v in enumerate(schools["town_code"])
            if str(v) not in names
        ]
    )
    problems += _check_choice(schools, "kind", ids, file, SCHOOL_KINDS, bad, "kind")
    if "ownership" in schools.columns:
        problems += _check_choice(schools, "ownership", ids, file, OWNERSHIPS, bad, "ownership")
    for k, v in enumerate(schools["status"]):
        if v not in SCHOOL_STATUSES:
            problems.append(Problem(file, ids[k], "status", f"must be 'open' or 'planned', got {_show(v)}"))
            bad.add(k)
    problems += _check_ur_code(schools, ids, file, bad)
    for col in ("classrooms", "classes", "beds", "max_added_classrooms", *GRADE_COLUMNS):
        problems += _check_integer(schools, col, ids, file, bad, lo=0, hi=100_000)
    problems += _check_planned_fields(schools, ids, file, base_year, bad)
    if "moves_to" in schools.columns:
        problems += _check_moves(schools, ids, file)
    problems += _check_geometries(schools, ids, file, set())
    for k, row in enumerate(schools.itertuples(index=False)):
        if k in bad:
            continue
        problems += _check_school_row(row, ids[k], file)
    return problems


def _check_planned_fields(
    schools: pd.DataFrame, ids: list[str], file: str, base_year: int, bad: set[int]
) -> list[Problem]:
    """``open_year`` and ``planned_seats``: required for planned projects, 0 for open schools."""
    problems = []
    last = base_year + MAX_PLANNING_YEARS
    for col in ("open_year", "planned_seats"):
        values = pd.to_numeric(schools[col], errors="coerce")
        for k, (status, raw, v) in enumerate(zip(schools["status"], schools[col], values)):
            if status == "planned" and _is_missing(raw):
                what = f"its opening year ({base_year + 1}-{last})" if col == "open_year" else "its planned seats (> 0)"
                problems.append(Problem(file, ids[k], col, f"a planned project needs {what}; the value is missing"))
            elif _is_missing(raw):
                problems.append(Problem(file, ids[k], col, "value is missing; use 0 for a school that is open today"))
            elif pd.isna(v) or float(v) != round(float(v)):
                problems.append(Problem(file, ids[k], col, f"must be a whole number, got {_show(raw)}"))
            elif status == "planned" and col == "open_year" and not (base_year < v <= last):
                problems.append(
                    Problem(
                        file,
                        ids[k],
                        col,
                        f"a planned project needs an opening year from {base_year + 1} to {last}, got {_show(raw)}",
                    )
                )
            elif status == "planned" and col == "planned_seats" and v <= 0:
                problems.append(
                    Problem(file, ids[k], col, f"a planned project needs its planned seats (> 0), got {_show(raw)}")
                )
            elif status != "planned" and col == "open_year" and not (v == 0 or 1900 <= v <= base_year):
                problems.append(
                    Problem(
                        file,
                        ids[k],
                        col,
                        f"an open school cannot open after the base year {base_year} (got {_show(raw)}); use status 'planned'",
                    )
                )
            elif status != "planned" and col == "planned_seats" and v != 0:
                problems.append(
                    Problem(file, ids[k], col, f"only planned projects have planned seats, got {_show(raw)}")
                )
            else:
                continue
            bad.add(k)
    return problems


def _check_moves(schools: pd.DataFrame, ids: list[str], file: str) -> list[Problem]:
    """``moves_to`` (optional): empty, or the ``school_id`` of a planned project of the same
    kind that replaces this open school on a new site (迁建; the school closes the year the
    project opens)."""
    problems = []
    row_of = {str(sid): k for k, sid in enumerate(schools["school_id"])}
    for k, target in enumerate(schools["moves_to"]):
        if _is_missing(target) or str(target).strip() == "":
            continue
        t = row_of.get(str(target))
        if t is None:
            msg = f"no school {str(target)!r} in the table; name the planned project that replaces this school"
        elif schools["status"].iat[t] != "planned":
            msg = f"{target} is not a planned project (status {schools['status'].iat[t]!r})"
        elif schools["kind"].iat[t] != schools["kind"].iat[k]:
            msg = f"{target} is a {schools['kind'].iat[t]}, this school a {schools['kind'].iat[k]}"
        elif schools["status"].iat[k] != "open":
            msg = "only an open school moves to a new site"
        else:
            continue
        problems.append(Problem(file, ids[k], "moves_to", msg))
    return problems


def grades_text(kind: str) -> str:
    """The ``grades`` field of a school of ``kind``: ``1-3``, ``1-6``, ``7-9``, ``1-9``,
    ``10-12``, or ``k1-k3`` for a kindergarten."""
    offered = grades_of_bands(BANDS_OF_KIND[kind])
    return (
        f"{grade_column(offered[0])}-{grade_column(offered[-1])}" if offered[0] > 12 else f"{offered[0]}-{offered[-1]}"
    )


def _check_school_row(row, sid: str, file: str) -> list[Problem]:
    """Grades against kind, and enrolment against classes and classrooms, of one school."""
    problems = []
    offered = grades_of_bands(BANDS_OF_KIND[row.kind])
    text = grades_text(row.kind)
    if str(row.grades) != text:
        problems.append(Problem(file, sid, "grades", f"a {row.kind} teaches grades {text}, got {row.grades!r}"))
    enrol = {g: int(getattr(row, grade_column(g))) for g in ALL_GRADES}
    for g, n in enrol.items():
        if g not in offered and n > 0:
            problems.append(
                Problem(
                    file,
                    sid,
                    grade_column(g),
                    f"a {row.kind} does not teach {grade_column(g)}, but {n} pupils are enrolled",
                )
            )
    enrolled = sum(enrol.values())
    classes, classrooms = int(row.classes), int(row.classrooms)
    if row.status == "planned":
        if classrooms <= 0:
            problems.append(Problem(file, sid, "classrooms", "a planned project needs its planned classrooms (> 0)"))
        if enrolled > 0:
            first = next(g for g, n in enrol.items() if n > 0)
            problems.append(
                Problem(file, sid, grade_column(first), f"a planned project has no pupils yet, got {enrolled}")
            )
        return problems
    if classes > classrooms:
        problems.append(Problem(file, sid, "classes", f"{classes} classes in {classrooms} classrooms"))
    if enrolled > 0 and classes == 0:
        problems.append(Problem(file, sid, "classes", f"{enrolled} pupils but no classes"))
    elif enrolled > MAX_PUPILS_PER_CLASSROOM * classrooms:
        problems.append(
            Problem(
                file,
                sid,
                "classrooms",
                f"{enrolled} pupils in {classrooms} classrooms is more than {MAX_PUPILS_PER_CLASSROOM} a classroom",
            )
        )
    elif enrolled > MAX_PUPILS_PER_CLASSROOM * classes:
        problems.append(
            Problem(
                file,
                sid,
                "classes",
                f"{enrolled} pupils in {classes} classes is more than {MAX_PUPILS_PER_CLASSROOM} a class",
            )
        )
    return problems


def check_roads(roads: gpd.GeoDataFrame, file: str = "roads.geojson") -> list[Problem]:
    """Problems in the road lines: ids, classes, speeds within the school-bus law, the
    source of each line (optional column ``source``, one of
    :data:`layout_opt.schema.ROAD_SOURCES`), geometry."""
    problems = _require_columns(roads, ROAD_COLUMNS, file)
    if problems:
        return problems
    ids = _record_ids(roads, "road_id")
    bad: set[int] = set()
    problems += _check_ids(roads, "road_id", ids, file, bad)
    problems += _check_choice(roads, "road_class", ids, file, ROAD_CLASSES, bad, "road class")
    if "bus_speed_kmh" in roads.columns:
        speeds = pd.to_numeric(roads["bus_speed_kmh"], errors="coerce")
        for k, (cls, v, raw) in enumerate(
            zip(roads["road_class"].tolist(), speeds.tolist(), roads["bus_speed_kmh"].tolist())
        ):
            if _is_missing(raw):
                continue  # the class's default speed applies
            cap = BUS_SPEED_CAP_KMH.get(cls, BUS_SPEED_CAP_DEFAULT_KMH)
            if pd.isna(v) or v <= 0:
                problems.append(
                    Problem(file, ids[k], "bus_speed_kmh", f"must be a positive speed in km/h, got {_show(raw)}")
                )
            elif v > cap:
                problems.append(
                    Problem(
                        file,
                        ids[k],
                        "bus_speed_kmh",
                        f"{v:g} km/h is above the school-bus limit of {cap:.0f} km/h on a {cls} road",
                    )
                )
    if "source" in roads.columns:
        problems += [
            Problem(file, ids[k], "source", f"unknown source {_show(v)}; expected one of {list(ROAD_SOURCES)}")
            for k, v in enumerate(roads["source"])
            if v not in ROAD_SOURCES
        ]
    problems += _check_geometries(roads, ids, file, bad, kinds=("LineString", "MultiLineString"))
    return problems


def check_hosts(
    schools: pd.DataFrame,
    villages: pd.DataFrame,
    file: str = "schools.geojson",
    villages_file: str = "villages.geojson",
    known_problems: Iterable[Problem] = (),
) -> list[Problem]:
    """Each school's host unit (``village_id``, optional column) exists, and the school's
    ``town_code`` and ``ur_code`` are those of its host.

    ``known_problems`` (already reported) keep this check quiet where it would only
    repeat them: a school or village whose code is wrong is not compared again, and host
    ids are not looked up while the villages' own ids are faulty.
    """
    if "village_id" not in schools.columns or "village_id" not in villages.columns:
        return []
    known = list(known_problems)
    flagged = {(p.file, p.record, p.field) for p in known}
    if any(p.file == villages_file and p.field == "village_id" for p in known):
        return []
    problems = []
    ids = _record_ids(schools, "school_id")
    vids = [None if _is_missing(v) else str(v) for v in villages["village_id"].tolist()]
    compare = [c for c in ("town_code", "ur_code") if c in villages.columns and c in schools.columns]
    of_host = {c: dict(zip(vids, _codes(villages[c], c))) for c in compare}
    mine = {c: _codes(schools[c], c) for c in compare}
    known_vids = set(vids)
    for k, vid in enumerate(schools["village_id"].tolist()):
        if _is_missing(vid):
            continue
        vid = str(vid)
        if vid not in known_vids:
            problems.append(Problem(file, ids[k], "village_id", f"host unit {vid!r} is not in {villages_file}"))
            continue
        for col in compare:
            if (file, ids[k], col) in flagged or (villages_file, vid, col) in flagged:
                continue
            a, b = mine[col][k], of_host[col][vid]
            if a is not None and b is not None and a != b:
                what = "town" if col == "town_code" else "settlement class"
                problems.append(
                    Problem(file, ids[k], col, f"{a!r} differs from the {what} {b!r} of its host unit {vid}")
                )
    return problems


def _codes(values: pd.Series, col: str) -> list:
    """Codes for comparison: ``ur_code`` as int, other codes as text; None if unusable."""
    if col == "ur_code":
        num = pd.to_numeric(values, errors="coerce").tolist()
        return [None if pd.isna(v) else int(v) for v in num]
    return [None if _is_missing(v) else str(v) for v in values.tolist()]


def validate_tables(
    villages: gpd.GeoDataFrame,
    schools: gpd.GeoDataFrame,
    roads: gpd.GeoDataFrame | None,
    towns: gpd.GeoDataFrame,
    base_year: int,
    files: dict[str, str] | None = None,
    enrolment: pd.DataFrame | None = None,
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
        File name per table for messages; defaults to ``<table>.geojson`` and
        ``enrolment.csv``.
    enrolment : pandas.DataFrame, optional
        Today's attendance (:func:`check_enrolment`), when the district has it.

    Raises
    ------
    ValidationError
        With every problem found.
    """
    files = {
        "villages": "villages.geojson",
        "schools": "schools.geojson",
        "roads": "roads.geojson",
        "towns": "towns.geojson",
        "enrolment": "enrolment.csv",
        **(files or {}),
    }
    town_problems = check_towns(towns, files["towns"])
    problems = list(town_problems)
    names: dict[str, str] = {}
    if "town_code" in towns.columns:
        names = {
            str(c): str(n)
            for c, n in zip(towns["town_code"], towns["town"] if "town" in towns.columns else towns["town_code"])
        }
    problems += check_villages(villages, names, files["villages"])
    problems += check_schools(schools, names, base_year, files["schools"])
    problems += check_hosts(schools, villages, files["schools"], files["villages"], known_problems=problems)
    if enrolment is not None:
        problems += check_enrolment(
            enrolment,
            villages,
            schools,
            files["enrolment"],
            files["villages"],
            files["schools"],
            known_problems=[p for p in problems if p.file in (files["villages"], files["schools"])],
        )
    if roads is not None:
        problems += check_roads(roads, files["roads"])
    if not town_problems and isinstance(towns, gpd.GeoDataFrame):
        seats = _lonlat(towns)
        flagged = {(p.file, p.record) for p in problems if p.field == "geometry"}
        for gdf, key, id_col in ((villages, "villages", "village_id"), (schools, "schools", "school_id")):
            if seats is None or not isinstance(gdf, gpd.GeoDataFrame) or gdf.crs is None or len(gdf) == 0:
                continue
            ids = _record_ids(gdf, id_col)
            empty = (gdf.geometry.isna() | gdf.geometry.is_empty).to_numpy()
            skip = {k for k in range(len(gdf)) if empty[k] or (files[key], ids[k]) in flagged}
            problems += _near_seats(gdf, ids, files[key], seats, skip)
    if problems:
        raise ValidationError(problems)
