"""Bus travel times from villages to schools over the road network.

The road lines become a sparse graph whose edge weights are minutes at the bus speed of
each road class (capped by the school-bus law); villages and schools join the network by
an access leg to the nearest node; :func:`scipy.sparse.csgraph.dijkstra` from every
school, limited to the scenario's longest trip, gives the village x school matrix.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Literal, Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
import shapely
from scipy.sparse.csgraph import connected_components, dijkstra
from scipy.spatial import cKDTree

from .examples import ROAD_CLASS_SPEED_KMH

logger = logging.getLogger(__name__)

#: Bus speed caps of the school-bus law (校车安全管理条例 Art. 35), km/h.
LEGAL_CAP_KMH: dict[str, float] = {"expressway": 80.0}
LEGAL_CAP_DEFAULT_KMH = 60.0


@dataclass(frozen=True)
class TravelMatrix:
    """One-way trip minutes from each origin (village) to each destination (school).

    Attributes
    ----------
    minutes : numpy.ndarray
        Shape ``(n_origins, n_destinations)``; ``inf`` where the trip is longer than the
        cutoff or impossible (never 0 for a missing pair).
    origin_ids, destination_ids : numpy.ndarray
        Ids labelling rows and columns, in the order of the inputs.
    cutoff_min : float
        Trips longer than this are ``inf``.
    approximate : bool
        True for the straight-line fallback.
    method : str
        ``"network"`` or ``"straight_line"``.
    far_points : pandas.DataFrame
        Origins and destinations farther than the snapping threshold from any road
        (``id``, ``name``, ``role``, ``access_m``).
    """

    minutes: np.ndarray
    origin_ids: np.ndarray
    destination_ids: np.ndarray
    cutoff_min: float
    approximate: bool = False
    method: str = "network"
    far_points: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["id", "name", "role", "access_m"]))

    def to_frame(self) -> pd.DataFrame:
        """Dense labelled frame: rows origins, columns destinations."""
        return pd.DataFrame(self.minutes, index=pd.Index(self.origin_ids, name="village_id"), columns=pd.Index(self.destination_ids, name="school_id"))

    def to_long(self) -> pd.DataFrame:
        """Reachable pairs only: ``village_id``, ``school_id``, ``travel_min``."""
        r, c = np.nonzero(np.isfinite(self.minutes))
        return pd.DataFrame({"village_id": self.origin_ids[r], "school_id": self.destination_ids[c], "travel_min": self.minutes[r, c]})

    def subset(self, origin_ids=None, destination_ids=None) -> "TravelMatrix":
        """The matrix restricted (and ordered) to the given ids."""
        oi = np.arange(len(self.origin_ids)) if origin_ids is None else pd.Index(self.origin_ids).get_indexer(list(origin_ids))
        di = np.arange(len(self.destination_ids)) if destination_ids is None else pd.Index(self.destination_ids).get_indexer(list(destination_ids))
        if (oi < 0).any() or (di < 0).any():
            raise KeyError("ids not in the travel matrix")
        return TravelMatrix(self.minutes[np.ix_(oi, di)], self.origin_ids[oi], self.destination_ids[di], self.cutoff_min, self.approximate, self.method, self.far_points)


@dataclass(frozen=True)
class RoadGraph:
    """Road network as a sparse graph of minutes.

    Attributes
    ----------
    matrix : scipy.sparse.csr_matrix
        Symmetric edge minutes between nodes.
    node_xy : numpy.ndarray
        Node coordinates (metres), shape ``(n, 2)``.
    component : numpy.ndarray
        Connected-component label of each node.
    """

    matrix: sp.csr_matrix
    node_xy: np.ndarray
    component: np.ndarray

    def to_networkx(self):
        """The graph as a :class:`networkx.Graph` with ``minutes`` edge weights."""
        import networkx as nx

        g = nx.Graph()
        coo = sp.triu(self.matrix).tocoo()
        g.add_nodes_from(range(len(self.node_xy)))
        g.add_weighted_edges_from(zip(coo.row.tolist(), coo.col.tolist(), coo.data.tolist()), weight="minutes")
        return g


def edge_speed_kmh(road_class: pd.Series, speeds_kmh: Mapping[str, float] | None = None, given_kmh: pd.Series | None = None) -> np.ndarray:
    """Bus speed per road, km/h, capped by the school-bus law.

    Parameters
    ----------
    road_class : pandas.Series
        Class of each road (``expressway``, ``trunk``, ``county``, ``township``,
        ``village``).
    speeds_kmh : Mapping[str, float], optional
        Speed per class; defaults to :data:`layout_opt.examples.ROAD_CLASS_SPEED_KMH`.
    given_kmh : pandas.Series, optional
        Per-road speeds from the data (``bus_speed_kmh``); used where present.
    """
    table = dict(ROAD_CLASS_SPEED_KMH)
    table.update(speeds_kmh or {})
    speed = road_class.map(table).to_numpy(float)
    if given_kmh is not None:
        g = pd.to_numeric(given_kmh, errors="coerce").to_numpy(float)
        speed = np.where(np.isfinite(g) & (g > 0), g, speed)
    cap = road_class.map(LEGAL_CAP_KMH).fillna(LEGAL_CAP_DEFAULT_KMH).to_numpy(float)
    return np.minimum(speed, cap)


def build_road_graph(roads: gpd.GeoDataFrame, speeds_kmh: Mapping[str, float] | None = None, snap_m: float = 0.5) -> RoadGraph:
    """Turn road lines into a graph of minutes.

    Every vertex of every line is a node (vertices closer than ``snap_m`` merge); each
    segment is an edge taking ``length / speed`` minutes.

    Parameters
    ----------
    roads : geopandas.GeoDataFrame
        LineStrings (or MultiLineStrings) in a metric CRS with ``road_class`` and
        optionally ``bus_speed_kmh``.
    speeds_kmh : Mapping[str, float], optional
        Bus speed per class, km/h (capped by the law).
    snap_m : float
        Grid to which vertex coordinates are rounded so that lines meet.
    """
    if roads.crs is not None and roads.crs.is_geographic:
        raise ValueError("roads must be in a metric CRS; project them first")
    lines = roads.explode(index_parts=False).reset_index(drop=True)
    speed = edge_speed_kmh(lines["road_class"], speeds_kmh, lines["bus_speed_kmh"] if "bus_speed_kmh" in lines.columns else None)
    coords, line_idx = shapely.get_coordinates(lines.geometry.to_numpy(), return_index=True)
    coords = np.round(coords / snap_m) * snap_m
    same_line = line_idx[1:] == line_idx[:-1]
    a = np.flatnonzero(same_line)
    uniq, inverse = np.unique(coords, axis=0, return_inverse=True)
    inverse = inverse.ravel()
    u, v = inverse[a], inverse[a + 1]
    seg_m = np.hypot(*(coords[a + 1] - coords[a]).T)
    minutes = seg_m / (speed[line_idx[a]] * 1000.0 / 60.0)
    keep = u != v
    u, v, minutes = u[keep], v[keep], minutes[keep]
    n = len(uniq)
    m = sp.coo_matrix((np.concatenate([minutes, minutes]), (np.concatenate([u, v]), np.concatenate([v, u]))), shape=(n, n)).tocsr()
    # parallel edges: keep the fastest (coo -> csr sums duplicates, so rebuild with minimum)
    if m.nnz < 2 * len(u):
        order = np.lexsort((minutes, v, u))
        pairs = np.stack([np.minimum(u, v), np.maximum(u, v)], axis=1)[order]
        _, first = np.unique(pairs, axis=0, return_index=True)
        uu, vv, mm = pairs[first, 0], pairs[first, 1], minutes[order][first]
        m = sp.coo_matrix((np.concatenate([mm, mm]), (np.concatenate([uu, vv]), np.concatenate([vv, uu]))), shape=(n, n)).tocsr()
    _, comp = connected_components(m, directed=False)
    return RoadGraph(matrix=m, node_xy=uniq, component=comp)


def travel_time_matrix(
    roads: gpd.GeoDataFrame,
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
    on_disconnected: Literal["raise", "warn"] = "raise",
    graph: RoadGraph | None = None,
) -> TravelMatrix:
    """Village x school one-way bus minutes over the road network.

    Parameters
    ----------
    roads : geopandas.GeoDataFrame
        Road lines, metric CRS.
    origins, destinations : geopandas.GeoDataFrame
        Points in the same CRS, with id columns ``origin_id`` / ``destination_id``.
    speeds_kmh : Mapping[str, float], optional
        Bus speed per road class.
    cutoff_min : float
        Longest trip of interest, minutes (the longest limit of the scenario); longer
        trips are ``inf``.
    access : {"walk", "drive"}
        How a point reaches its nearest road node.
    walk_speed_kmh, access_drive_kmh : float
        Speeds of the access leg, km/h.
    max_access_m : float
        Points farther than this from any road node are reported in ``far_points``.
    on_disconnected : {"raise", "warn"}
        What to do when some points sit on a network component cut off from the main
        one.
    graph : RoadGraph, optional
        A prebuilt graph to reuse.

    Returns
    -------
    TravelMatrix

    Raises
    ------
    ValueError
        When points are on cut-off components and ``on_disconnected == "raise"``;
        the message lists them by id and name.
    """
    g = graph or build_road_graph(roads, speeds_kmh)
    tree = cKDTree(g.node_xy)
    oxy = np.column_stack([origins.geometry.x, origins.geometry.y])
    dxy = np.column_stack([destinations.geometry.x, destinations.geometry.y])
    o_d, o_node = tree.query(oxy)
    d_d, d_node = tree.query(dxy)
    access_kmh = walk_speed_kmh if access == "walk" else access_drive_kmh
    o_acc = o_d / (access_kmh * 1000.0 / 60.0)
    d_acc = d_d / (access_kmh * 1000.0 / 60.0)
    far = []
    for ids, names, dist, role in ((origins[origin_id], origins.get("name"), o_d, "village"), (destinations[destination_id], destinations.get("name"), d_d, "school")):
        for k in np.flatnonzero(dist > max_access_m):
            far.append({"id": str(ids.iloc[k]), "name": "" if names is None else str(names.iloc[k]), "role": role, "access_m": round(float(dist[k]), 1)})
    far_df = pd.DataFrame(far, columns=["id", "name", "role", "access_m"])
    if len(far_df):
        logger.warning("%d points are more than %.0f m from any road: %s", len(far_df), max_access_m, ", ".join(f"{r.id} {r.name}" for r in far_df.itertuples()))
    main_comp = np.bincount(g.component).argmax()
    cut_o = np.flatnonzero(g.component[o_node] != main_comp)
    cut_d = np.flatnonzero(g.component[d_node] != main_comp)
    if len(cut_o) or len(cut_d):
        names_o = [f"village {origins[origin_id].iloc[k]} {origins['name'].iloc[k] if 'name' in origins else ''}".strip() for k in cut_o]
        names_d = [f"school {destinations[destination_id].iloc[k]} {destinations['name'].iloc[k] if 'name' in destinations else ''}".strip() for k in cut_d]
        msg = "these places are on road pieces cut off from the main network: " + "; ".join(names_o + names_d)
        if on_disconnected == "raise":
            raise ValueError(msg)
        logger.warning(msg)
    uniq_d, inv_d = np.unique(d_node, return_inverse=True)
    limit = max(cutoff_min - float(d_acc.min(initial=0.0)), 0.0)
    dist = dijkstra(g.matrix, directed=False, indices=uniq_d, limit=limit)
    minutes = dist[inv_d][:, o_node].T + o_acc[:, None] + d_acc[None, :]
    minutes[minutes > cutoff_min + 1e-9] = np.inf
    return TravelMatrix(
        minutes=minutes,
        origin_ids=origins[origin_id].astype(str).to_numpy(),
        destination_ids=destinations[destination_id].astype(str).to_numpy(),
        cutoff_min=float(cutoff_min),
        far_points=far_df,
    )


def straight_line_matrix(
    origins: gpd.GeoDataFrame,
    destinations: gpd.GeoDataFrame,
    origin_id: str = "village_id",
    destination_id: str = "school_id",
    speed_kmh: float = 35.0,
    detour_factor: float = 1.35,
    cutoff_min: float = 90.0,
) -> TravelMatrix:
    """Approximate minutes as ``detour_factor x distance / speed`` (no road network).

    The result is flagged ``approximate=True``; use it only without a road network.
    """
    oxy = np.column_stack([origins.geometry.x, origins.geometry.y])
    dxy = np.column_stack([destinations.geometry.x, destinations.geometry.y])
    dist_m = np.hypot(oxy[:, None, 0] - dxy[None, :, 0], oxy[:, None, 1] - dxy[None, :, 1])
    minutes = detour_factor * dist_m / (speed_kmh * 1000.0 / 60.0)
    minutes[minutes > cutoff_min] = np.inf
    return TravelMatrix(minutes, origins[origin_id].astype(str).to_numpy(), destinations[destination_id].astype(str).to_numpy(), float(cutoff_min), approximate=True, method="straight_line")
