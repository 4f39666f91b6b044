"""The road network as a graph of bus minutes, and shortest paths over it.

Each step a pure function:

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
   places (graphs are undirected), limited to a cutoff.  A plain :mod:`networkx` loop
   computes the same numbers (``engine="networkx"``) and serves as the reference in
   tests and benchmarks; :meth:`RoadGraph.to_networkx` gives the graph itself for
   inspection.

:mod:`layout_opt.travel` ties these steps into the village x school travel-time matrix;
:mod:`layout_opt.routing` routes school buses on the same graph.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd
import scipy.sparse as sp
import shapely
from numpy.typing import ArrayLike
from scipy.sparse.csgraph import connected_components, dijkstra
from scipy.spatial import cKDTree

from .schema import BUS_SPEED_CAP_DEFAULT_KMH, BUS_SPEED_CAP_KMH, ROAD_CLASS_SPEED_KMH

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd
    import networkx as nx

logger = logging.getLogger(__name__)

#: Bus speed caps of the school-bus law (校车安全管理条例 Art. 35) by road class, km/h
#: (:data:`layout_opt.schema.BUS_SPEED_CAP_KMH`).
LEGAL_CAP_KMH: dict[str, float] = BUS_SPEED_CAP_KMH
#: Bus speed cap on every other road, km/h (校车安全管理条例 Art. 35).
LEGAL_CAP_DEFAULT_KMH = BUS_SPEED_CAP_DEFAULT_KMH

#: Metres per minute at 1 km/h.
M_PER_MIN_PER_KMH = 1000.0 / 60.0


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
    minutes = seg_m / (speed_of_row[li] * M_PER_MIN_PER_KMH)
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
