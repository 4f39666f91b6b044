"""Bus travel times from villages to schools over the road network.

The pipeline, each step a pure function:

1. :func:`build_road_graph` turns road lines into a :class:`RoadGraph`: every vertex of
   every line is a node (lines meet where they share a vertex, so a bridge over a road
   does not connect to it), every segment an undirected edge taking
   ``length / speed`` minutes at the bus speed of its road class, capped by the
   school-bus law (:func:`edge_speed_kmh`).
2. :func:`attach_points` snaps villages and schools to the nearest road *segment*: the
   segment is split at the foot of the perpendicular, and the point joins the network
   there by an access leg (walked, or a short drive) that is added to the trip but
   never used as a road by other trips.
3. :func:`shortest_minutes` cuts dead ends off the graph (a school at the end of its
   access road is reached through the road's other end) and runs
   :func:`scipy.sparse.csgraph.dijkstra` from each distinct node of the smaller set of
   places (graphs are undirected), limited to the cutoff (the scenario's longest
   trip).  A plain :mod:`networkx` loop computes the same numbers
   (``engine="networkx"``) and serves as the reference in tests and benchmarks;
   :meth:`RoadGraph.to_networkx` gives the graph itself for inspection.
4. :func:`travel_time_matrix` ties them together and returns a :class:`TravelMatrix`
   labelled by ids, with ``inf`` (never 0) for pairs beyond the cutoff or unreachable.

Without a road network, :func:`straight_line_matrix` estimates minutes as
``detour factor x distance / speed`` and flags the result as approximate.

Road lines from OpenStreetMap (read by :func:`layout_opt.io.read_osm_roads`) get their
road class from the ``highway`` tag through :data:`OSM_HIGHWAY_CLASS`.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
import shapely
from numpy.typing import ArrayLike
from scipy.sparse.csgraph import connected_components, dijkstra
from scipy.spatial import cKDTree

from .schema import BUS_SPEED_CAP_DEFAULT_KMH, BUS_SPEED_CAP_KMH, ROAD_CLASS_SPEED_KMH, ROAD_CLASSES

if TYPE_CHECKING:  # pragma: no cover
    import networkx as nx

logger = logging.getLogger(__name__)

#: Bus speed caps of the school-bus law (校车安全管理条例 Art. 35) by road class, km/h
#: (:data:`layout_opt.schema.BUS_SPEED_CAP_KMH`).
LEGAL_CAP_KMH: dict[str, float] = BUS_SPEED_CAP_KMH
#: Bus speed cap on every other road, km/h (校车安全管理条例 Art. 35).
LEGAL_CAP_DEFAULT_KMH = BUS_SPEED_CAP_DEFAULT_KMH

#: Road classes from most to least important (used to pick one class for an OSM edge
#: that carries several ``highway`` values).
ROAD_CLASS_RANK: tuple[str, ...] = ROAD_CLASSES

#: OpenStreetMap ``highway`` value -> road class of :data:`ROAD_CLASS_SPEED_KMH`.
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

#: Straight-line fallback: circuity of rural roads (network / straight distance) and
#: mean bus speed, km/h.  Scenario defaults; calibrate them on a district's network
#: where one exists (:func:`straight_line_matrix`).
STRAIGHT_LINE_DETOUR = 1.35
STRAIGHT_LINE_SPEED_KMH = 35.0

_FAR_COLUMNS = ["id", "name", "role", "access_m"]
_CUT_COLUMNS = ["id", "name", "role", "component"]
_M_PER_MIN_PER_KMH = 1000.0 / 60.0  # metres per minute at 1 km/h


_EMPTY: dict[tuple[str, ...], pd.DataFrame] = {}


def _empty(columns: list[str]) -> pd.DataFrame:
    """An empty frame with these columns (a fresh copy each call)."""
    key = tuple(columns)
    if key not in _EMPTY:
        _EMPTY[key] = pd.DataFrame(
            {c: pd.Series(dtype=object if c in ("id", "name", "role") else float) for c in columns}
        )
    return _EMPTY[key].copy()


class DisconnectedNetworkError(ValueError):
    """Villages or schools sit on road pieces cut off from the main network.

    Attributes
    ----------
    places : pandas.DataFrame
        ``id``, ``name``, ``role`` (``village`` or ``school``) and ``component`` (label of
        the road piece) of every cut-off place.
    """

    def __init__(self, message: str, places: pd.DataFrame):
        super().__init__(message)
        self.places = places


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class TravelMatrix:
    """One-way trip minutes from each origin (village) to each destination (school).

    Attributes
    ----------
    minutes : numpy.ndarray
        Shape ``(n_origins, n_destinations)``, minutes; ``inf`` where the trip is longer
        than the cutoff or impossible (never 0 for a missing pair).  Includes the access
        legs at both ends.
    origin_ids, destination_ids : numpy.ndarray
        Ids (text) labelling rows and columns, in the order of the inputs (less the
        places dropped with ``on_disconnected="drop"``).
    cutoff_min : float
        Trips longer than this, minutes, are ``inf``.
    approximate : bool
        True for the straight-line fallback.
    method : str
        ``"network"`` or ``"straight_line"``.
    far_points : pandas.DataFrame
        Origins and destinations farther than the snapping threshold from any road:
        ``id``, ``name``, ``role`` (``village``/``school``), ``access_m`` (metres).
    disconnected : pandas.DataFrame
        Places on road pieces cut off from the main network: ``id``, ``name``, ``role``,
        ``component``.
    origin_access_m, destination_access_m : numpy.ndarray
        Length of each place's access leg to the road, metres (empty for the
        straight-line fallback).
    """

    minutes: np.ndarray
    origin_ids: np.ndarray
    destination_ids: np.ndarray
    cutoff_min: float
    approximate: bool = False
    method: str = "network"
    far_points: pd.DataFrame = field(default_factory=lambda: _empty(_FAR_COLUMNS))
    disconnected: pd.DataFrame = field(default_factory=lambda: _empty(_CUT_COLUMNS))
    origin_access_m: np.ndarray = field(default_factory=lambda: np.zeros(0))
    destination_access_m: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @property
    def shape(self) -> tuple[int, int]:
        """``(n_origins, n_destinations)``."""
        return self.minutes.shape  # type: ignore[return-value]

    def to_frame(self) -> pd.DataFrame:
        """Dense labelled frame of minutes: rows ``village_id``, columns ``school_id``."""
        return pd.DataFrame(
            self.minutes,
            index=pd.Index(self.origin_ids, name="village_id"),
            columns=pd.Index(self.destination_ids, name="school_id"),
        )

    def to_long(self) -> pd.DataFrame:
        """Reachable pairs only: ``village_id``, ``school_id``, ``travel_min``."""
        r, c = np.nonzero(np.isfinite(self.minutes))
        return pd.DataFrame(
            {"village_id": self.origin_ids[r], "school_id": self.destination_ids[c], "travel_min": self.minutes[r, c]}
        )

    def to_sparse(self) -> sp.csr_array:
        """Reachable pairs as a sparse array of minutes.

        A pair is reachable exactly when it is *stored*; a stored value may be 0.0 (a
        village at its school), so do not call ``eliminate_zeros`` on the result.
        Rows and columns follow :attr:`origin_ids` and :attr:`destination_ids`.
        """
        r, c = np.nonzero(np.isfinite(self.minutes))
        return sp.csr_array((self.minutes[r, c], (r, c)), shape=self.minutes.shape)

    def subset(self, origin_ids: Iterable | None = None, destination_ids: Iterable | None = None) -> TravelMatrix:
        """The matrix restricted (and ordered) to the given ids.

        Raises
        ------
        KeyError
            Naming the ids that are not in the matrix.
        """
        oi = self._positions(self.origin_ids, origin_ids, "village")
        di = self._positions(self.destination_ids, destination_ids, "school")
        return TravelMatrix(
            minutes=self.minutes[np.ix_(oi, di)],
            origin_ids=self.origin_ids[oi],
            destination_ids=self.destination_ids[di],
            cutoff_min=self.cutoff_min,
            approximate=self.approximate,
            method=self.method,
            far_points=self.far_points,
            disconnected=self.disconnected,
            origin_access_m=self.origin_access_m[oi] if len(self.origin_access_m) else self.origin_access_m,
            destination_access_m=self.destination_access_m[di]
            if len(self.destination_access_m)
            else self.destination_access_m,
        )

    @staticmethod
    def _positions(have: np.ndarray, want: Iterable | None, role: str) -> np.ndarray:
        if want is None:
            return np.arange(len(have))
        want = [str(x) for x in want]
        pos = pd.Index(have).get_indexer(want)
        if (pos < 0).any():
            missing = [w for w, p in zip(want, pos) if p < 0]
            raise KeyError(
                f"{len(missing)} {role} id(s) not in the travel matrix: {', '.join(missing[:10])}{' ...' if len(missing) > 10 else ''}"
            )
        return pos


@dataclass(frozen=True)
class RoadGraph:
    """Road network as an undirected sparse graph of bus minutes.

    Nodes are road vertices (plus, after :func:`attach_points`, the feet of the places'
    access legs); each undirected edge is stored once in the ``edge_*`` arrays
    (``edge_u < edge_v``) and twice in :attr:`matrix`.

    Attributes
    ----------
    matrix : scipy.sparse.csr_matrix
        Symmetric ``(n, n)`` edge minutes between nodes.
    node_xy : numpy.ndarray
        Node coordinates, metres, shape ``(n, 2)``.
    component : numpy.ndarray
        Connected-component label of each node.
    edge_u, edge_v : numpy.ndarray
        End nodes of each edge (``edge_u < edge_v``).
    edge_minutes : numpy.ndarray
        Bus minutes along each edge.
    edge_length_m : numpy.ndarray
        Length of each edge, metres.
    edge_class : numpy.ndarray
        Road class of each edge.
    edge_road : numpy.ndarray
        Row position, in the input road table, of the line the edge belongs to.
    crs : object
        CRS of the coordinates (that of the road table), or ``None``.
    """

    matrix: sp.csr_matrix
    node_xy: np.ndarray
    component: np.ndarray
    edge_u: np.ndarray
    edge_v: np.ndarray
    edge_minutes: np.ndarray
    edge_length_m: np.ndarray
    edge_class: np.ndarray
    edge_road: np.ndarray
    crs: object = None

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return len(self.node_xy)

    @property
    def n_edges(self) -> int:
        """Number of undirected edges."""
        return len(self.edge_u)

    def to_networkx(self) -> nx.Graph:
        """The graph as a :class:`networkx.Graph`.

        Nodes are the integer node positions with ``x``, ``y`` (metres); edges carry
        ``minutes``, ``length_m``, ``road_class`` and ``road`` (row of the road table).
        """
        import networkx as nx

        g = nx.Graph(crs=self.crs)
        g.add_nodes_from((k, {"x": float(x), "y": float(y)}) for k, (x, y) in enumerate(self.node_xy))
        g.add_edges_from(
            (int(u), int(v), {"minutes": float(t), "length_m": float(ln), "road_class": str(c), "road": int(r)})
            for u, v, t, ln, c, r in zip(
                self.edge_u, self.edge_v, self.edge_minutes, self.edge_length_m, self.edge_class, self.edge_road
            )
        )
        return g


def _graph_from_edges(
    node_xy: np.ndarray,
    u: np.ndarray,
    v: np.ndarray,
    minutes: np.ndarray,
    length_m: np.ndarray,
    cls: np.ndarray,
    road: np.ndarray,
    crs: object,
) -> RoadGraph:
    """Assemble a :class:`RoadGraph`, keeping the fastest of parallel edges."""
    n = len(node_xy)
    lo, hi = np.minimum(u, v), np.maximum(u, v)
    keep = lo != hi
    lo, hi, minutes, length_m, cls, road = lo[keep], hi[keep], minutes[keep], length_m[keep], cls[keep], road[keep]
    order = np.lexsort((minutes, hi, lo))
    lo, hi, minutes, length_m, cls, road = (
        lo[order],
        hi[order],
        minutes[order],
        length_m[order],
        cls[order],
        road[order],
    )
    first = np.ones(len(lo), dtype=bool)
    first[1:] = (lo[1:] != lo[:-1]) | (hi[1:] != hi[:-1])
    lo, hi, minutes, length_m, cls, road = (
        lo[first],
        hi[first],
        minutes[first],
        length_m[first],
        cls[first],
        road[first],
    )
    m = sp.csr_matrix(
        (np.concatenate([minutes, minutes]), (np.concatenate([lo, hi]), np.concatenate([hi, lo]))), shape=(n, n)
    )
    _, comp = connected_components(m, directed=False)
    return RoadGraph(
        matrix=m,
        node_xy=node_xy,
        component=comp,
        edge_u=lo,
        edge_v=hi,
        edge_minutes=minutes,
        edge_length_m=length_m,
        edge_class=cls,
        edge_road=road,
        crs=crs,
    )


# --------------------------------------------------------------------------- speeds


def edge_speed_kmh(
    road_class: ArrayLike,
    speeds_kmh: Mapping[str, float] | None = None,
    given_kmh: ArrayLike | None = None,
    posted_kmh: ArrayLike | None = None,
    caps_kmh: Mapping[str, float] | None = None,
    default_cap_kmh: float = LEGAL_CAP_DEFAULT_KMH,
) -> np.ndarray:
    """Bus speed per road, km/h, capped by the school-bus law.

    ``min(bus speed, posted limit, legal cap)``, where the bus speed is, in this order:
    the class's speed in ``speeds_kmh`` when the caller gives one, the road's own
    ``bus_speed_kmh``, the class's default speed.

    Parameters
    ----------
    road_class : array-like of str
        Class of each road (``expressway``, ``trunk``, ``county``, ``township``,
        ``village``).
    speeds_kmh : Mapping[str, float], optional
        Bus speed per class, km/h, overriding both the roads' own speeds and
        :data:`layout_opt.schema.ROAD_CLASS_SPEED_KMH` (expressway 80, trunk 50,
        county 40, township 30, village 20) for the classes it names.
    given_kmh : array-like of float, optional
        Per-road bus speeds, km/h (the ``bus_speed_kmh`` column); used where positive.
    posted_kmh : array-like of float, optional
        Posted speed limits, km/h (e.g. OSM ``maxspeed``); cap the speed where given.
    caps_kmh : Mapping[str, float], optional
        Legal cap per class, km/h; defaults to :data:`LEGAL_CAP_KMH` (80 on
        expressways, 校车安全管理条例 Art. 35).
    default_cap_kmh : float
        Legal cap on every other class, km/h (60).

    Returns
    -------
    numpy.ndarray
        Speeds, km/h.

    Raises
    ------
    ValueError
        For roads whose class has no speed and that have no speed of their own.
    """
    override = dict(speeds_kmh or {})
    table = {**ROAD_CLASS_SPEED_KMH, **override}
    caps = dict(LEGAL_CAP_KMH if caps_kmh is None else caps_kmh)
    classes, inv = np.unique(np.asarray(road_class, dtype=str), return_inverse=True)
    inv = inv.ravel()
    speed = np.array([table.get(c, np.nan) for c in classes], dtype=float)[inv]
    if given_kmh is not None:
        g = pd.to_numeric(pd.Series(np.asarray(given_kmh, dtype=object)), errors="coerce").to_numpy(float)
        overridden = np.array([c in override for c in classes], dtype=bool)[inv]
        speed = np.where(np.isfinite(g) & (g > 0) & ~overridden, g, speed)
    bad = ~(np.isfinite(speed) & (speed > 0))
    if bad.any():
        unknown = sorted(set(classes[inv[bad]].tolist()))
        raise ValueError(
            f"{int(bad.sum())} road(s) have no bus speed: unknown road class(es) {unknown}; give a speed for them in speeds_kmh or a bus_speed_kmh column"
        )
    cap = np.array([caps.get(c, default_cap_kmh) for c in classes], dtype=float)[inv]
    if posted_kmh is not None:
        p = pd.to_numeric(pd.Series(np.asarray(posted_kmh, dtype=object)), errors="coerce").to_numpy(float)
        cap = np.where(np.isfinite(p) & (p > 0), np.minimum(cap, p), cap)
    return np.minimum(speed, cap)


# --------------------------------------------------------------------------- graph


def build_road_graph(
    roads: gpd.GeoDataFrame,
    speeds_kmh: Mapping[str, float] | None = None,
    snap_m: float = 0.5,
    caps_kmh: Mapping[str, float] | None = None,
    default_cap_kmh: float = LEGAL_CAP_DEFAULT_KMH,
) -> RoadGraph:
    """Turn road lines into an undirected graph of bus minutes.

    Every vertex of every line is a node; vertices that fall on the same ``snap_m`` grid
    point merge, so lines connect only where they share a vertex (a bridge that crosses
    a road without a common vertex does not connect to it).  Each segment is an edge
    taking ``length / speed`` minutes, the speed from :func:`edge_speed_kmh`.  Of
    parallel segments between the same two nodes the fastest is kept.

    Parameters
    ----------
    roads : geopandas.GeoDataFrame
        LineStrings (or MultiLineStrings) in a metric CRS with ``road_class`` and
        optionally ``bus_speed_kmh`` (km/h) and ``maxspeed_kmh`` (posted limit, km/h).
    speeds_kmh : Mapping[str, float], optional
        Bus speed per class, km/h (capped by the law).
    snap_m : float
        Grid, metres, to which vertex coordinates are rounded so that lines meet.
    caps_kmh, default_cap_kmh
        Legal caps, km/h; see :func:`edge_speed_kmh`.

    Returns
    -------
    RoadGraph

    Raises
    ------
    ValueError
        If the roads are in a geographic CRS, or a road class has no speed.
    """
    if roads.crs is not None and roads.crs.is_geographic:
        raise ValueError(
            "roads must be in a metric CRS (metres); project them first, e.g. roads.to_crs(roads.estimate_utm_crs())"
        )
    if "road_class" not in roads.columns:
        raise ValueError("roads need a road_class column")

    def column(name: str) -> np.ndarray | None:
        return roads[name].to_numpy() if name in roads.columns else None

    speed_of_row = edge_speed_kmh(
        column("road_class"), speeds_kmh, column("bus_speed_kmh"), column("maxspeed_kmh"), caps_kmh, default_cap_kmh
    )
    class_of_row = roads["road_class"].to_numpy().astype(str)
    geoms = np.asarray(roads.geometry.array, dtype=object)
    valid = np.flatnonzero(~(shapely.is_missing(geoms) | shapely.is_empty(geoms)))
    parts, part_row = shapely.get_parts(geoms[valid], return_index=True)
    part_row = valid[part_row]
    coords, part_idx = shapely.get_coordinates(parts, return_index=True)
    line_idx = part_row[part_idx]  # road row of each vertex
    a = np.flatnonzero(part_idx[1:] == part_idx[:-1])  # segment from vertex a to a + 1
    if len(coords):
        # Vertices on the same grid point are one node, placed at the first of them;
        # lengths come from the unrounded coordinates.
        keys = np.round(coords / snap_m) if snap_m > 0 else coords.copy()
        order = np.lexsort((keys[:, 1], keys[:, 0]))
        new = np.ones(len(order), dtype=bool)
        new[1:] = (keys[order[1:]] != keys[order[:-1]]).any(axis=1)
        group = np.cumsum(new) - 1
        inverse = np.empty(len(order), dtype=np.int64)
        inverse[order] = group
        node_xy = coords[order[new]]
    else:
        node_xy, inverse = np.zeros((0, 2)), np.zeros(0, dtype=np.int64)
    seg_m = np.hypot(*(coords[a + 1] - coords[a]).T) if len(a) else np.zeros(0)
    li = line_idx[a]
    minutes = seg_m / (speed_of_row[li] * _M_PER_MIN_PER_KMH)
    g = _graph_from_edges(node_xy, inverse[a], inverse[a + 1], minutes, seg_m, class_of_row[li], li, roads.crs)
    logger.debug("road graph: %d nodes, %d edges, %d components", g.n_nodes, g.n_edges, len(np.unique(g.component)))
    return g


@dataclass(frozen=True)
class Attachment:
    """Places joined to a road graph by :func:`attach_points`.

    Attributes
    ----------
    graph : RoadGraph
        The graph with the snapped segments split at each place's foot point.
    node : numpy.ndarray
        Node of each place in :attr:`graph`.
    access_m : numpy.ndarray
        Length of each place's access leg (to its foot point), metres.
    """

    graph: RoadGraph
    node: np.ndarray
    access_m: np.ndarray


def attach_points(
    graph: RoadGraph, xy: np.ndarray, snap: Literal["edge", "node"] = "edge", endpoint_tol_m: float = 0.01
) -> Attachment:
    """Join places to the road network at their nearest road.

    With ``snap="edge"`` each place drops a perpendicular to its nearest road segment;
    the segment is split at the foot point (in order along the segment when several
    places share it), which becomes a new node, and the access leg is the perpendicular.
    A foot point within ``endpoint_tol_m`` of the segment's end is that road node (no
    split).
    With ``snap="node"`` a place joins the nearest existing road vertex and the graph is
    unchanged.

    Parameters
    ----------
    graph : RoadGraph
        From :func:`build_road_graph`.
    xy : numpy.ndarray
        Coordinates of the places, metres, shape ``(k, 2)``, in the graph's CRS.
    snap : {"edge", "node"}
        Where places join the network.
    endpoint_tol_m : float
        Foot points this close to a road node, metres, join that node.

    Returns
    -------
    Attachment
    """
    xy = np.asarray(xy, dtype=float).reshape(-1, 2)
    k = len(xy)
    if graph.n_nodes == 0:
        raise ValueError("the road network is empty")
    if snap == "node" or graph.n_edges == 0:
        d, node = cKDTree(graph.node_xy).query(xy) if k else (np.zeros(0), np.zeros(0, dtype=np.int64))
        return Attachment(graph=graph, node=np.asarray(node, dtype=np.int64), access_m=np.asarray(d, dtype=float))
    if snap != "edge":
        raise ValueError(f"snap must be 'edge' or 'node', got {snap!r}")
    # Places on a road node (villages that are junctions, schools at the end of their
    # access road) join it directly; the others drop a perpendicular to a segment.
    d_node, at_node = (
        cKDTree(graph.node_xy).query(xy, distance_upper_bound=endpoint_tol_m)
        if k
        else (np.zeros(0), np.zeros(0, dtype=np.int64))
    )
    on_node = np.isfinite(d_node)
    node = np.where(on_node, at_node, -1).astype(np.int64)
    access_m = np.where(on_node, d_node, 0.0)
    rest = np.flatnonzero(~on_node)
    if len(rest) == 0:
        return Attachment(graph=graph, node=node, access_m=access_m)
    sub = _attach_to_segments(graph, xy[rest], endpoint_tol_m)
    node[rest] = sub.node
    access_m[rest] = sub.access_m
    return Attachment(graph=sub.graph, node=node, access_m=access_m)


def _attach_to_segments(graph: RoadGraph, xy: np.ndarray, endpoint_tol_m: float) -> Attachment:
    """:func:`attach_points` with ``snap="edge"`` for places not on a road node."""
    k = len(xy)
    pu, pv = graph.node_xy[graph.edge_u], graph.node_xy[graph.edge_v]
    segments = shapely.linestrings(np.stack([pu, pv], axis=1))
    tree = shapely.STRtree(segments)
    (pt_idx, seg_idx), _ = tree.query_nearest(shapely.points(xy), return_distance=True, all_matches=False)
    edge = np.empty(k, dtype=np.int64)
    edge[pt_idx] = seg_idx
    # Foot of the perpendicular as a fraction t of the segment from edge_u to edge_v.
    d_uv = pv[edge] - pu[edge]
    len2 = np.einsum("ij,ij->i", d_uv, d_uv)
    t = np.clip(np.einsum("ij,ij->i", xy - pu[edge], d_uv) / np.where(len2 > 0, len2, 1.0), 0.0, 1.0)
    foot = pu[edge] + t[:, None] * d_uv
    access_m = np.hypot(*(xy - foot).T)
    # A foot within ``endpoint_tol_m`` of a segment end is that road node (a village
    # that is itself a road junction, a school at the end of its access road).
    seg_len = np.sqrt(len2)
    at_u = t * seg_len <= endpoint_tol_m
    at_v = ~at_u & ((1.0 - t) * seg_len <= endpoint_tol_m)
    node = np.where(at_u, graph.edge_u[edge], graph.edge_v[edge])
    mid = np.flatnonzero(~(at_u | at_v))
    if len(mid) == 0:
        return Attachment(graph=graph, node=node, access_m=access_m)
    # Split: along each snapped segment, chain u -> p1 -> ... -> pj -> v.
    n, j = graph.n_nodes, len(mid)
    order = mid[np.lexsort((mid, t[mid], edge[mid]))]
    e_s, t_s = edge[order], t[order]
    chain_node = n + np.arange(j)
    node[order] = chain_node
    first = np.ones(j, dtype=bool)
    first[1:] = e_s[1:] != e_s[:-1]
    last = np.ones(j, dtype=bool)
    last[:-1] = e_s[1:] != e_s[:-1]
    prev_node = np.where(first, graph.edge_u[e_s], np.roll(chain_node, 1))
    prev_t = np.where(first, 0.0, np.roll(t_s, 1))
    u_new = np.concatenate([prev_node, chain_node[last]])
    v_new = np.concatenate([chain_node, graph.edge_v[e_s[last]]])
    frac = np.concatenate([t_s - prev_t, 1.0 - t_s[last]])
    e_par = np.concatenate([e_s, e_s[last]])
    keep = np.ones(graph.n_edges, dtype=bool)
    keep[e_s] = False
    g = _graph_from_edges(
        np.vstack([graph.node_xy, foot[order]]),
        np.concatenate([graph.edge_u[keep], u_new]),
        np.concatenate([graph.edge_v[keep], v_new]),
        np.concatenate([graph.edge_minutes[keep], frac * graph.edge_minutes[e_par]]),
        np.concatenate([graph.edge_length_m[keep], frac * graph.edge_length_m[e_par]]),
        np.concatenate([graph.edge_class[keep], graph.edge_class[e_par]]),
        np.concatenate([graph.edge_road[keep], graph.edge_road[e_par]]),
        graph.crs,
    )
    return Attachment(graph=g, node=node, access_m=access_m)


# --------------------------------------------------------------------------- shortest paths


def _prune_dead_ends(matrix: sp.csr_matrix, nodes: np.ndarray) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray]:
    """Remove the dead-end nodes whose one neighbour is not a dead end.

    Every path from such a node leaves by its one edge, so the distance from it to any
    *other* node is that edge plus the distance from its neighbour (its anchor).

    Returns
    -------
    core : scipy.sparse.csr_matrix
        The graph without those nodes.
    anchor : numpy.ndarray
        Position in ``core`` of each of ``nodes`` (itself, or its neighbour).
    offset : numpy.ndarray
        Minutes from each of ``nodes`` to its anchor.
    """
    n = matrix.shape[0]
    deg = np.diff(matrix.indptr)
    leaf = np.flatnonzero(deg == 1)
    neighbour = np.full(n, -1, dtype=np.int64)
    weight = np.zeros(n)
    neighbour[leaf] = matrix.indices[matrix.indptr[leaf]]
    weight[leaf] = matrix.data[matrix.indptr[leaf]]
    prune = np.zeros(n, dtype=bool)
    prune[leaf] = deg[neighbour[leaf]] >= 2
    keep = ~prune
    position = np.cumsum(keep) - 1
    core = matrix[keep][:, keep].tocsr() if prune.any() else matrix
    anchor = position[np.where(prune[nodes], neighbour[nodes], nodes)]
    return core, anchor, np.where(prune[nodes], weight[nodes], 0.0)


def shortest_minutes(
    graph: RoadGraph,
    sources: np.ndarray,
    targets: np.ndarray,
    limit_min: float = np.inf,
    engine: Literal["scipy", "networkx"] = "scipy",
    chunk: int = 256,
) -> np.ndarray:
    """Network minutes between nodes, ``inf`` beyond ``limit_min`` or unreachable.

    Parameters
    ----------
    graph : RoadGraph
        The network.
    sources, targets : numpy.ndarray
        Node positions.
    limit_min : float
        Paths longer than this, minutes, are not explored (``inf``).
    engine : {"scipy", "networkx"}
        ``"scipy"``: dead ends are cut off the graph first (a node with one edge, such
        as a school at the end of its access road, is reached through its neighbour),
        then :func:`scipy.sparse.csgraph.dijkstra` runs from each distinct source in
        blocks of ``chunk``.  ``"networkx"``: a plain loop of
        :func:`networkx.single_source_dijkstra_path_length` over the whole graph (the
        slow reference).
    chunk : int
        Sources per Dijkstra call (bounds memory at ``chunk x n_nodes`` floats).

    Returns
    -------
    numpy.ndarray
        ``(len(sources), len(targets))`` minutes.
    """
    if engine not in ("scipy", "networkx"):
        raise ValueError(f"engine must be 'scipy' or 'networkx', got {engine!r}")
    sources = np.asarray(sources, dtype=np.int64)
    targets = np.asarray(targets, dtype=np.int64)
    out = np.full((len(sources), len(targets)), np.inf)
    if len(sources) == 0 or len(targets) == 0:
        return out
    if engine == "scipy":
        core, anchor, offset = _prune_dead_ends(graph.matrix, np.concatenate([sources, targets]))
        s_anchor, t_anchor = anchor[: len(sources)], anchor[len(sources) :]
        s_off, t_off = offset[: len(sources)], offset[len(sources) :]
        uniq, inv = np.unique(s_anchor, return_inverse=True)
        inv = inv.ravel()
        limit = limit_min - s_off.min() - t_off.min()
        if limit >= 0:
            for s0 in range(0, len(uniq), chunk):
                rows = np.flatnonzero((inv >= s0) & (inv < s0 + chunk))
                dist = dijkstra(core, directed=False, indices=uniq[s0 : s0 + chunk], limit=limit)
                out[rows] = dist[inv[rows] - s0][:, t_anchor]
        out += s_off[:, None]
        out += t_off[None, :]
        # A node is 0 from itself (a dead end would otherwise count its edge twice).
        for node in np.intersect1d(sources, targets).tolist():
            out[np.ix_(sources == node, targets == node)] = 0.0
        np.copyto(out, np.inf, where=out > limit_min)
        return out
    import networkx as nx

    g = graph.to_networkx()
    cutoff = None if not np.isfinite(limit_min) else float(limit_min)
    col = pd.Series(np.arange(len(targets))).groupby(targets).agg(list).to_dict()
    uniq, inv = np.unique(sources, return_inverse=True)
    for r, s in enumerate(uniq.tolist()):
        for node, minutes in nx.single_source_dijkstra_path_length(g, s, cutoff=cutoff, weight="minutes").items():
            cols = col.get(node)
            if cols is not None:
                out[r, cols] = minutes
    return out[inv.ravel()]


# --------------------------------------------------------------------------- the matrix


def _xy(points: gpd.GeoDataFrame) -> np.ndarray:
    geom = np.asarray(points.geometry.array, dtype=object)
    if len(geom) == 0:
        return np.zeros((0, 2))
    if not ((shapely.get_type_id(geom) == 0) & ~shapely.is_empty(geom)).all():
        raise ValueError("origins and destinations must be points (one point each, none missing or empty)")
    return shapely.get_coordinates(geom)


def _aligned(points: gpd.GeoDataFrame, crs: object, role: str) -> gpd.GeoDataFrame:
    """``points`` in the roads' CRS; refuses geographic coordinates."""
    if crs is not None and points.crs is not None and points.crs != crs:
        points = points.to_crs(crs)
    if points.crs is not None and points.crs.is_geographic:
        raise ValueError(f"{role} are in a geographic CRS; project them to the roads' metric CRS")
    return points


