"""OpenStreetMap roads as the road table of a district: tags to road classes and speeds.

:func:`layout_opt.io.read_osm_roads` reads an extract (``.osm.pbf``, ``.osm``, GraphML)
and hands its ways to :func:`osm_roads_frame`; :func:`roads_from_networkx` does the same
for a street graph held in memory (as osmnx builds).  Each way with a ``highway`` tag
that :data:`OSM_HIGHWAY_CLASS` maps becomes a line whose ``road_class`` sets the bus
speed (:data:`layout_opt.schema.ROAD_CLASS_SPEED_KMH`); a posted ``maxspeed`` caps it.
Nothing here reads a file or the network.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .schema import ROAD_CLASSES

if TYPE_CHECKING:  # pragma: no cover
    import networkx as nx

logger = logging.getLogger(__name__)

#: OpenStreetMap ``highway`` value -> road class of :data:`layout_opt.schema.ROAD_CLASS_SPEED_KMH`.
#: Chinese OSM practice: ``motorway`` 高速公路, ``trunk`` 国道 / urban expressway,
#: ``primary`` 省道, ``secondary`` 县道, ``tertiary`` 乡道, ``unclassified`` and
#: ``residential`` 村道.  Values not listed (``track``, ``path``, ``footway``,
#: ``cycleway``, ``steps``, ``pedestrian``, ``construction``, ...) are not bus roads and
#: are dropped; pass an extended table to keep them (e.g. ``{"track": "village"}``).
OSM_HIGHWAY_CLASS: dict[str, str] = {
    "motorway": "expressway",
    "motorway_link": "expressway",
    "trunk": "trunk",
    "trunk_link": "trunk",
    "primary": "trunk",
    "primary_link": "trunk",
    "secondary": "county",
    "secondary_link": "county",
    "tertiary": "township",
    "tertiary_link": "township",
    "unclassified": "village",
    "residential": "village",
    "living_street": "village",
    "road": "village",
    "service": "village",
}

#: OSM ``access`` values that close a way to a school bus.
OSM_NO_ACCESS: frozenset[str] = frozenset({"no", "private"})


def osm_road_class(highway: object, highway_classes: Mapping[str, str] | None = None) -> str | None:
    """Road class of an OSM ``highway`` value, or ``None`` if buses do not use it.

    Parameters
    ----------
    highway : str or sequence of str
        One ``highway`` value, a list of them (osmnx merges edges), or the text of such
        a list (``"['primary', 'secondary']"``, as in osmnx GraphML); the most important
        mapped class wins.
    highway_classes : Mapping[str, str], optional
        Mapping to use instead of :data:`OSM_HIGHWAY_CLASS`.
    """
    table = OSM_HIGHWAY_CLASS if highway_classes is None else highway_classes
    if highway is None or (isinstance(highway, float) and math.isnan(highway)):
        return None
    if isinstance(highway, str):
        values = re.findall(r"[A-Za-z_]+", highway) if highway.startswith("[") else [highway]
    else:
        values = [str(h) for h in highway]
    classes = [table[v] for v in values if v in table]
    if not classes:
        return None
    return min(classes, key=lambda c: ROAD_CLASSES.index(c) if c in ROAD_CLASSES else len(ROAD_CLASSES))


def parse_maxspeed_kmh(value: object) -> float:
    """Posted speed of an OSM ``maxspeed`` value, km/h (``nan`` if not a number).

    ``"60"`` -> 60, ``"30 mph"`` -> 48.3, ``"50;60"`` -> 50, ``"none"`` or ``"CN:rural"``
    -> nan.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return float("nan")
    if isinstance(value, (int, float)):
        return float(value)
    m = re.search(r"(\d+(?:\.\d+)?)\s*(mph)?", str(value))
    if not m:
        return float("nan")
    v = float(m.group(1))
    return v * 1.609344 if m.group(2) else v


def _truthy(value: object) -> bool:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return False
    return str(value).strip().lower() not in ("", "no", "false", "0")


