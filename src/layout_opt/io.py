"""Reading and writing files.  No other module touches the disk.

Inputs are never modified.  Outputs of a plan run are written into a temporary folder
beside the target and renamed into place when complete.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import warnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from io import StringIO
from pathlib import Path

import geopandas as gpd
import pandas as pd

from .district import District
from .errors import Problem, ValidationError

logger = logging.getLogger(__name__)

#: Files of a district folder.  ``boundary.geojson`` and ``district.json`` are optional.
DISTRICT_FILES = {
    "villages": "villages.geojson",
    "schools": "schools.geojson",
    "roads": "roads.geojson",
    "towns": "towns.geojson",
    "boundary": "boundary.geojson",
}
META_FILE = "district.json"
#: The policy's named seat projects (optional; for the report's comparison).
POLICY_PROJECTS_FILE = "policy_projects.csv"
#: Base year of a data folder whose ``district.json`` does not give one.
DEFAULT_BASE_YEAR = 2023

#: Text columns that must stay text (codes with leading digits would turn into numbers).
_TEXT_COLUMNS = ("village_id", "school_id", "town_code", "road_id")


def _read_table(path: Path, file: str) -> gpd.GeoDataFrame:
    if not path.exists():
        raise ValidationError([Problem(file, "-", "-", f"file not found in {path.parent.name}/")])
    try:
        gdf = gpd.read_file(path, engine="pyogrio")
    except Exception as exc:  # pyogrio raises several error types for unreadable files
        raise ValidationError([Problem(file, "-", "-", f"cannot be read as GeoJSON: {exc}")]) from exc
    for c in _TEXT_COLUMNS:
        if c in gdf.columns:
            gdf[c] = gdf[c].map(_as_code)
    return gdf


def _as_code(x: object) -> str | None:
    """A code as text: numbers read from the file lose their ``.0``; missing stays ``None``."""
    if x is None or isinstance(x, str):
        return x
    if pd.isna(x):
        return None
    return str(int(x)) if float(x).is_integer() else str(x)


def _read_text(path: Path, file: str) -> str:
    """UTF-8 text of an input file (a leading BOM is dropped), or a :class:`ValidationError`."""
    try:
        data = path.read_bytes()
    except IsADirectoryError as exc:
        raise ValidationError([Problem(file, "-", "-", "is a folder, not a file")]) from exc
    except OSError as exc:
        raise ValidationError([Problem(file, "-", "-", f"cannot be read: {exc.strerror}")]) from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError([Problem(file, "-", "-", encoding_message(data, exc))]) from exc


def encoding_message(data: bytes, exc: UnicodeDecodeError) -> str:
    """Where a file stops being UTF-8, and a hint when it reads as GBK.

    Examples
    --------
    >>> data = "name = '孟津'".encode("gbk")
    >>> try:
    ...     data.decode("utf-8")
    ... except UnicodeDecodeError as exc:
    ...     print(encoding_message(data, exc))
    not UTF-8 text (byte 0xc3 on line 1); it looks GBK-encoded: save it as UTF-8
    """
    line = data.count(b"\n", 0, exc.start) + 1
    text = f"not UTF-8 text (byte 0x{data[exc.start]:02x} on line {line})"
    try:
        data.decode("gb18030")
    except UnicodeDecodeError:
        return text + "; save it as UTF-8"
    return text + "; it looks GBK-encoded: save it as UTF-8"


def read_district_meta(folder: str | os.PathLike) -> dict:
    """The checked ``district.json`` of a data folder (an empty dict if it has none).

    Raises
    ------
    layout_opt.errors.ValidationError
        If the file cannot be read, is not JSON, is not an object, or a field has the
        wrong type or range (:func:`layout_opt.validate.check_district_meta`).
    """
    from .validate import check_district_meta

    path = Path(folder) / META_FILE
    if not path.exists():
        return {}
    text = _read_text(path, META_FILE)
    try:
        meta = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationError([Problem(META_FILE, "-", "-", f"not valid JSON: {exc}")]) from exc
    problems = check_district_meta(meta, META_FILE)
    if problems:
        raise ValidationError(problems)
    return meta


def read_district(folder: str | os.PathLike, name: str | None = None) -> District:
    """Read and validate a district folder.

    Parameters
    ----------
    folder : path-like
        Folder holding ``villages.geojson``, ``schools.geojson``, ``roads.geojson``,
        ``towns.geojson`` and optionally ``boundary.geojson`` and ``district.json``
        (``{"name": ..., "base_year": ..., "attribution": ...}``).
    name : str, optional
        Overrides the district's name.

    Returns
    -------
    District
        In a metric CRS.

    Raises
    ------
    layout_opt.errors.ValidationError
        Naming file, record and field of every problem.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise ValidationError([Problem(str(folder), "-", "-", "data folder not found")])
    meta = read_district_meta(folder)
    base_year = meta.get("base_year", DEFAULT_BASE_YEAR)
    tables = {}
    for key, file in DISTRICT_FILES.items():
        path = folder / file
        if key == "boundary" and not path.exists():
            tables[key] = None
            continue
        tables[key] = _read_table(path, file)
    return District.from_frames(
        villages=tables["villages"],
        schools=tables["schools"],
        roads=tables["roads"],
        towns=tables["towns"],
        boundary=tables["boundary"],
        base_year=base_year,
        name=name or meta.get("name", folder.name),
        attribution=meta.get("attribution", ""),
        files=dict(DISTRICT_FILES),
    )