def _labels(df: gpd.GeoDataFrame, id_col: str, role: str) -> tuple[np.ndarray, np.ndarray]:
    if id_col not in df.columns:
        raise ValueError(f"{role} table has no {id_col!r} column")
    ids = df[id_col].astype(str).to_numpy()
    dup = pd.Index(ids)[pd.Index(ids).duplicated()].unique()
    if len(dup):
        raise ValueError(f"duplicate {id_col} in the {role} table: {', '.join(map(str, dup[:10]))}")
    names = df["name"].astype(str).to_numpy() if "name" in df.columns else np.full(len(df), "", dtype=object)
    return ids, names


def travel_time_matrix(
    roads: gpd.GeoDataFrame | None,
    origins: gpd.GeoDataFrame,
    destinations: gpd.GeoDataFrame,
    origin_id: str = "village_id",
    destination_id: str = "school_id",
    speeds_kmh: Mapping[str, float] | None = None,
    cutoff_min: float = 90.0,
    access: Literal["walk", "drive"] = "walk",
    walk_speed_kmh: float = 4.0,
    access_drive_kmh: float = 20.0,
    max_access_m: float = 1_500.0,
    on_disconnected: Literal["raise", "warn", "drop"] = "raise",
    graph: RoadGraph | None = None,
    snap: Literal["edge", "node"] = "edge",
    engine: Literal["scipy", "networkx"] = "scipy",
) -> TravelMatrix:
    """Village x school one-way bus minutes over the road network.

    Each trip is: access leg from the village to its foot point on the nearest road, the
    fastest bus route over the network, access leg from the school's foot point to the
    school.  Trips longer than ``cutoff_min`` are ``inf``.

    Parameters
    ----------
    roads : geopandas.GeoDataFrame or None
        Road lines, metric CRS (see :func:`build_road_graph`); may be ``None`` when
        ``graph`` is given.
    origins, destinations : geopandas.GeoDataFrame
        Points (villages, schools) with id columns ``origin_id`` / ``destination_id``
        and optionally ``name``; reprojected to the roads' CRS when it differs.
    origin_id, destination_id : str
        Id columns; ids must be unique.
    speeds_kmh : Mapping[str, float], optional
        Bus speed per road class, km/h (capped by the school-bus law).
    cutoff_min : float
        Longest trip of interest, minutes (the scenario's longest limit,
        :attr:`layout_opt.Scenario.longest_trip_min`); longer trips are ``inf``.
    access : {"walk", "drive"}
        How a place reaches its foot point on the road.
    walk_speed_kmh, access_drive_kmh : float
        Speeds of the access leg, km/h (walking 4 km/h by default, DESIGN §2).
    max_access_m : float
        Places farther than this, metres, from any road are reported in ``far_points``
        (and logged); their trips still count the long access leg.
    on_disconnected : {"raise", "warn", "drop"}
        Places whose road piece is cut off from the main network (the piece holding
        most places): raise :class:`DisconnectedNetworkError`; or log a warning and keep
        them (their trips to the main network are ``inf``); or log a warning and drop
        them from the matrix (ids stay aligned with the rows and columns).
    graph : RoadGraph, optional
        A prebuilt graph to reuse (``roads`` is then ignored).
    snap : {"edge", "node"}
        Join places to the nearest road segment (split at the foot point) or to the
        nearest road vertex; see :func:`attach_points`.
    engine : {"scipy", "networkx"}
        Shortest-path engine; see :func:`shortest_minutes`.

    Returns
    -------
    TravelMatrix

    Raises
    ------
    DisconnectedNetworkError
        When places are on cut-off road pieces and ``on_disconnected == "raise"``; the
        message lists them by id and name.
    ValueError
        On a geographic CRS, duplicate ids, unknown road classes or bad parameters.
    """
    if not cutoff_min > 0:
        raise ValueError(f"cutoff_min must be positive, got {cutoff_min}")
    if on_disconnected not in ("raise", "warn", "drop"):
        raise ValueError(f"on_disconnected must be 'raise', 'warn' or 'drop', got {on_disconnected!r}")
    if access not in ("walk", "drive"):
        raise ValueError(f"access must be 'walk' or 'drive', got {access!r}")
    access_kmh = walk_speed_kmh if access == "walk" else access_drive_kmh
    if not access_kmh > 0:
        raise ValueError(f"access speed must be positive, got {access_kmh} km/h")
    if graph is None:
        if roads is None:
            raise ValueError("give roads or a prebuilt graph")
        graph = build_road_graph(roads, speeds_kmh)
    origins = _aligned(origins, graph.crs, "villages")
    destinations = _aligned(destinations, graph.crs, "schools")
    o_ids, o_names = _labels(origins, origin_id, "village")
    d_ids, d_names = _labels(destinations, destination_id, "school")
    n_o = len(o_ids)
    att = attach_points(graph, np.vstack([_xy(origins), _xy(destinations)]), snap=snap)
    node, access_m = att.node, att.access_m
    access_min = access_m / (access_kmh * _M_PER_MIN_PER_KMH)
    ids = np.concatenate([o_ids, d_ids])
    names = np.concatenate([o_names, d_names])
    roles = np.array(["village"] * n_o + ["school"] * len(d_ids), dtype=object)

    far = np.flatnonzero(access_m > max_access_m)
    far_df = _empty(_FAR_COLUMNS)
    if len(far):
        far_df = pd.DataFrame(
            {"id": ids[far], "name": names[far], "role": roles[far], "access_m": np.round(access_m[far], 1)},
            columns=_FAR_COLUMNS,
        )
        logger.warning(
            "%d place(s) are more than %.0f m from any road: %s",
            len(far_df),
            max_access_m,
            "; ".join(f"{r.role} {r.id} {r.name} ({r.access_m:.0f} m)" for r in far_df.itertuples()),
        )

    comp = att.graph.component[node]
    keep = np.ones(len(ids), dtype=bool)
    cut_df = _empty(_CUT_COLUMNS)
    if len(comp):
        labels, counts = np.unique(comp, return_counts=True)
        main = labels[np.argmax(counts)]
        cut = np.flatnonzero(comp != main)
        if len(cut):
            cut_df = pd.DataFrame(
                {"id": ids[cut], "name": names[cut], "role": roles[cut], "component": comp[cut]}, columns=_CUT_COLUMNS
            )
            listing = "; ".join(f"{r.role} {r.id} {r.name}".rstrip() for r in cut_df.itertuples())
            msg = f"{len(cut)} place(s) are on road pieces cut off from the main network (no road joins them to it; check for a missing bridge or road): {listing}"
            if on_disconnected == "raise":
                raise DisconnectedNetworkError(msg, cut_df)
            if on_disconnected == "drop":
                keep[cut] = False
                msg += "; they are dropped from the travel matrix"
            logger.warning(msg)
    o_keep, d_keep = np.flatnonzero(keep[:n_o]), n_o + np.flatnonzero(keep[n_o:])

    # Dijkstra from the smaller side; the graph is undirected.
    o_node, d_node = node[o_keep], node[d_keep]
    o_acc, d_acc = access_min[o_keep], access_min[d_keep]
    from_schools = len(d_node) <= len(o_node)
    src, dst = (d_node, o_node) if from_schools else (o_node, d_node)
    src_acc, dst_acc = (d_acc, o_acc) if from_schools else (o_acc, d_acc)
    limit = cutoff_min - float(src_acc.min(initial=0.0)) - float(dst_acc.min(initial=0.0))
    network = shortest_minutes(att.graph, src, dst, limit_min=max(limit, 0.0) + 1e-9, engine=engine)
    network += src_acc[:, None]
    network += dst_acc[None, :]
    minutes = np.ascontiguousarray(network.T) if from_schools else network
    np.copyto(minutes, np.inf, where=minutes > cutoff_min + 1e-9)
    logger.info(
        "travel matrix %d x %d: %d reachable pairs within %.0f min",
        len(o_keep),
        len(d_keep),
        int(np.isfinite(minutes).sum()),
        cutoff_min,
    )
    return TravelMatrix(
        minutes=minutes,
        origin_ids=o_ids[o_keep],
        destination_ids=d_ids[d_keep - n_o],
        cutoff_min=float(cutoff_min),
        far_points=far_df,
        disconnected=cut_df,
        origin_access_m=access_m[o_keep],
        destination_access_m=access_m[d_keep],
    )


