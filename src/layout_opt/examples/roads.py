"""Road networks through village-level units: village, township, county and trunk roads."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
import shapely
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


def attach_to_backbone(
    backbone: gpd.GeoDataFrame,
    nodes: pd.DataFrame,
    banks: Mapping[str, Polygon],
    rng: np.random.Generator,
    max_edge_m: float = 6_500.0,
    extra_edge_share: float = 0.3,
    attach_spacing_m: float = 1_000.0,
    speeds_kmh: Mapping[str, float] = ROAD_CLASS_SPEED_KMH,
) -> gpd.GeoDataFrame:
    """Join villages and town seats to a backbone of major roads with township and village roads.

    The backbone (e.g. the trunk and county roads of OpenStreetMap) is kept as it is.
    Villages and seats join it, and each other, per river bank: candidate links are the
    edges of a Delaunay triangulation of the places and of points along the backbone
    (its vertices, and points every ``attach_spacing_m`` on its lines, except bridges,
    which are joined only at their ends); a link is a candidate when it is at most
    ``max_edge_m`` long, stays inside its bank (200 m tolerance) and crosses no backbone
    line.  The links of a minimum spanning tree of places and backbone (the backbone
    counting as already built) are kept, plus a random ``extra_edge_share`` of the other
    candidates.  Links on the shortest routes from each town seat to its units of class
    111-122 and its central villages are township roads, the others village roads.
    Backbone lines gain a vertex where a link joins them, so the links connect.

    Parameters
    ----------
    backbone : geopandas.GeoDataFrame
        Lines in a metric CRS with ``road_class``, ``bridge`` (bool), ``name`` and
        ``source``; other columns are kept.
    nodes : pandas.DataFrame
        Places: ``x``, ``y`` (metres), ``bank``, ``town_code``, ``is_seat`` (bool),
        ``ur_code``, ``central_village`` (bool).
    banks : Mapping[str, shapely.Polygon]
        Land area of each bank (keys as in ``nodes["bank"]``); links stay inside their
        bank, so banks meet only where the backbone crosses between them.
    rng : numpy.random.Generator
        Chooses the extra village roads.
    max_edge_m : float
        Longest link considered, metres.
    extra_edge_share : float
        Share of the candidates outside the spanning tree kept as village roads.
    attach_spacing_m : float
        Spacing of the points along backbone lines where links may join, metres.
    speeds_kmh : Mapping[str, float]
        Bus speed of each road class, km/h (``bus_speed_kmh`` of the new links).

    Returns
    -------
    geopandas.GeoDataFrame
        The backbone lines (with their joining vertices added) followed by the new
        links (``source`` ``"synthetic"``, ``bridge`` false, ``name`` empty), in the
        backbone's CRS; ``road_id`` is left to the caller.
    """
    places = nodes[["x", "y"]].to_numpy(float)
    n_places = len(places)
    # Points along the backbone where links may join: key -> (x, y); per line its points.
    key_of = lambda x, y: (round(x * 2.0), round(y * 2.0))  # noqa: E731 (0.5 m grid)
    point_xy: dict[tuple[int, int], tuple[float, float]] = {}
    # per line: (distance along it, point key, whether it is one of the line's own vertices)
    line_points: list[list[tuple[float, tuple[int, int], bool]]] = []
    bridge = backbone["bridge"].to_numpy(bool)
    for k, line in enumerate(backbone.geometry):
        pts: list[tuple[float, tuple[int, int], bool]] = []
        along = 0.0
        coords = list(line.coords)
        for c0, c1 in zip([coords[0], *coords[:-1]], coords):
            along += float(np.hypot(c1[0] - c0[0], c1[1] - c0[1]))
            pts.append((along, key_of(*c1), True))
            point_xy.setdefault(key_of(*c1), (float(c1[0]), float(c1[1])))
        if not bridge[k] and line.length > attach_spacing_m:
            n_pts = int(np.ceil(line.length / attach_spacing_m))
            for d in np.linspace(0.0, line.length, n_pts + 1)[1:-1]:
                p = line.interpolate(float(d))
                pts.append((float(d), key_of(p.x, p.y), False))
                point_xy.setdefault(key_of(p.x, p.y), (p.x, p.y))
        line_points.append(sorted(pts))
    keys = list(point_xy)
    index_of = {key: n_places + i for i, key in enumerate(keys)}
    xy = np.vstack([places, np.array([point_xy[key] for key in keys]).reshape(-1, 2)])
    n = len(xy)
    # Bank of each backbone point: the bank containing it, else the nearest.
    bank_names = list(banks)
    bank_of = np.empty(n, dtype=object)
    bank_of[:n_places] = nodes["bank"].to_numpy()
    pts_geom = shapely.points(xy[n_places:])
    dist = np.column_stack([shapely.distance(pts_geom, banks[b]) for b in bank_names])
    bank_of[n_places:] = np.array(bank_names, dtype=object)[np.argmin(dist, axis=1)]
    # Backbone segments between consecutive points of each line.
    segs: list[tuple[int, int, int]] = []  # (i, j, line)
    for k, pts in enumerate(line_points):
        idx = [index_of[key] for _, key, _ in pts]
        segs.extend((a, b, k) for a, b in zip(idx[:-1], idx[1:]) if a != b)
    tree = shapely.STRtree(backbone.geometry.to_numpy())

    links: dict[tuple[int, int], str] = {}
    for bank, area in banks.items():
        members = np.flatnonzero(bank_of == bank)
        if len(members) < 2:
            continue
        area_ok = prep(area.buffer(200.0))
        if len(members) == 2:
            pairs = {(int(members[0]), int(members[1]))}
        else:
            tri = Delaunay(xy[members])
            pairs = set()
            for simplex in tri.simplices:
                for a, b in ((0, 1), (1, 2), (0, 2)):
                    i, j = sorted((int(members[simplex[a]]), int(members[simplex[b]])))
                    pairs.add((i, j))
        candidates: list[tuple[int, int, float]] = []
        for i, j in sorted(pairs):
            if i >= n_places and j >= n_places:
                continue  # two backbone points: the backbone joins them or they stay apart
            length = float(np.hypot(*(xy[i] - xy[j])))
            if length > max_edge_m or length == 0.0:
                continue
            seg = LineString([xy[i], xy[j]])
            if not area_ok.contains(seg) or _crosses_backbone(seg, tree, backbone.geometry.to_numpy()):
                continue
            candidates.append((i, j, length))
        local = {int(g): k for k, g in enumerate(members)}
        rows = [local[i] for i, j, _ in candidates]
        cols = [local[j] for i, j, _ in candidates]
        vals = [w for _, _, w in candidates]
        for a, b, _ in segs:
            if a in local and b in local:
                rows.append(local[a])
                cols.append(local[b])
                vals.append(1e-3)  # already built
        w = sp.coo_matrix((vals, (rows, cols)), shape=(len(members), len(members))).tocsr()
        w = sp.csr_matrix(w.maximum(w.T))
        ncomp, labels = connected_components(w, directed=False)
        while ncomp > 1:  # join pieces the filters left apart, nearest pair first
            comp0 = np.flatnonzero(labels == labels[0])
            other = np.flatnonzero(labels != labels[0])
            d, k = cKDTree(xy[members[other]]).query(xy[members[comp0]])
            a = int(np.argmin(d))
            i, j = sorted((int(members[comp0[a]]), int(members[other[k[a]]])))
            candidates.append((i, j, float(d[a])))
            extra = sp.coo_matrix(([d[a], d[a]], ([local[i], local[j]], [local[j], local[i]])), shape=w.shape)
            w = sp.csr_matrix(w + extra)
            ncomp, labels = connected_components(w, directed=False)
        mst = minimum_spanning_tree(sp.triu(w).tocsr()).tocoo()
        in_tree = {tuple(sorted((int(members[r]), int(members[c])))) for r, c in zip(mst.row, mst.col)}
        for i, j, _ in candidates:
            if (i, j) in in_tree or rng.random() < extra_edge_share:
                links[(i, j)] = "village"

    # Township roads: shortest routes (in minutes) from each seat to its larger units.
    speed = {**ROAD_CLASS_SPEED_KMH, **speeds_kmh}
    e_rows, e_cols, e_min = [], [], []
    for a, b, k in segs:
        e_rows.append(a)
        e_cols.append(b)
        e_min.append(float(np.hypot(*(xy[a] - xy[b]))) / speed[backbone["road_class"].iloc[k]])
    link_keys = sorted(links)
    for i, j in link_keys:
        e_rows.append(i)
        e_cols.append(j)
        e_min.append(float(np.hypot(*(xy[i] - xy[j]))) / speed["township"])
    m = sp.coo_matrix((e_min, (e_rows, e_cols)), shape=(n, n)).tocsr()
    m = sp.csr_matrix(m.maximum(m.T))
    seats = np.flatnonzero(nodes["is_seat"].to_numpy(bool))
    town = nodes["town_code"].astype(str).to_numpy()
    larger = (nodes["ur_code"].to_numpy() < 200) | nodes["central_village"].to_numpy(bool)
    if len(seats):
        _, pred = dijkstra(m, directed=False, indices=seats, return_predecessors=True)
        for row, s in enumerate(seats):
            for t in np.flatnonzero(larger & (town == town[s]) & ~nodes["is_seat"].to_numpy(bool)):
                cur = int(t)
                while cur != s and pred[row, cur] >= 0:
                    prev = int(pred[row, cur])
                    key = (min(prev, cur), max(prev, cur))
                    if key in links:
                        links[key] = "township"
                    cur = prev

    # The backbone with the joining points as vertices, then the links.
    used = {i for ij in links for i in ij if i >= n_places}
    out = backbone.copy()
    geoms = []
    for k, pts in enumerate(line_points):
        coords = [point_xy[key] for _, key, own in pts if own or index_of[key] in used]
        coords[0], coords[-1] = backbone.geometry.iloc[k].coords[0], backbone.geometry.iloc[k].coords[-1]
        geoms.append(LineString(coords))
    out = out.set_geometry(gpd.GeoSeries(geoms, index=out.index, crs=backbone.crs))
    new = gpd.GeoDataFrame(
        [
            {
                "road_class": cls,
                "bus_speed_kmh": float(speed[cls]),
                "bridge": False,
                "name": "",
                "source": "synthetic",
                "geometry": LineString([xy[i], xy[j]]),
            }
            for (i, j), cls in sorted(links.items())
        ],
        geometry="geometry",
        crs=backbone.crs,
    )
    logger.info(
        "backbone of %d lines joined by %d township and %d village roads",
        len(backbone),
        sum(c == "township" for c in links.values()),
        sum(c == "village" for c in links.values()),
    )
    return pd.concat([out, new], ignore_index=True)


def _crosses_backbone(seg: LineString, tree: shapely.STRtree, lines: np.ndarray) -> bool:
    """True when ``seg`` meets a backbone line anywhere but at its own two ends."""
    ends = shapely.MultiPoint(list(seg.coords)).buffer(0.5)
    for k in tree.query(seg, predicate="intersects"):
        if not shapely.intersection(seg, lines[k]).difference(ends).is_empty:
            return True
    return False
