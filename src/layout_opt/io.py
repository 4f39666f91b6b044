"""Reading and writing files.  No other module touches the disk.

Inputs are never modified.  A plan run writes one folder (:class:`PlanFolder`): checked
before any work, locked against other runs, built in a temporary folder beside the target
and renamed into place when complete; only a folder that a plan run wrote (with
:data:`PLAN_MARKER`) is ever replaced.  Files of equal plans are byte-identical
(:data:`FILE_DATE`).
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import logging
import multiprocessing
import os
import re
import secrets
import shutil
import signal
import threading
import tomllib
import warnings
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from io import BytesIO, StringIO
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd

from .district import District
from .errors import InfeasibleError, OutputError, Problem, ValidationError, encoding_message
from .policy import POLICY_FILE, Policy
from .schema import ENROLMENT_COLUMNS
from .validate import check_policy

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: the lock file is created exclusively instead
    fcntl = None  # type: ignore[assignment]

if TYPE_CHECKING:  # pragma: no cover
    from .scenario import Scenario

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
#: Today's attendance (optional): village, school, grade, pupils, boarders in the base year.
ENROLMENT_FILE = "enrolment.csv"
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


def _read_enrolment(path: Path) -> pd.DataFrame:
    """``enrolment.csv`` as text (validation judges the values); ids keep leading digits."""
    text = _read_text(path, ENROLMENT_FILE)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", pd.errors.ParserWarning)  # a row longer than the header
            table = pd.read_csv(StringIO(text), dtype=str, keep_default_na=False, index_col=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, pd.errors.ParserWarning) as exc:
        message = str(exc).strip() or "no columns"
        if isinstance(exc, pd.errors.ParserWarning):
            message = "a row has more fields than the header"
        raise ValidationError([Problem(ENROLMENT_FILE, "-", "-", f"cannot be read as CSV: {message}")]) from exc
    table.columns = [str(c).strip() for c in table.columns]
    return table


def read_district(folder: str | os.PathLike, name: str | None = None) -> District:
    """Read and validate a district folder.

    Parameters
    ----------
    folder : path-like
        Folder holding ``villages.geojson``, ``schools.geojson``, ``roads.geojson``,
        ``towns.geojson`` and optionally ``boundary.geojson``, ``enrolment.csv``
        (today's attendance, :attr:`District.enrolment`), ``district.json``
        (``{"name": ..., "base_year": ..., "attribution": ...}``) and ``policy.toml``
        (the policy targets, :func:`read_policy`).
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
    enrolment_path = folder / ENROLMENT_FILE
    enrolment = _read_enrolment(enrolment_path) if enrolment_path.exists() else None
    names = tables["schools"]["name"].astype(str) if "name" in tables["schools"].columns else None
    policy = read_policy(folder, school_names=names)
    return District.from_frames(
        villages=tables["villages"],
        schools=tables["schools"],
        roads=tables["roads"],
        towns=tables["towns"],
        boundary=tables["boundary"],
        base_year=base_year,
        name=name or meta.get("name", folder.name),
        attribution=meta.get("attribution", ""),
        files={**DISTRICT_FILES, "enrolment": ENROLMENT_FILE},
        enrolment=enrolment,
        policy=policy,
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
        meta = {"attribution": district.attribution} if district.attribution else None
        write_geojson(district.roads, folder / DISTRICT_FILES["roads"], metadata=meta)
    if district.enrolment is not None:
        write_enrolment(district.enrolment, folder / ENROLMENT_FILE)
    write_geojson(district.towns, folder / DISTRICT_FILES["towns"])
    if district.boundary is not None:
        write_geojson(district.boundary, folder / DISTRICT_FILES["boundary"])
    write_json(
        {"name": district.name, "base_year": district.base_year, "attribution": district.attribution},
        folder / META_FILE,
    )
    return folder


def write_geojson(
    gdf: gpd.GeoDataFrame,
    path: str | os.PathLike,
    crs: str = "EPSG:4326",
    precision: int = 6,
    metadata: dict[str, str] | None = None,
) -> None:
    """Write ``gdf`` as GeoJSON in ``crs`` with fixed coordinate precision.

    ``metadata`` (e.g. ``{"attribution": ..., "license": ...}``) becomes members of the
    file's FeatureCollection, beside ``features``.
    """
    out = gdf.to_crs(crs)
    options = {"COORDINATE_PRECISION": str(precision), "RFC7946": "YES"}
    if metadata:
        options["FOREIGN_MEMBERS_COLLECTION"] = json.dumps(metadata, ensure_ascii=False, sort_keys=True)
    out.to_file(path, driver="GeoJSON", engine="pyogrio", layer_options=options)


def write_enrolment(enrolment: pd.DataFrame, path: str | os.PathLike) -> None:
    """Write today's attendance as ``enrolment.csv`` (UTF-8, the columns of
    :data:`layout_opt.schema.ENROLMENT_COLUMNS`, sorted by village, school and grade)."""
    table = enrolment[list(ENROLMENT_COLUMNS)].sort_values(["village_id", "school_id", "grade"], kind="stable")
    table.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")


def write_json(obj: dict, path: str | os.PathLike) -> None:
    """Write ``obj`` as UTF-8 JSON with sorted keys (stable across runs)."""
    write_text(json.dumps(obj, ensure_ascii=False, indent=2, sort_keys=True) + "\n", path)


def write_text(text: str, path: str | os.PathLike) -> None:
    """Write ``text`` as UTF-8 with ``\\n`` line ends."""
    Path(path).write_text(text, encoding="utf-8", newline="\n")


def write_csv(df: pd.DataFrame, path: str | os.PathLike) -> None:
    """Write ``df`` as UTF-8 CSV (with BOM, so Excel opens Chinese text) without index."""
    df.to_csv(path, index=False, encoding="utf-8-sig", lineterminator="\n")


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
    :data:`layout_opt.osm.OSM_HIGHWAY_CLASS` maps becomes a line whose ``road_class``
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

    from . import osm

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
            roads = osm.roads_from_networkx(graph, highway_classes=highway_classes, crs=crs)
        else:
            roads = osm.osm_roads_frame(_read_osm_ways(path), crs=crs, highway_classes=highway_classes)
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


def read_policy(folder: str | os.PathLike, school_names: Iterable[str] | None = None) -> Policy | None:
    """The district's policy targets (``policy.toml``), if the folder has them.

    Parameters
    ----------
    folder : path-like
        The district's data folder.
    school_names : iterable of str, optional
        Names of the district's schools, to check the schools the policy names.

    Returns
    -------
    layout_opt.policy.Policy or None
        None when the folder has no ``policy.toml`` (the report then has no policy
        comparison).

    Raises
    ------
    layout_opt.errors.ValidationError
        If the file is not TOML or breaks the schema of :mod:`layout_opt.policy`, naming
        file, record and field.
    """
    path = Path(folder) / POLICY_FILE
    if not path.exists():
        return None
    text = _read_text(path, POLICY_FILE)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValidationError([Problem(POLICY_FILE, "-", "-", f"not valid TOML: {exc}")]) from exc
    problems = check_policy(data, POLICY_FILE, school_names)
    if problems:
        raise ValidationError(problems)
    return Policy.from_dict(data)


# --------------------------------------------------------------------------- plan folders

#: File in every plan folder: ``force`` replaces only folders that hold it.
PLAN_MARKER = ".layout_opt_plan"
_MARKER_TEXT = "A plan folder written by layout-opt plan; `layout-opt plan --force` replaces it as a whole.\n"
#: Files a plan run may write besides :data:`PLAN_MARKER`.  A folder of an earlier version
#: (without the marker) counts as a plan folder when it holds ``summary.json`` and
#: ``run.log`` and nothing but these files.
PLAN_FILES = frozenset(
    {
        "summary.json",
        "assignments.csv",
        "schools.csv",
        "closures.csv",
        "pupils.csv",
        "catchments.csv",
        "moves.csv",
        "routes.csv",
        "violations.csv",
        "plan.gpkg",
        "plan.xlsx",
        "report.html",
        "timings.json",
        "run.log",
        "infeasible.txt",
    }
)
#: Date written into file metadata (workbook properties, ZIP entries, GeoPackage
#: ``last_change``) so that equal inputs give byte-identical files.
FILE_DATE = datetime.datetime(1980, 1, 1, tzinfo=datetime.UTC)


def is_plan_folder(path: str | os.PathLike) -> bool:
    """Whether ``path`` is a folder that ``layout-opt plan`` wrote (see :data:`PLAN_MARKER`).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> is_plan_folder(folder)
    False
    >>> _ = (folder / PLAN_MARKER).write_text("", encoding="utf-8")
    >>> is_plan_folder(folder)
    True
    """
    path = Path(path)
    if not path.is_dir():
        return False
    if (path / PLAN_MARKER).is_file():
        return True
    try:
        entries = list(path.iterdir())
    except OSError:
        return False
    names = {p.name for p in entries}
    return {"summary.json", "run.log"} <= names and names <= PLAN_FILES and all(p.is_file() for p in entries)


def _is_empty_folder(path: Path) -> bool:
    try:
        return path.is_dir() and not any(path.iterdir())
    except OSError:
        return False


def _judge_existing(target: Path, given: Path, force: bool) -> None:
    """Refuse an existing ``target`` that is not a plan folder, or any plan folder without ``force``."""
    if not os.path.lexists(target):
        return
    if not target.is_dir():
        raise OutputError(
            f"{given} is a file, not a plan folder; a plan run replaces only plan folders it wrote, even with --force"
        )
    if _is_empty_folder(target):
        return
    if not is_plan_folder(target):
        raise OutputError(
            f"{given} exists and is not a plan folder (it has no {PLAN_MARKER} file); a plan run replaces only "
            "plan folders it wrote, even with --force: choose another folder, or move this one away"
        )
    if not force:
        raise OutputError(f"{given} exists; use --force to replace it")


def check_output(
    out: str | os.PathLike,
    *,
    force: bool = False,
    inputs: Mapping[str, str | os.PathLike | None] | None = None,
) -> Path:
    """Judge a plan folder's path before any work, changing nothing on disk.

    Parameters
    ----------
    out : path-like
        The plan folder to write.  A symbolic link stands for the folder it points to.
    force : bool
        Whether an existing plan folder may be replaced.
    inputs : mapping of str to path-like, optional
        The run's inputs by role, e.g. ``{"the data folder": "data", "the scenario file":
        "scenarios/default.toml"}``; the output may not be, contain or lie inside any of
        them.

    Returns
    -------
    pathlib.Path
        The absolute path of the plan folder, symbolic links resolved.

    Raises
    ------
    layout_opt.errors.OutputError
        If the path is or holds an input, is a dangling symbolic link or the root, exists
        and is a file or a folder that is not a plan folder (even with ``force``), is a
        plan folder and ``force`` is not given, or its parent cannot be written.
    """
    given = Path(out)
    target = _resolve_output(given, "the plan")
    _refuse_inputs(target, given, inputs, "the plan")
    _judge_existing(target, given, force)
    _check_writable(target, given)
    return target


def _resolve_output(given: Path, what: str) -> Path:
    """The absolute output path, symbolic links resolved; not a dangling link, not the root."""
    if given.is_symlink() and not given.exists():
        raise OutputError(f"{given} is a symbolic link to {os.readlink(given)}, which does not exist")
    try:
        target = given.resolve()
    except (OSError, RuntimeError) as exc:  # a loop of symbolic links
        raise OutputError(f"{given} cannot be resolved: {exc}") from exc
    if target.parent == target:
        raise OutputError(f"{given} is the root of the file system; give a folder to write {what} into")
    return target


def _refuse_inputs(target: Path, given: Path, inputs: Mapping[str, str | os.PathLike | None] | None, what: str) -> None:
    """Refuse an output that is, contains or lies inside one of the run's inputs."""
    for role, path in (inputs or {}).items():
        if path is None:
            continue
        source = Path(path).resolve()
        if target == source:
            raise OutputError(f"{given} is {role}; writing {what} there would replace the input")
        if target in source.parents:
            raise OutputError(f"{given} contains {role} {path}; writing {what} there would delete the input")
        if source in target.parents:
            raise OutputError(f"{given} lies inside {role} {path}; write {what} outside the inputs")


def _check_writable(target: Path, given: Path) -> None:
    """Refuse an output whose nearest existing parent is a file or cannot be written."""
    folder = target.parent
    while not os.path.lexists(folder):
        folder = folder.parent
    if not folder.is_dir():
        raise OutputError(f"cannot create {given}: {folder} is a file, not a folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(f"cannot write {given}: no permission to write in {folder}")


def _take_lock(lock: Path, given: object, holder: str) -> int:
    """Open and lock the file ``lock``: its descriptor, or :class:`OutputError` if
    ``holder`` (another run) has it.

    With ``fcntl``, an exclusive non-blocking ``flock``; a lock file removed by the run
    that held it meanwhile is locked anew.  Without ``fcntl``, the file's creation is the
    lock.
    """
    busy = OutputError(f"{holder} is writing {given} (lock {lock}); wait for it to finish")
    while True:
        flags = os.O_RDWR | os.O_CREAT | (0 if fcntl else os.O_EXCL)
        try:
            fd = os.open(lock, flags, 0o644)
        except FileExistsError as exc:  # no fcntl: the file itself is the lock
            raise busy from exc
        except OSError as exc:
            raise OutputError(f"cannot write {given}: {exc.strerror} ({lock})") from exc
        if fcntl is None:
            return fd
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            raise busy from exc
        try:
            same = os.path.samestat(os.fstat(fd), os.stat(lock))
        except FileNotFoundError:
            same = False
        if same:
            return fd
        os.close(fd)  # the run that held it removed the file: lock the new one


class PlanFolder:
    """A plan folder being written: checked, locked, and built beside its final place.

    Use it as a context manager.  Making one checks the path (:func:`check_output`);
    entering creates missing parent folders, takes a lock that other runs on the same
    folder respect, removes what an interrupted run left beside it, and creates the
    temporary folder :attr:`tmp` (with the usual permissions) where the files go;
    :meth:`commit` renames it into place.  Leaving the block without a commit, or
    :meth:`discard`, removes everything the folder created, so that a failed or
    interrupted run leaves the disk as it was.

    Parameters
    ----------
    out : path-like
        The plan folder.  A symbolic link stands for the folder it points to, which is
        replaced; the link stays.
    force : bool
        Replace an existing plan folder.  A folder that is not a plan folder (one without
        :data:`PLAN_MARKER`) and a file are never replaced; an empty folder is used as is.
    inputs : mapping of str to path-like, optional
        The run's inputs by role, which the folder may not touch (see :func:`check_output`).

    Raises
    ------
    layout_opt.errors.OutputError
        From :func:`check_output` when made; when entered, if the folder cannot be
        created, another run holds its lock, or the folder appeared meanwhile.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> with PlanFolder(root / "plan") as out:
    ...     _ = (out.tmp / "summary.json").write_text("{}", encoding="utf-8")
    ...     final = out.commit()
    >>> sorted(p.name for p in final.iterdir())
    ['.layout_opt_plan', 'summary.json']
    >>> sorted(p.name for p in root.iterdir())
    ['plan']
    """

    def __init__(
        self,
        out: str | os.PathLike,
        *,
        force: bool = False,
        inputs: Mapping[str, str | os.PathLike | None] | None = None,
    ) -> None:
        self.given = Path(out)
        self.force = force
        self.target = check_output(out, force=force, inputs=inputs)
        self.tmp: Path | None = None
        self.state = "new"  # new -> open -> committed | discarded
        self._mutex = threading.RLock()
        self._created: list[Path] = []
        self._lock_path = self.target.with_name(f".{self.target.name}.lock")
        self._aside = self.target.with_name(f".{self.target.name}.old")
        self._lock_fd: int | None = None

    def __enter__(self) -> PlanFolder:
        with self._mutex:
            if self.state != "new":
                raise RuntimeError(f"plan folder {self.given} is {self.state}")
            try:
                self._make_parents()
                self._lock()
                self._clean_leftovers()
                _judge_existing(self.target, self.given, self.force)
                if os.path.lexists(self._aside):
                    raise OutputError(
                        f"{self._aside} is in the way: a plan run moves the old plan there while it puts the "
                        "new one in place; move it away"
                    )
                self.tmp = self._make_tmp()
                (self.tmp / PLAN_MARKER).write_text(_MARKER_TEXT, encoding="utf-8")
            except BaseException:
                self.discard()
                raise
            self.state = "open"
        return self

    def __exit__(self, *exc: object) -> None:
        self.discard()

    # ------------------------------------------------------------ steps of __enter__

    def _make_parents(self) -> None:
        missing = []
        folder = self.target.parent
        while not os.path.lexists(folder):
            missing.append(folder)
            folder = folder.parent
        for folder in reversed(missing):
            try:
                os.mkdir(folder)
            except FileExistsError:
                continue  # made by someone else meanwhile
            except OSError as exc:
                raise OutputError(f"cannot create {self.given}: cannot make folder {folder}: {exc.strerror}") from exc
            self._created.append(folder)

    def _lock(self) -> None:
        """Take the lock ``.NAME.lock`` beside the folder, or raise if another run has it."""
        self._lock_fd = _take_lock(self._lock_path, self.given, "another plan run")

    def _clean_leftovers(self) -> None:
        """Restore or remove what an interrupted run left beside the folder (we hold the lock)."""
        pattern = re.compile(rf"\.{re.escape(self.target.name)}\.([a-z0-9_]{{8}}|old)")
        old = self._aside
        if not os.path.lexists(self.target) and old.is_dir() and not old.is_symlink() and is_plan_folder(old):
            os.rename(old, self.target)
            logger.warning("restored the plan folder %s that an interrupted run had moved aside", self.given)
        for entry in self.target.parent.iterdir():
            if pattern.fullmatch(entry.name) and entry.is_dir() and not entry.is_symlink() and _only_plan_files(entry):
                _remove_tree(entry)
                logger.info("removed %s, left by an interrupted run", entry)

    def _make_tmp(self) -> Path:
        while True:
            tmp = self.target.with_name(f".{self.target.name}.{secrets.token_hex(4)}")
            try:
                os.mkdir(tmp)  # mode 0o777 less the umask, like any folder the user makes
            except FileExistsError:
                continue
            except OSError as exc:
                raise OutputError(f"cannot write {self.given}: {exc.strerror} ({tmp.parent})") from exc
            return tmp

    # ------------------------------------------------------------ ending

    def commit(self) -> Path:
        """Put the written folder in place of the target and return the target.

        Raises
        ------
        layout_opt.errors.OutputError
            If, since the folder was checked, something that is not a plan folder (or,
            without ``force``, any plan folder) appeared at the target; the written
            folder is then discarded.
        """
        with self._mutex:
            if self.state != "open" or self.tmp is None:
                raise RuntimeError(f"plan folder {self.given} is {self.state}, not open")
            target = self.target
            _judge_existing(target, self.given, self.force)
            if os.path.lexists(target):
                old = self._aside
                if os.path.lexists(old):
                    raise OutputError(f"{old} appeared during the run and is in the way; move it away")
                os.rename(target, old)
                try:
                    os.rename(self.tmp, target)
                except BaseException:
                    os.rename(old, target)
                    raise
                _remove_tree(old)
            else:
                os.rename(self.tmp, target)
            self.state = "committed"
            self._created.clear()
            return target

    def discard(self) -> None:
        """Remove the temporary folder and what the folder created, and release the lock.

        Safe to call from another thread (e.g. on a signal) and more than once; after a
        commit it only releases the lock.
        """
        with self._mutex:
            if self.state in ("new", "open"):
                if self.tmp is not None:
                    _remove_tree(self.tmp)
                self.state = "discarded"
            if self._lock_fd is not None:
                with suppress(OSError):
                    os.unlink(self._lock_path)
                with suppress(OSError):
                    os.close(self._lock_fd)
                self._lock_fd = None
            for folder in reversed(self._created):
                with suppress(OSError):
                    os.rmdir(folder)  # only if still empty
            self._created.clear()


def _only_plan_files(folder: Path) -> bool:
    """Whether ``folder`` holds nothing but (possibly partial) plan files."""
    try:
        entries = list(folder.iterdir())
    except OSError:
        return False
    return all(
        p.is_file()
        and not p.is_symlink()
        and (p.name in PLAN_FILES or p.name == PLAN_MARKER or p.name.startswith("plan.gpkg-"))
        for p in entries
    )


def _remove_tree(path: Path) -> None:
    """Remove a folder tree; retried, since a writer may still be adding files."""
    for _ in range(5):
        try:
            shutil.rmtree(path)
            return
        except FileNotFoundError:
            return
        except OSError:
            continue
    if os.path.lexists(path):
        logger.warning("could not remove %s; remove it by hand", path)


def write_plan(
    plan,
    folder: str | os.PathLike | PlanFolder,
    policy_projects: pd.DataFrame | None = None,
    bus_plan=None,
    force: bool = False,
    log_text: str | None = None,
    violations: pd.DataFrame | None = None,
    timings: dict | None = None,
    render_aside: bool = False,
) -> Path:
    """Write a plan folder atomically.

    Files: ``summary.json``, ``assignments.csv``, ``schools.csv``, ``closures.csv``,
    ``pupils.csv``, ``catchments.csv``, ``moves.csv``, ``routes.csv`` (the buses of every
    plan year, when routed), ``plan.gpkg`` (schools, villages, assignment lines, and the
    last year's bus routes),
    ``plan.xlsx`` (Chinese sheets), ``report.html``, and, when given, ``routes.csv``,
    ``violations.csv``, ``timings.json`` (wall-clock seconds, kept out of
    ``summary.json`` so that two runs give identical files) and ``run.log``; and the
    marker :data:`PLAN_MARKER`.  The folder is built beside the target and renamed into
    place (see :class:`PlanFolder`); an existing plan folder is replaced only with
    ``force``, anything else never.

    Parameters
    ----------
    plan : layout_opt.Plan
        The plan.
    folder : path-like or PlanFolder
        Target folder, or a :class:`PlanFolder` already entered (then ``force`` is its
        own); it is committed.
    policy_projects : pandas.DataFrame, optional
        From :func:`read_policy_projects`, for the report's comparison.
    bus_plan : layout_opt.routing.BusPlan, optional
        School-bus routes of one year to include besides the plan's own (``plan.buses``).
    force : bool
        Replace an existing plan folder.
    log_text : str, optional
        The run's log, saved as ``run.log``.
    violations : pandas.DataFrame, optional
        Rule violations found by :func:`layout_opt.check.check_plan` (written if any).
    timings : dict, optional
        Seconds per step, saved as ``timings.json``.
    render_aside : bool
        Render ``report.html`` in a forked child process while the other files are
        written (the same bytes, a few seconds sooner), for a caller whose other
        threads hold no lock the child would need (the command line's).

    Returns
    -------
    pathlib.Path
        The folder written (absolute).

    Raises
    ------
    layout_opt.errors.OutputError
        If the folder may not or cannot be written (see :class:`PlanFolder`).
    """
    from . import report

    if not isinstance(folder, PlanFolder):
        with PlanFolder(folder, force=force) as out:
            return write_plan(
                plan,
                out,
                policy_projects,
                bus_plan,
                log_text=log_text,
                violations=violations,
                timings=timings,
                render_aside=render_aside,
            )
    tmp = _open_tmp(folder)
    summary = dict(plan.summary)
    solver = dict(summary["solver"])
    seconds = solver.pop("seconds", None)
    summary["solver"] = solver
    buses = dict(getattr(plan, "buses", {}) or {})
    if bus_plan is not None:
        buses[int(bus_plan.year)] = bus_plan
    write_json(summary, tmp / "summary.json")
    write_json({"solver_seconds": seconds, **(timings or {})}, tmp / "timings.json")
    if violations is not None and len(violations):
        write_csv(violations, tmp / "violations.csv")
    write_csv(plan.assignments, tmp / "assignments.csv")
    write_csv(plan.schools, tmp / "schools.csv")
    write_csv(plan.closures, tmp / "closures.csv")
    for name in ("pupils", "catchments", "moves"):
        table = getattr(plan, name, None)
        if table is not None and len(table.columns):
            write_csv(table, tmp / f"{name}.csv")
    last_buses = buses[max(buses)] if buses else None
    if buses:
        write_csv(
            pd.concat([b.routes.assign(year=y) for y, b in sorted(buses.items())], ignore_index=True)[
                ["year", *buses[max(buses)].routes.columns]
            ],
            tmp / "routes.csv",
        )
    # the report (its maps and charts most of the time) renders beside the other files
    with _Aside(report.render_html, plan, policy_projects, bus_plan=last_buses, fork=render_aside) as page:
        _write_gpkg(plan, tmp / "plan.gpkg", last_buses)
        # wall-clock seconds go to timings.json only: the workbook shows the summary without them
        sheets = report.workbook_sheets(dataclasses.replace(plan, summary=summary), policy_projects)
        write_xlsx(sheets, tmp / "plan.xlsx")
        write_text(page.result(), tmp / "report.html")
    if log_text is not None:
        write_text(log_text, tmp / "run.log")
    return folder.commit()


class _Aside:
    """``function(*args, **kwargs)`` run in a forked child process while this one goes
    on; :meth:`result` waits for it (the child's exception is raised here).  As a
    context manager, leaving the block stops a child whose result was not taken.

    With ``fork`` false, where there is no ``fork`` start method, in a daemonic process
    (a pool or cluster worker) and where the child dies, ``function`` runs in this
    process instead: the result is the same.  The caller asks for a fork only where no
    other thread of this process may hold a lock the child would need.
    """

    def __init__(self, function: Callable, *args, fork: bool = True, **kwargs) -> None:
        self._call = lambda: function(*args, **kwargs)
        self._child = None
        methods = multiprocessing.get_all_start_methods()
        if not fork or "fork" not in methods or multiprocessing.current_process().daemon:
            return
        context = multiprocessing.get_context("fork")
        self._receive, send = context.Pipe(duplex=False)
        self._child = context.Process(target=_send_result, args=(send, function, args, kwargs), daemon=True)
        self._child.start()
        send.close()

    def result(self) -> object:
        """The function's result (computed here if there is no child, or it died)."""
        if self._child is None:
            return self._call()
        try:
            ok, value = self._receive.recv()
        except EOFError:  # the child died without a word
            ok, value = None, None
        finally:
            self._stop()
        if ok is None:
            return self._call()
        if not ok:
            raise value
        return value

    def _stop(self) -> None:
        if self._child is None:
            return
        self._receive.close()
        if self._child.is_alive():
            self._child.terminate()
        self._child.join()
        self._child = None

    def __enter__(self) -> _Aside:
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop()


def _send_result(send, function: Callable, args: tuple, kwargs: dict) -> None:
    """Run in the child of :class:`_Aside`: send ``(True, result)`` or ``(False, exception)``.
    The parent's signal handlers (which undo an unfinished plan folder) are not the child's."""
    signal.set_wakeup_fd(-1)
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, signal.SIG_DFL)
    try:
        send.send((True, function(*args, **kwargs)))
    except BaseException as exc:  # handed to the parent, which raises it
        send.send((False, exc))
    finally:
        send.close()


def write_infeasible(
    error: InfeasibleError,
    folder: str | os.PathLike | PlanFolder,
    scenario: Scenario,
    force: bool = False,
    log_text: str | None = None,
) -> Path:
    """Write the folder of a run that found no plan: ``infeasible.txt``, ``summary.json``, ``run.log``.

    ``infeasible.txt`` holds the explanation (:attr:`InfeasibleError.explanation`),
    ``summary.json`` the status ``"infeasible"``, the reasons, their details and the
    scenario.  The folder is written like a plan folder (:func:`write_plan`).

    Returns
    -------
    pathlib.Path
        The folder written (absolute).
    """
    if not isinstance(folder, PlanFolder):
        with PlanFolder(folder, force=force) as out:
            return write_infeasible(error, out, scenario, log_text=log_text)
    tmp = _open_tmp(folder)
    write_text(error.explanation + "\n", tmp / "infeasible.txt")
    write_json(
        {"status": "infeasible", "reasons": error.reasons, "details": error.details, "scenario": scenario.to_dict()},
        tmp / "summary.json",
    )
    if log_text is not None:
        write_text(log_text, tmp / "run.log")
    return folder.commit()


def _open_tmp(folder: PlanFolder) -> Path:
    if folder.state != "open" or folder.tmp is None:
        raise RuntimeError(f"plan folder {folder.given} is {folder.state}; use it inside its with block")
    return folder.tmp


def write_xlsx(sheets: Mapping[str, pd.DataFrame], path: str | os.PathLike) -> None:
    """Write one sheet per table, styled for print (:func:`layout_opt.report.styled_workbook`:
    bold frozen headers, autofilters, widths, number formats, landscape A4 fitted to the
    width); equal tables give byte-identical files.

    The workbook's created and modified properties and the dates of its ZIP entries are
    :data:`FILE_DATE`, not the time of writing.
    """
    from .report import styled_workbook

    buffer = BytesIO()
    wb = styled_workbook(sheets)
    wb.properties.created = wb.properties.modified = FILE_DATE.replace(tzinfo=None)
    wb.save(buffer)
    Path(path).write_bytes(_fixed_zip_dates(buffer.getvalue()))


def _fixed_zip_dates(data: bytes) -> bytes:
    """An Office (ZIP) file with :data:`FILE_DATE` as entry dates and document dates."""
    stamp = FILE_DATE.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    out = BytesIO()
    with zipfile.ZipFile(BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            content = src.read(info)
            if info.filename == "docProps/core.xml":
                content = re.sub(
                    rb"(<dcterms:(created|modified)\b[^>]*>)[^<]*(</dcterms:\2>)", rb"\g<1>" + stamp + rb"\3", content
                )
            entry = zipfile.ZipInfo(info.filename, date_time=FILE_DATE.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            dst.writestr(entry, content)
    return out.getvalue()


@contextmanager
def _gdal_options(**options: str) -> Iterator[None]:
    """Set GDAL configuration options for the block, restoring the previous values."""
    import pyogrio

    before = {k: pyogrio.get_gdal_config_option(k) for k in options}
    pyogrio.set_gdal_config_options(options)
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options(before)


def _write_gpkg(plan, path: Path, bus_plan=None) -> None:
    """Schools (last plan year), villages and assignment lines, WGS84, one layer each; the
    coded fields (``status``, ``kind``, ``band``, ``mode``) have Chinese labels beside them
    (``状态``, ``学校类型``, ``学段``, ``走读寄宿``).

    The layers' ``last_change`` is :data:`FILE_DATE`, so that equal plans give identical files.
    """
    from shapely import LineString

    from .schema import BAND_ZH, KIND_ZH, MODE_ZH, STATUS_ZH

    d = plan.district
    last = int(plan.schools["year"].max())
    schools = plan.school_table(last)
    layers = {
        # Chinese labels beside the coded fields, for a GIS user's map legend
        "schools": schools.assign(
            状态=schools["status"].map(STATUS_ZH).fillna(schools["status"]),
            学校类型=schools["kind"].map(KIND_ZH).fillna(schools["kind"]),
        ),
        "villages": d.villages[["village_id", "name", "town", "ur_code", "population", "geometry"]],
    }
    vx = d.villages.set_index("village_id").geometry
    sx = d.schools.set_index("school_id").geometry
    a = plan.assignments.assign(
        学段=plan.assignments["band"].map(BAND_ZH), 走读寄宿=plan.assignments["mode"].map(MODE_ZH)
    )
    layers["assignment_lines"] = gpd.GeoDataFrame(
        a,
        geometry=[LineString([vx[v].coords[0], sx[s].coords[0]]) for v, s in zip(a["village_id"], a["school_id"])],
        crs=d.crs,
    )
    if bus_plan is not None:
        routes = bus_plan.route_lines()
        if len(routes):
            layers["bus_routes"] = routes
    with _gdal_options(OGR_CURRENT_DATE=FILE_DATE.strftime("%Y-%m-%dT%H:%M:%S.000Z")):
        for name, layer in layers.items():
            layer.to_crs("EPSG:4326").to_file(path, layer=name, driver="GPKG", engine="pyogrio")


# --------------------------------------------------------------------------- runs of many plans

#: File in every folder of a sweep or batch run (one plan folder per scenario or district,
#: and the run's tables): a later run may use the folder again and resume.
RUNS_MARKER = ".layout_opt_runs"
_RUNS_MARKER_TEXT = (
    "A folder of plan folders written by layout-opt sweep or batch; a later run on it reuses the finished plans.\n"
)
_RUNS_LOCK = ".layout_opt_runs.lock"


def folders_among(paths: Iterable[str | os.PathLike]) -> list[Path]:
    """The ``paths`` that are folders (a scenario folder among scenario files)."""
    return [Path(p) for p in paths if Path(p).is_dir()]


def scenario_files(paths: Iterable[str | os.PathLike]) -> list[Path]:
    """The scenario files of a sweep: each file as given, each folder's ``*.toml`` files by name.

    Raises
    ------
    layout_opt.errors.ValidationError
        If a path does not exist, or a folder holds no ``.toml`` file.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> for name in ("b.toml", "a.toml", "notes.txt"):
    ...     _ = (folder / name).write_text("", encoding="utf-8")
    >>> [p.name for p in scenario_files([folder])]
    ['a.toml', 'b.toml']
    """
    out: list[Path] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            files = sorted((p for p in path.iterdir() if p.suffix == ".toml" and p.is_file()), key=lambda p: p.name)
            if not files:
                raise ValidationError([Problem(str(path), "-", "-", "the folder holds no scenario file (*.toml)")])
            out.extend(files)
        elif path.is_file():
            out.append(path)
        else:
            raise ValidationError([Problem(str(path), "-", "-", "scenario file or folder not found")])
    return out


def district_folders(folder: str | os.PathLike) -> list[Path]:
    """The district folders of a batch: the sub-folders of ``folder`` by name (hidden ones left out).

    Every sub-folder counts; one that is not a valid district fails on its own when it is
    read (:func:`read_district`), without stopping the others.

    Raises
    ------
    layout_opt.errors.ValidationError
        If ``folder`` is not a folder or holds no sub-folder.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise ValidationError([Problem(str(folder), "-", "-", "folder of district folders not found")])
    out = sorted((p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")), key=lambda p: p.name)
    if not out:
        raise ValidationError([Problem(str(folder), "-", "-", "holds no district folder")])
    return out


def read_plan_summary(folder: str | os.PathLike) -> dict | None:
    """``summary.json`` of a finished plan folder (a plan, or a run that found none).

    Returns
    -------
    dict or None
        None when ``folder`` is not a plan folder (:func:`is_plan_folder`).

    Raises
    ------
    layout_opt.errors.OutputError
        If it is a plan folder without a readable ``summary.json``.
    """
    folder = Path(folder)
    if not is_plan_folder(folder):
        return None
    try:
        summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise OutputError(f"{folder} is a plan folder without a readable summary.json ({exc})") from exc
    if not isinstance(summary, dict):
        raise OutputError(f"{folder} is a plan folder whose summary.json is not an object")
    return summary


class RunsFolder:
    """The folder of a sweep or batch run: one plan folder per scenario or district and the run's tables.

    Making one checks the path, changing nothing on disk: it may not be, contain or lie
    inside an input, and an existing folder must be empty or one that a sweep or batch
    run wrote (with :data:`RUNS_MARKER`).  Entering creates it (and missing parents),
    writes the marker and takes a lock that keeps a second run on the same folder out;
    leaving releases the lock.  Plan folders inside are written as :class:`PlanFolder`
    does, each on its own (locked, built beside its place, renamed into place), so that an
    interrupted run leaves finished plans complete and nothing half-written.

    Parameters
    ----------
    out : path-like
        The folder.
    inputs : mapping of str to path-like, optional
        The run's inputs by role (see :func:`check_output`).

    Raises
    ------
    layout_opt.errors.OutputError
        When made, if the path is refused; when entered, if it cannot be created or
        another run holds its lock.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> import pandas as pd
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> with RunsFolder(root / "runs") as runs:
    ...     runs.write_table(pd.DataFrame({"scenario": ["a"]}), "sweep.csv")
    >>> sorted(p.name for p in (root / "runs").iterdir())
    ['.layout_opt_runs', 'sweep.csv']
    """

    def __init__(self, out: str | os.PathLike, *, inputs: Mapping[str, str | os.PathLike | None] | None = None):
        self.given = Path(out)
        target = _resolve_output(self.given, "the plans")
        _refuse_inputs(target, self.given, inputs, "the plans")
        if os.path.lexists(target):
            if not target.is_dir():
                raise OutputError(f"{self.given} is a file, not a folder for the plans")
            if not (target / RUNS_MARKER).is_file() and not _is_empty_folder(target):
                what = "a plan folder" if is_plan_folder(target) else "not a folder of a sweep or batch run"
                raise OutputError(
                    f"{self.given} exists and is {what} (it has no {RUNS_MARKER} file); choose another folder, "
                    "or an empty one"
                )
        _check_writable(target, self.given)
        self.path = target
        self._lock_fd: int | None = None

    def plan_folder(self, label: str) -> Path:
        """The plan folder of one scenario or district (``district/scenario``: a folder in a folder)."""
        return self.path.joinpath(*label.split("/"))

    def __enter__(self) -> RunsFolder:
        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(f"cannot create {self.given}: {exc.strerror}") from exc
        self._lock()
        marker = self.path / RUNS_MARKER
        if not marker.exists():
            write_text(_RUNS_MARKER_TEXT, marker)
        return self

    def _lock(self) -> None:
        """Take the lock file inside the folder, or raise if another run holds it (as :class:`PlanFolder`)."""
        self._lock_fd = _take_lock(self.path / _RUNS_LOCK, self.given, "another run")

    def __exit__(self, *exc: object) -> None:
        if self._lock_fd is None:
            return
        with suppress(OSError):
            os.unlink(self.path / _RUNS_LOCK)
        with suppress(OSError):
            os.close(self._lock_fd)
        self._lock_fd = None

    def write_table(self, table: pd.DataFrame, name: str, index: bool = False) -> Path:
        """Write one of the run's tables (UTF-8 CSV with BOM, as :func:`write_csv`), replacing it whole."""
        path = self.path / name
        tmp = self.path / f".{name}.{secrets.token_hex(4)}"
        try:
            table.to_csv(tmp, index=index, encoding="utf-8-sig", lineterminator="\n")
            os.replace(tmp, path)
        finally:
            with suppress(FileNotFoundError):
                os.unlink(tmp)
        return path