def write_district(district: District, folder: str | os.PathLike) -> Path:
    """Write a district as a data folder that :func:`read_district` reads back.

    Useful to save a synthetic district from :mod:`layout_opt.examples` and run the
    batch command on it.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    write_geojson(district.villages, folder / DISTRICT_FILES["villages"])
    write_geojson(district.schools, folder / DISTRICT_FILES["schools"])
    if district.roads is not None:
        write_geojson(district.roads, folder / DISTRICT_FILES["roads"])
    write_geojson(district.towns, folder / DISTRICT_FILES["towns"])
    if district.boundary is not None:
        write_geojson(district.boundary, folder / DISTRICT_FILES["boundary"])
    write_json(
        {"name": district.name, "base_year": district.base_year, "attribution": district.attribution},
        folder / META_FILE,
    )
    return folder


def write_geojson(gdf: gpd.GeoDataFrame, path: str | os.PathLike, crs: str = "EPSG:4326", precision: int = 6) -> None:
    """Write ``gdf`` as GeoJSON in ``crs`` with fixed coordinate precision."""
    out = gdf.to_crs(crs)
    out.to_file(
        path,
        driver="GeoJSON",
        engine="pyogrio",
        layer_options={"COORDINATE_PRECISION": str(precision), "RFC7946": "YES"},
    )


def write_json(obj: dict, path: str | os.PathLike) -> None:
    """Write ``obj`` as UTF-8 JSON with sorted keys (stable across runs)."""
    Path(path).write_text(json.dumps(obj, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def write_csv(df: pd.DataFrame, path: str | os.PathLike) -> None:
    """Write ``df`` as UTF-8 CSV (with BOM, so Excel opens Chinese text) without index."""
    df.to_csv(path, index=False, encoding="utf-8-sig", lineterminator="\n")


@contextmanager
def atomic_folder(target: str | os.PathLike, force: bool = False) -> Iterator[Path]:
    """Yield a temporary folder that replaces ``target`` only when the block succeeds.

    Parameters
    ----------
    target : path-like
        Final folder.
    force : bool
        Replace an existing ``target``; otherwise an existing one raises
        :class:`FileExistsError` before anything is written.
    """
    target = Path(target)
    if target.exists() and not force:
        raise FileExistsError(f"{target} exists; use --force to replace it")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if target.exists():
        old = target.with_name(f".{target.name}.old")
        shutil.rmtree(old, ignore_errors=True)
        target.rename(old)
        tmp.rename(target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        tmp.rename(target)


# --------------------------------------------------------------------------- OpenStreetMap

#: File endings :func:`read_osm_roads` understands.
OSM_SUFFIXES = (".osm.pbf", ".pbf", ".osm", ".osm.bz2", ".osm.gz", ".graphml")


def read_osm_roads(
    path: str | os.PathLike,
    crs: object | None = None,
    highway_classes: dict[str, str] | None = None,
) -> gpd.GeoDataFrame:
    """Read the bus roads of an OpenStreetMap extract that the user supplies.

    ``.osm.pbf`` and ``.osm`` (XML, optionally ``.bz2``/``.gz``) files are read with
    pyosmium (the ``osm`` extra: ``pip install "layout_opt[osm]"``); GraphML (as saved by
    osmnx) with networkx.  Nothing is downloaded.  Each way with a ``highway`` tag that
    :data:`layout_opt.travel.OSM_HIGHWAY_CLASS` maps becomes a line whose ``road_class``
    sets the bus speed; ways closed by ``access=no/private`` are dropped.  Ways meet where
    they share an OSM node, so bridges and tunnels connect only at their ends.

    Parameters
    ----------
    path : path-like
        The file.
    crs : CRS-like, optional
        Metric CRS of the result; by default the UTM zone of the data (EPSG:32649 for
        Mengjin, matching the bundled data).
    highway_classes : dict[str, str], optional
        ``highway`` value -> road class, replacing the default table.

    Returns
    -------
    geopandas.GeoDataFrame
        ``road_id``, ``road_class``, ``highway``, ``name``, ``bridge``, ``maxspeed_kmh``
        (posted limit, km/h), ``osm_id``, LineString geometry in ``crs``; ready for
        :func:`layout_opt.travel.travel_time_matrix`.

    Raises
    ------
    layout_opt.errors.ValidationError
        If the file is missing, unreadable, of an unknown kind, or holds no bus road.
    ImportError
        If a ``.pbf``/``.osm`` file is given and pyosmium is not installed.
    """
    from pyproj import CRS

    from . import travel

    if crs is not None:
        crs = CRS.from_user_input(crs)
        if not crs.is_projected:
            raise ValueError(f"crs must be a projected (metric) CRS, got {crs.to_string()}")
    path = Path(path)
    file = path.name
    if not path.is_file():
        raise ValidationError([Problem(file, "-", "-", f"file not found in {path.parent.name or '.'}/")])
    lower = file.lower()
    if not lower.endswith(OSM_SUFFIXES):
        raise ValidationError(
            [Problem(file, "-", "-", f"not an OpenStreetMap file; expected one of {', '.join(OSM_SUFFIXES)}")]
        )
    try:
        if lower.endswith(".graphml"):
            import networkx as nx

            graph = nx.read_graphml(path)
            roads = travel.roads_from_networkx(graph, highway_classes=highway_classes, crs=crs)
        else:
            roads = travel.osm_roads_frame(_read_osm_ways(path), crs=crs, highway_classes=highway_classes)
    except ImportError:
        raise
    except ValueError as exc:
        raise ValidationError([Problem(file, "-", "highway" if "highway" in str(exc) else "-", str(exc))]) from exc
    except Exception as exc:  # osmium and the XML parsers raise several error types
        raise ValidationError([Problem(file, "-", "-", f"cannot be read as OpenStreetMap data: {exc}")]) from exc
    logger.info("read %d road lines from %s", len(roads), file)
    return roads


def _read_osm_ways(path: Path) -> gpd.GeoDataFrame:
    """Ways with a ``highway`` tag as WGS84 lines with their tags (pyosmium)."""
    try:
        import osmium
    except ImportError as exc:
        raise ImportError('reading .osm/.pbf files needs pyosmium: pip install "layout_opt[osm]"') from exc
    from shapely import LineString

    processor = (
        osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY)
        .with_locations()
        .with_filter(osmium.filter.EntityFilter(osmium.osm.WAY))
        .with_filter(osmium.filter.KeyFilter("highway"))
    )
    rows = []
    missing = 0
    for way in processor:
        coords = [(n.location.lon, n.location.lat) for n in way.nodes if n.location.valid()]
        missing += len(way.nodes) - len(coords)
        if len(coords) < 2:
            continue
        tags = way.tags
        rows.append(
            {
                "osm_id": way.id,
                "highway": tags.get("highway"),
                "name": tags.get("name"),
                "bridge": tags.get("bridge"),
                "maxspeed": tags.get("maxspeed"),
                "access": tags.get("access"),
                "geometry": LineString(coords),
            }
        )
    if missing:
        logger.warning(
            "%s: %d way node(s) have no location in the file (cut extract?) and are skipped", path.name, missing
        )
    return gpd.GeoDataFrame(
        rows,
        columns=["osm_id", "highway", "name", "bridge", "maxspeed", "access", "geometry"],
        geometry="geometry",
        crs="EPSG:4326",
    )


# --------------------------------------------------------------------------- plans


def read_policy_projects(folder: str | os.PathLike, school_ids: Iterable[str] | None = None) -> pd.DataFrame | None:
    """The policy's named seat projects (``policy_projects.csv``), checked, if the folder has them.

    Parameters
    ----------
    folder : path-like
        The data folder.
    school_ids : iterable of str, optional
        The district's schools (``district.schools["school_id"]``); every project must
        name one of them.

    Returns
    -------
    pandas.DataFrame or None
        ``project, school_id, type, seats, policy_text`` (seats as int64, texts as str;
        ``policy_text`` empty if the file has no such column), or ``None`` without the
        file.

    Raises
    ------
    layout_opt.errors.ValidationError
        If the file cannot be read as UTF-8 CSV, lacks a column, or a record has a
        missing or unknown school, an unknown type or seats that are not a whole number
        (:func:`layout_opt.validate.check_policy_projects`).
    """
    from .validate import check_policy_projects

    path = Path(folder) / POLICY_PROJECTS_FILE
    if not path.exists():
        return None
    text = _read_text(path, POLICY_PROJECTS_FILE)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", pd.errors.ParserWarning)  # a row longer than the header
            table = pd.read_csv(StringIO(text), dtype=str, keep_default_na=False, index_col=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, pd.errors.ParserWarning) as exc:
        message = str(exc).strip() or "no columns"
        if isinstance(exc, pd.errors.ParserWarning):
            message = "a row has more fields than the header"
        raise ValidationError([Problem(POLICY_PROJECTS_FILE, "-", "-", f"cannot be read as CSV: {message}")]) from exc
    table.columns = [str(c).strip() for c in table.columns]
    problems = check_policy_projects(table, school_ids, POLICY_PROJECTS_FILE)
    if problems:
        raise ValidationError(problems)
    table["school_id"] = table["school_id"].str.strip()
    table["seats"] = pd.to_numeric(table["seats"].str.strip()).astype("int64")
    if "policy_text" not in table.columns:
        table["policy_text"] = ""
    return table


def write_plan(
    plan,
    folder: str | os.PathLike,
    policy_projects: pd.DataFrame | None = None,
    bus_plan=None,
    force: bool = False,
    log_text: str | None = None,
    violations: pd.DataFrame | None = None,
    timings: dict | None = None,
) -> Path:
    """Write a plan folder atomically (DESIGN.md §5).

    Files: ``summary.json``, ``assignments.csv``, ``schools.csv``, ``closures.csv``,
    ``plan.gpkg`` (schools, villages, assignment lines, and bus routes when given),
    ``plan.xlsx`` (Chinese sheets), ``report.html``, and, when given, ``routes.csv``,
    ``violations.csv``, ``timings.json`` (wall-clock seconds, kept out of
    ``summary.json`` so that two runs give identical files) and ``run.log``.  The folder
    is built beside the target and renamed into place; an existing folder is replaced
    only with ``force``.

    Parameters
    ----------
    plan : layout_opt.Plan
        The plan.
    folder : path-like
        Target folder.
    policy_projects : pandas.DataFrame, optional
        From :func:`read_policy_projects`, for the report's comparison.
    bus_plan : layout_opt.routing.BusPlan, optional
        School-bus routes to include.
    force : bool
        Replace an existing folder.
    log_text : str, optional
        The run's log, saved as ``run.log``.
    violations : pandas.DataFrame, optional
        Rule violations found by :func:`layout_opt.check.check_plan` (written if any).
    timings : dict, optional
        Seconds per step, saved as ``timings.json``.

    Returns
    -------
    pathlib.Path
        The folder written.
    """
    from . import report

    target = Path(folder)
    with atomic_folder(target, force=force) as tmp:
        summary = dict(plan.summary)
        solver = dict(summary["solver"])
        seconds = solver.pop("seconds", None)
        summary["solver"] = solver
        if bus_plan is not None:
            summary["buses"] = {k: v for k, v in bus_plan.totals.items() if "second" not in k}
        write_json(summary, tmp / "summary.json")
        write_json({"solver_seconds": seconds, **(timings or {})}, tmp / "timings.json")
        if violations is not None and len(violations):
            write_csv(violations, tmp / "violations.csv")
        write_csv(plan.assignments, tmp / "assignments.csv")
        write_csv(plan.schools, tmp / "schools.csv")
        write_csv(plan.closures, tmp / "closures.csv")
        if bus_plan is not None:
            write_csv(bus_plan.routes, tmp / "routes.csv")
        _write_gpkg(plan, tmp / "plan.gpkg", bus_plan)
        sheets = report.workbook_sheets(plan, policy_projects)
        with pd.ExcelWriter(tmp / "plan.xlsx", engine="openpyxl") as xl:
            for name, table in sheets.items():
                table.to_excel(xl, sheet_name=name, index=False)
        (tmp / "report.html").write_text(report.render_html(plan, policy_projects, bus_plan=bus_plan), encoding="utf-8")
        if log_text is not None:
            (tmp / "run.log").write_text(log_text, encoding="utf-8")
    return target


def _write_gpkg(plan, path: Path, bus_plan=None) -> None:
    """Schools (last plan year), villages and assignment lines, WGS84, one layer each."""
    from shapely import LineString

    d = plan.district
    last = int(plan.schools["year"].max())
    schools = plan.school_table(last)
    schools.to_crs("EPSG:4326").to_file(path, layer="schools", driver="GPKG", engine="pyogrio")
    villages = d.villages[["village_id", "name", "town", "ur_code", "population", "geometry"]]
    villages.to_crs("EPSG:4326").to_file(path, layer="villages", driver="GPKG", engine="pyogrio")
    vx = d.villages.set_index("village_id").geometry
    sx = d.schools.set_index("school_id").geometry
    a = plan.assignments
    lines = gpd.GeoDataFrame(
        a,
        geometry=[LineString([vx[v].coords[0], sx[s].coords[0]]) for v, s in zip(a["village_id"], a["school_id"])],
        crs=d.crs,
    )
    lines.to_crs("EPSG:4326").to_file(path, layer="assignment_lines", driver="GPKG", engine="pyogrio")
    if bus_plan is not None:
        routes = bus_plan.route_lines()
        if len(routes):
            routes.to_crs("EPSG:4326").to_file(path, layer="bus_routes", driver="GPKG", engine="pyogrio")