def osm_roads_frame(
    raw: gpd.GeoDataFrame,
    crs: object | None = None,
    highway_classes: Mapping[str, str] | None = None,
) -> gpd.GeoDataFrame:
    """Bus roads from OSM ways: classes mapped, closed ways dropped, metric CRS.

    Parameters
    ----------
    raw : geopandas.GeoDataFrame
        One line per OSM way (or osmnx edge) with the tags ``highway`` and optionally
        ``name``, ``bridge``, ``maxspeed``, ``access``, and ``osm_id``.
    crs : CRS-like, optional
        Metric CRS of the result; by default the UTM zone of the data
        (EPSG:32649 for Mengjin).
    highway_classes : Mapping[str, str], optional
        ``highway`` -> road class; defaults to :data:`OSM_HIGHWAY_CLASS`.

    Returns
    -------
    geopandas.GeoDataFrame
        ``road_id`` (``osm<id>``, suffixed when an id repeats), ``road_class``,
        ``highway``, ``name``, ``bridge`` (bool), ``maxspeed_kmh`` (posted limit, km/h,
        ``nan`` if none), ``osm_id`` and LineString geometry.

    Raises
    ------
    ValueError
        If no way is a bus road.
    """
    df = raw.copy()
    for col in ("highway", "name", "bridge", "maxspeed", "access", "osm_id"):
        if col not in df.columns:
            df[col] = None
    df["road_class"] = [osm_road_class(h, highway_classes) for h in df["highway"]]
    closed = df["access"].map(lambda a: isinstance(a, str) and a.strip().lower() in OSM_NO_ACCESS)
    df = df[df["road_class"].notna() & ~closed & df.geometry.notna() & ~df.geometry.is_empty]
    if len(df) == 0:
        raise ValueError("no road in the OSM data is usable by a bus (no mapped highway tag)")
    df = df.reset_index(drop=True)
    if df.crs is None:
        df = df.set_crs("EPSG:4326")
    target = crs if crs is not None else (df.estimate_utm_crs() if df.crs.is_geographic else df.crs)
    df = df.to_crs(target)
    base = pd.Series(
        ["osm" + str(i) if i is not None and str(i) != "nan" else f"osm-{k}" for k, i in enumerate(df["osm_id"])]
    )
    rep = base.groupby(base).cumcount()
    road_id = np.where(base.duplicated(keep=False), base + "-" + rep.astype(str), base)
    out = gpd.GeoDataFrame(
        {
            "road_id": road_id,
            "road_class": df["road_class"].astype(str).to_numpy(),
            "highway": df["highway"]
            .map(lambda h: h if isinstance(h, str) else ";".join(map(str, h)) if h is not None else "")
            .to_numpy(),
            "name": df["name"]
            .map(lambda s: "" if s is None or (isinstance(s, float) and math.isnan(s)) else str(s))
            .to_numpy(),
            "bridge": df["bridge"].map(_truthy).to_numpy(bool),
            "maxspeed_kmh": df["maxspeed"].map(parse_maxspeed_kmh).to_numpy(float),
            "osm_id": df["osm_id"].map(lambda i: "" if i is None else str(i)).to_numpy(),
        },
        geometry=df.geometry.to_numpy(),
        crs=df.crs,
    )
    logger.info("OSM roads: %d lines, classes %s", len(out), out["road_class"].value_counts().to_dict())
    return out


def roads_from_networkx(
    g: nx.Graph, highway_classes: Mapping[str, str] | None = None, crs: object | None = None
) -> gpd.GeoDataFrame:
    """Bus roads from an OSM street graph (osmnx style) held in memory.

    Nodes need ``x`` and ``y`` (in the graph's ``crs`` attribute, WGS84 by default);
    edges carry ``highway`` and optionally ``geometry`` (a LineString or its WKT),
    ``name``, ``bridge``, ``maxspeed``, ``access``, ``osmid``.  The two directions of a
    two-way street become one line.

    Parameters
    ----------
    g : networkx.Graph
        Any networkx graph (``MultiDiGraph`` from osmnx, or read from GraphML).
    highway_classes : Mapping[str, str], optional
        ``highway`` -> road class; defaults to :data:`OSM_HIGHWAY_CLASS`.
    crs : CRS-like, optional
        Metric CRS of the result (default: the UTM zone of the data).

    Returns
    -------
    geopandas.GeoDataFrame
        As :func:`osm_roads_frame`.
    """
    node_xy = {n: (float(d["x"]), float(d["y"])) for n, d in g.nodes(data=True)}
    rows = []
    seen: set[tuple] = set()
    edges = g.edges(keys=True, data=True) if g.is_multigraph() else ((u, v, 0, d) for u, v, d in g.edges(data=True))
    for u, v, _key, d in edges:
        geom = d.get("geometry")
        if isinstance(geom, str):
            geom = shapely.from_wkt(geom)
        if geom is None:
            geom = shapely.LineString([node_xy[u], node_xy[v]])
        norm = shapely.normalize(geom)
        sig = (frozenset((u, v)), shapely.to_wkb(norm))
        if sig in seen:
            continue
        seen.add(sig)
        osmid = d.get("osmid")
        rows.append(
            {
                "highway": d.get("highway"),
                "name": d.get("name"),
                "bridge": d.get("bridge"),
                "maxspeed": d.get("maxspeed"),
                "access": d.get("access"),
                "osm_id": ";".join(re.findall(r"\d+", str(osmid))) if osmid is not None else None,
                "geometry": geom,
            }
        )
    src_crs = g.graph.get("crs") or "EPSG:4326"
    raw = gpd.GeoDataFrame(
        rows,
        columns=["highway", "name", "bridge", "maxspeed", "access", "osm_id", "geometry"],
        geometry="geometry",
        crs=src_crs,
    )
    return osm_roads_frame(raw, crs=crs, highway_classes=highway_classes)
