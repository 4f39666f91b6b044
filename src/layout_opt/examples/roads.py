"""Road networks through village-level units: village, township, county and trunk roads."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components, dijkstra, minimum_spanning_tree
from scipy.spatial import Delaunay, cKDTree
from shapely import LineString, Polygon
from shapely.prepared import prep

from .constants import METRIC_CRS, ROAD_CLASS_SPEED_KMH

logger = logging.getLogger(__name__)


def build_road_network(
    nodes: pd.DataFrame,
    banks: Mapping[str, Polygon],
    bridges: Sequence[tuple[tuple[float, float], tuple[float, float], str]] = (),
    rng: np.random.Generator | None = None,
    max_edge_m: float = 7_000.0,
    extra_edge_share: float = 0.35,
    speeds_kmh: Mapping[str, float] = ROAD_CLASS_SPEED_KMH,
) -> gpd.GeoDataFrame:
    """Build a plausible rural road network through the given nodes.

    The network is the union of, per river bank: a minimum spanning tree of the Delaunay
    triangulation (village roads) plus a share of the other short triangulation edges;
    trunk roads along the shortest paths between neighbouring town seats; county roads
    from town-seat units and central villages to their seat; township roads from every
    other village to its seat.  Banks connect only through ``bridges``.

    Parameters
    ----------
    nodes : pandas.DataFrame
        Columns ``x``, ``y`` (metres), ``bank``, ``town_code``, ``is_seat`` (bool) and
        ``ur_code``, ``central_village``.
    banks : Mapping[str, shapely.Polygon]
        Land area of each bank; an edge must stay inside its bank (200 m tolerance).
    bridges : sequence of ((x, y), (x, y), name)
        Crossing points; each joins the nearest node of one bank to the nearest node of
        another with a trunk-class bridge.
    rng : numpy.random.Generator, optional
        Chooses the extra village roads.
    max_edge_m : float
        Longest village-road segment considered.
    extra_edge_share : float
        Share of non-tree triangulation edges kept as extra village roads.
    speeds_kmh : Mapping[str, float]
        Bus speed of each road class, km/h.

    Returns
    -------
    geopandas.GeoDataFrame
        Lines with ``road_id``, ``road_class``, ``bus_speed_kmh``, ``bridge``, ``name`` and
        ``source`` (``"synthetic"``).
    """
    rng = rng or np.random.default_rng(0)
    xy = nodes[["x", "y"]].to_numpy(float)
    n = len(xy)
    edges: dict[tuple[int, int], str] = {}
    bridge_names: dict[tuple[int, int], str] = {}
    adjacency_rows: list[int] = []
    adjacency_cols: list[int] = []
    for bank, area in banks.items():
        idx = np.flatnonzero(nodes["bank"].to_numpy() == bank)
        if len(idx) < 2:
            continue
        area_ok = prep(area.buffer(200.0))
        cand: set[tuple[int, int]] = set()
        if len(idx) == 2:
            cand.add((int(idx[0]), int(idx[1])))
        else:
            tri = Delaunay(xy[idx])
            for simplex in tri.simplices:
                for a, b in ((0, 1), (1, 2), (0, 2)):
                    i, j = sorted((int(idx[simplex[a]]), int(idx[simplex[b]])))
                    cand.add((i, j))
        kept = []
        for i, j in sorted(cand):
            length = float(np.hypot(*(xy[i] - xy[j])))
            if length > max_edge_m:
                continue
            if not area_ok.contains(LineString([xy[i], xy[j]])):
                continue
            kept.append((i, j, length))
        local = {int(g): k for k, g in enumerate(idx)}
        w = sp.coo_matrix(
            ([e[2] for e in kept], ([local[e[0]] for e in kept], [local[e[1]] for e in kept])),
            shape=(len(idx), len(idx)),
        ).tocsr()
        # Join components that the filters split (long gaps), nearest pairs first.
        ncomp, labels = connected_components(w, directed=False)
        extra_links = []
        while ncomp > 1:
            comp0 = np.flatnonzero(labels == labels[0])
            other = np.flatnonzero(labels != labels[0])
            tree = cKDTree(xy[idx[other]])
            d, k = tree.query(xy[idx[comp0]])
            a = int(np.argmin(d))
            i, j = sorted((int(idx[comp0[a]]), int(idx[other[k[a]]])))
            extra_links.append((i, j, float(d[a])))
            w = w + sp.coo_matrix(([d[a]], ([local[i]], [local[j]])), shape=w.shape).tocsr()
            ncomp, labels = connected_components(w, directed=False)
        kept.extend(extra_links)
        mst = minimum_spanning_tree(w).tocoo()
        in_tree = {tuple(sorted((int(idx[r]), int(idx[c])))) for r, c in zip(mst.row, mst.col)}
        for i, j, _ in kept:
            if (i, j) in in_tree or rng.random() < extra_edge_share:
                edges[(i, j)] = "village"
        for i, j in edges:
            adjacency_rows.append(i)
            adjacency_cols.append(j)
    for p, q, name in bridges:
        tree = cKDTree(xy)
        banks_of = nodes["bank"].to_numpy()
        _, i = tree.query(p)
        # nearest node on another bank than node i
        other = np.flatnonzero(banks_of != banks_of[i])
        j = other[int(np.argmin(np.hypot(xy[other, 0] - q[0], xy[other, 1] - q[1])))]
        key = tuple(sorted((int(i), int(j))))
        edges[key] = "trunk"
        bridge_names[key] = name
        adjacency_rows.append(key[0])
        adjacency_cols.append(key[1])

    def graph_matrix() -> sp.csr_matrix:
        keys = list(edges)
        lengths = [float(np.hypot(*(xy[i] - xy[j]))) for i, j in keys]
        rows = [k[0] for k in keys]
        cols = [k[1] for k in keys]
        m = sp.coo_matrix((lengths, (rows, cols)), shape=(n, n)).tocsr()
        return (m + m.T).tocsr()

    def mark_paths(sources: np.ndarray, targets_of: Callable[[int], np.ndarray], cls: str) -> None:
        rank = {"village": 0, "township": 1, "county": 2, "trunk": 3, "expressway": 4}
        m = graph_matrix()
        if len(sources) == 0:
            return
        _, pred = dijkstra(m, directed=False, indices=sources, return_predecessors=True)
        for row, s in enumerate(sources):
            for t in targets_of(int(s)):
                cur = int(t)
                while cur != s and cur >= 0:
                    prev = int(pred[row, cur])
                    if prev < 0:
                        break
                    key = tuple(sorted((prev, cur)))
                    if rank[edges.get(key, "village")] < rank[cls]:
                        edges[key] = cls
                    cur = prev

    seats = np.flatnonzero(nodes["is_seat"].to_numpy(bool))
    town = nodes["town_code"].astype(str).to_numpy()
    # Trunk roads: seat to seat, along a spanning tree of seats plus short extra links.
    if len(seats) > 1:
        sxy = xy[seats]
        dist = np.hypot(sxy[:, None, 0] - sxy[None, :, 0], sxy[:, None, 1] - sxy[None, :, 1])
        tree = minimum_spanning_tree(sp.csr_matrix(dist)).tocoo()
        pairs = {tuple(sorted((int(a), int(b)))) for a, b in zip(tree.row, tree.col)}
        cutoff = np.quantile(dist[np.triu_indices(len(seats), 1)], 0.15) if len(seats) > 3 else 0
        for a in range(len(seats)):
            for b in range(a + 1, len(seats)):
                if dist[a, b] <= cutoff:
                    pairs.add((a, b))
        by_source: dict[int, list[int]] = {}
        for a, b in pairs:
            by_source.setdefault(int(seats[a]), []).append(int(seats[b]))
        src = np.array(sorted(by_source))
        mark_paths(src, lambda s: np.array(by_source[s]), "trunk")
    ur = nodes["ur_code"].to_numpy()
    central = nodes["central_village"].to_numpy(bool)
    seat_of_town = {town[s]: int(s) for s in seats}
    county_nodes = np.flatnonzero(((ur != 220) | central) & ~nodes["is_seat"].to_numpy(bool))
    township_nodes = np.flatnonzero((ur == 220) & ~central)
    for cls, members in (("county", county_nodes), ("township", township_nodes)):
        by_seat: dict[int, list[int]] = {}
        for v in members:
            s = seat_of_town.get(town[v])
            if s is not None:
                by_seat.setdefault(s, []).append(int(v))
        src = np.array(sorted(by_seat))
        mark_paths(src, lambda s, by_seat=by_seat: np.array(by_seat[s]), cls)

    rows = []
    for k, ((i, j), cls) in enumerate(sorted(edges.items())):
        rows.append(
            {
                "road_id": f"R{k:05d}",
                "road_class": cls,
                "bus_speed_kmh": float(speeds_kmh[cls]),
                "bridge": (i, j) in bridge_names,
                "name": bridge_names.get((i, j), ""),
                "source": "synthetic",
                "geometry": LineString([xy[i], xy[j]]),
            }
        )
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=METRIC_CRS)


def add_access_roads(
    roads: gpd.GeoDataFrame, points: pd.DataFrame, hosts: pd.DataFrame, road_class: str = "village"
) -> gpd.GeoDataFrame:
    """Join each point (a school) to its host node (a village) with a short road.

    Parameters
    ----------
    roads : geopandas.GeoDataFrame
        From :func:`build_road_network`.
    points, hosts : pandas.DataFrame
        ``x``, ``y`` of each point and of its host node (row-aligned).
    road_class : str
        Class of the new segments.
    """
    speed = (
        float(roads.loc[roads["road_class"] == road_class, "bus_speed_kmh"].iloc[0])
        if (roads["road_class"] == road_class).any()
        else ROAD_CLASS_SPEED_KMH[road_class]
    )
    start = len(roads)
    rows = [
        {
            "road_id": f"R{start + k:05d}",
            "road_class": road_class,
            "bus_speed_kmh": speed,
            "bridge": False,
            "name": "",
            "source": "synthetic",
            "geometry": LineString([(h.x, h.y), (p.x, p.y)]),
        }
        for k, (p, h) in enumerate(zip(points.itertuples(), hosts.itertuples()))
        if (p.x, p.y) != (h.x, h.y)
    ]
    return pd.concat([roads, gpd.GeoDataFrame(rows, geometry="geometry", crs=roads.crs)], ignore_index=True)