def straight_line_matrix(
    origins: gpd.GeoDataFrame,
    destinations: gpd.GeoDataFrame,
    origin_id: str = "village_id",
    destination_id: str = "school_id",
    speed_kmh: float = STRAIGHT_LINE_SPEED_KMH,
    detour_factor: float = STRAIGHT_LINE_DETOUR,
    cutoff_min: float = 90.0,
) -> TravelMatrix:
    """Approximate minutes as ``detour_factor x straight distance / speed``.

    For users without a road network.  The result is flagged ``approximate=True`` and
    ``method="straight_line"``; it knows nothing of rivers and bridges, so prefer
    :func:`travel_time_matrix` wherever roads exist.

    Parameters
    ----------
    origins, destinations : geopandas.GeoDataFrame
        Points in the same metric CRS, with id columns.
    origin_id, destination_id : str
        Id columns.
    speed_kmh : float
        Mean bus speed, km/h (default :data:`STRAIGHT_LINE_SPEED_KMH`).
    detour_factor : float
        Road distance over straight distance, at least 1 (default
        :data:`STRAIGHT_LINE_DETOUR`).
    cutoff_min : float
        Trips longer than this, minutes, are ``inf``.

    Returns
    -------
    TravelMatrix
    """
    if not speed_kmh > 0:
        raise ValueError(f"speed_kmh must be positive, got {speed_kmh}")
    if not detour_factor >= 1:
        raise ValueError(f"detour_factor must be at least 1, got {detour_factor}")
    for df, role in ((origins, "villages"), (destinations, "schools")):
        if df.crs is not None and df.crs.is_geographic:
            raise ValueError(f"{role} must be in a metric CRS for straight-line distances")
    o_ids, _ = _labels(origins, origin_id, "village")
    d_ids, _ = _labels(destinations, destination_id, "school")
    oxy, dxy = _xy(origins), _xy(destinations)
    dist_m = np.hypot(oxy[:, None, 0] - dxy[None, :, 0], oxy[:, None, 1] - dxy[None, :, 1])
    minutes = detour_factor * dist_m / (speed_kmh * _M_PER_MIN_PER_KMH)
    minutes[minutes > cutoff_min] = np.inf
    logger.warning(
        "travel times are straight-line estimates (detour %.2f at %.0f km/h), not network times",
        detour_factor,
        speed_kmh,
    )
    return TravelMatrix(minutes, o_ids, d_ids, float(cutoff_min), approximate=True, method="straight_line")


# --------------------------------------------------------------------------- OpenStreetMap


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
    return min(classes, key=lambda c: ROAD_CLASS_RANK.index(c) if c in ROAD_CLASS_RANK else len(ROAD_CLASS_RANK))


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
