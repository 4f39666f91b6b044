"""Synthetic districts: the building blocks of the bundled dataset and seeded examples.

Two uses:

* ``scripts/build_dataset.py`` builds the bundled Mengjin dataset from the real names,
  codes, settlement classes and boundary, and uses the functions here for everything that
  must be synthetic (population, pupils, schools, roads).
* Tests and benchmarks call :func:`synthetic_district` for small hand-sized districts up to
  many times Mengjin's size, reproducibly from a seed.

All coordinates here are metres in a projected CRS (:data:`METRIC_CRS` by default).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components, dijkstra, minimum_spanning_tree
from scipy.spatial import Delaunay, cKDTree
from shapely import LineString, Point, Polygon, box
from shapely.prepared import prep

from .schema import AGE_COLUMNS, BANDS_OF_KIND, GRADE_COLUMNS, GRADES_OF_BAND

if TYPE_CHECKING:
    from .district import District

logger = logging.getLogger(__name__)

#: Projected CRS for computation: UTM zone 49N (108-114 deg E), metres.
METRIC_CRS = "EPSG:32649"
#: Geographic CRS of the data files.
FILE_CRS = "EPSG:4326"

#: Default bus speed per road class, km/h.  The school-bus law (校车安全管理条例
#: Art. 35) caps buses at 60 km/h on ordinary roads and 80 km/h on expressways.
ROAD_CLASS_SPEED_KMH: dict[str, float] = {
    "expressway": 80.0,
    "trunk": 50.0,
    "county": 40.0,
    "township": 30.0,
    "village": 20.0,
}

#: Pupils per class used to size existing schools' classrooms (policy caps).
CLASS_CAP_OF_LEVEL: dict[str, int] = {"primary": 45, "junior": 50, "senior": 50}


@dataclass(frozen=True)
class Calibration:
    """District totals the synthetic counts are calibrated to.

    Attributes
    ----------
    population : int
        Residents in the district.
    primary_per_1000, junior_per_1000, senior_per_1000 : float
        Pupils of grades 1-6, 7-9 and general senior high 10-12 per 1,000 residents.
    births_by_year : Mapping[int, float]
        Births per calendar year; grade ``g`` in ``base_year`` is the cohort born in
        ``base_year - 5 - g`` (school starts at age 6, in September).
    base_year : int
        School year the enrolment describes (autumn of that year).
    """

    population: int = 486_000
    primary_per_1000: float = 80.0
    junior_per_1000: float = 40.0
    senior_per_1000: float = 20.0
    births_by_year: Mapping[int, float] | None = None
    base_year: int = 2023


#: Births per year in Mengjin, shaped on the published trend: about 7,000 a year in
#: 2016-17, falling to about 3,500 in 2023.
MENGJIN_BIRTHS: dict[int, float] = {
    2005: 6200,
    2006: 6250,
    2007: 6300,
    2008: 6350,
    2009: 6400,
    2010: 6450,
    2011: 6500,
    2012: 6600,
    2013: 6650,
    2014: 6700,
    2015: 6800,
    2016: 7000,
    2017: 7050,
    2018: 6300,
    2019: 5600,
    2020: 4700,
    2021: 4100,
    2022: 3750,
    2023: 3500,
}


# --------------------------------------------------------------------------- people


def synth_population(
    ur_codes: np.ndarray,
    total: int,
    rng: np.random.Generator,
    mean_by_ur: Mapping[int, float] | None = None,
) -> np.ndarray:
    """Draw residents per village-level unit, scaled to ``total``.

    Urban and town-seat units (111/112/121/122) are far larger than villages (220).

    Parameters
    ----------
    ur_codes : numpy.ndarray
        Settlement class of each unit.
    total : int
        District residents the draw is scaled to (exact after rounding).
    rng : numpy.random.Generator
        Source of randomness.
    mean_by_ur : Mapping[int, float], optional
        Relative mean size by class before scaling.

    Returns
    -------
    numpy.ndarray
        Residents per unit (int64), summing to ``total``.
    """
    mean_by_ur = mean_by_ur or {111: 5200, 112: 3300, 121: 5600, 122: 2300, 210: 2000, 220: 1150}
    means = np.array([mean_by_ur[int(u)] for u in ur_codes], dtype=float)
    sigma = np.where(ur_codes == 220, 0.45, 0.3)
    raw = means * rng.lognormal(mean=-0.5 * sigma**2, sigma=sigma)
    return _round_to_total(raw / raw.sum() * total, total)


def synth_children(
    population: np.ndarray,
    calibration: Calibration,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Pupils by grade (``g1``-``g12``) and children by age (``a0``-``a5``) per unit.

    District totals per grade follow the birth series; band totals are calibrated to the
    pupils-per-1,000-residents ratios; each cohort is spread over units in proportion to
    residents, with multinomial noise so that district totals are exact.

    Parameters
    ----------
    population : numpy.ndarray
        Residents per unit.
    calibration : Calibration
        Totals to meet.
    rng : numpy.random.Generator
        Source of randomness.

    Returns
    -------
    pandas.DataFrame
        Columns ``g1``..``g12`` and ``a0``..``a5`` (int64), one row per unit.
    """
    births = dict(calibration.births_by_year or MENGJIN_BIRTHS)
    y0 = calibration.base_year
    total_pop = float(population.sum())
    target = {
        "primary": calibration.primary_per_1000 * total_pop / 1000.0,
        "junior": calibration.junior_per_1000 * total_pop / 1000.0,
        "senior": calibration.senior_per_1000 * total_pop / 1000.0,
    }
    grades_of = {"primary": range(1, 7), "junior": range(7, 10), "senior": range(10, 13)}
    cohort = {g: births.get(y0 - 5 - g, births[min(births)]) for g in range(1, 13)}
    grade_total: dict[int, int] = {}
    for level, grades in grades_of.items():
        scale = target[level] / sum(cohort[g] for g in grades)
        for g in grades:
            grade_total[g] = int(round(cohort[g] * scale))
    # Children not yet at school: a0 born in the base year, a5 five years before.
    people = total_pop / calibration.population  # births are the district's; scale to this population
    age_total = {a: int(round(births.get(y0 - a, births[max(births)]) * 0.985 * people)) for a in range(6)}
    weights = population * rng.lognormal(mean=0.0, sigma=0.12, size=len(population))
    p = weights / weights.sum()
    out = {}
    for g in range(1, 13):
        out[f"g{g}"] = rng.multinomial(grade_total[g], p)
    for a in range(6):
        out[f"a{a}"] = rng.multinomial(age_total[a], p)
    return pd.DataFrame(out, columns=[*GRADE_COLUMNS, *AGE_COLUMNS]).astype("int64")


def _round_to_total(values: np.ndarray, total: int) -> np.ndarray:
    """Round non-negative ``values`` to integers summing exactly to ``total``."""
    floor = np.floor(values).astype(np.int64)
    short = int(total - floor.sum())
    if short > 0:
        order = np.argsort(-(values - floor), kind="stable")[:short]
        floor[order] += 1
    return floor


# --------------------------------------------------------------------------- places


def scatter_points(
    area: Polygon,
    n: int,
    rng: np.random.Generator,
    min_spacing_m: float,
    existing: np.ndarray | None = None,
    centre: tuple[float, float] | None = None,
    radius_m: tuple[float, float] | None = None,
    max_tries: int = 20_000,
) -> np.ndarray:
    """Place ``n`` points inside ``area`` at least ``min_spacing_m`` apart.

    With ``centre`` and ``radius_m`` the points fall in that ring around the centre
    (clipped to ``area``).  The spacing is relaxed step by step when the area is too
    crowded, so the call always returns ``n`` points.

    Returns
    -------
    numpy.ndarray
        Array of shape ``(n, 2)`` in the units of ``area``.
    """
    if n == 0:
        return np.zeros((0, 2))
    pa = prep(area)
    minx, miny, maxx, maxy = area.bounds
    pts: list[tuple[float, float]] = [] if existing is None else [tuple(p) for p in existing]
    n_existing = len(pts)
    spacing = min_spacing_m
    tries = 0
    while len(pts) - n_existing < n:
        if centre is not None and radius_m is not None:
            r = math.sqrt(rng.uniform(radius_m[0] ** 2, radius_m[1] ** 2))
            th = rng.uniform(0, 2 * math.pi)
            x, y = centre[0] + r * math.cos(th), centre[1] + r * math.sin(th)
        else:
            x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        tries += 1
        if tries % 400 == 0:
            spacing *= 0.85
            if radius_m is not None:
                radius_m = (radius_m[0] * 0.9, radius_m[1] * 1.1)
        if tries > max_tries:
            raise RuntimeError("could not place points; the area is too small")
        if not pa.contains(Point(x, y)):
            continue
        if pts:
            d = np.hypot(np.array(pts)[:, 0] - x, np.array(pts)[:, 1] - y).min()
            if d < spacing:
                continue
        pts.append((x, y))
    return np.array(pts[n_existing:], dtype=float)


# --------------------------------------------------------------------------- roads


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
        Lines with ``road_id``, ``road_class``, ``bus_speed_kmh``, ``bridge``, ``name``.
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
            "geometry": LineString([(h.x, h.y), (p.x, p.y)]),
        }
        for k, (p, h) in enumerate(zip(points.itertuples(), hosts.itertuples()))
        if (p.x, p.y) != (h.x, h.y)
    ]
    return pd.concat([roads, gpd.GeoDataFrame(rows, geometry="geometry", crs=roads.crs)], ignore_index=True)


# --------------------------------------------------------------------------- schools


def stem_of(name: str) -> str:
    """Short place name of a village-level unit: 东赵村村民委员会 -> 东赵."""
    for suffix in ("村村民委员会", "社区居民委员会", "村民委员会", "居民委员会", "社区", "村"):
        if name.endswith(suffix):
            stem = name[: -len(suffix)]
            return stem if len(stem) > 1 else stem + "村"
    return name


def _nearest(xy: np.ndarray, candidates: np.ndarray, cand_xy: np.ndarray) -> np.ndarray:
    if len(candidates) == 0:
        return np.full(len(xy), -1)
    _, k = cKDTree(cand_xy).query(xy)
    return candidates[k]


def current_enrolment(
    villages: pd.DataFrame,
    schools: pd.DataFrame,
    rng: np.random.Generator,
    local_share: tuple[float, float] = (0.6, 1.0),
    drift_share: tuple[float, float] = (0.0, 0.6),
) -> pd.DataFrame:
    """Today's pupils per school and grade, from the villages they live in.

    Each village sends each band to the nearest school of its town that teaches it
    (straight line); a village with its own teaching point or primary keeps a random
    share of grades 1-3 there and sends the rest to the town's central primary.  Senior
    pupils spread over the high schools by a gravity rule (``draw_weight`` / distance,
    where the optional ``draw_weight`` column says how strongly a school draws).  Every
    pupil is counted exactly once.  Primary pupils of a village whose school is not its
    town's central primary drift there in a random share (``drift_share``; 进城上学), so
    village schools shrink and town schools fill.

    Parameters
    ----------
    villages : pandas.DataFrame
        ``village_id``, ``town_code``, ``x``, ``y``, ``g1``..``g12``.
    schools : pandas.DataFrame
        ``school_id``, ``town_code``, ``kind``, ``x``, ``y``, ``village_id`` (host unit),
        ``status``.
    rng : numpy.random.Generator
        Draws the local share.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``schools``, columns ``g1``..``g12``.
    """
    enrol = np.zeros((len(schools), 12), dtype=np.int64)
    sxy = schools[["x", "y"]].to_numpy(float)
    vxy = villages[["x", "y"]].to_numpy(float)
    active = (schools["status"] == "open").to_numpy()
    kinds = schools["kind"].to_numpy()
    s_town = schools["town_code"].astype(str).to_numpy()
    v_town = villages["town_code"].astype(str).to_numpy()
    host = {
        vid: k
        for k, vid in enumerate(schools["village_id"])
        if active[k] and kinds[k] in ("teaching_point", "primary", "central_primary", "nine_year")
    }
    grades = villages[list(GRADE_COLUMNS)].to_numpy(np.int64)
    central_of_town = {s_town[k]: k for k in range(len(schools)) if kinds[k] == "central_primary" and active[k]}
    for band, gr in GRADES_OF_BAND.items():
        teaches = np.array([band in BANDS_OF_KIND[k] for k in kinds]) & active
        if band == "upper_primary" or band == "lower_primary":
            complete = teaches & (kinds != "teaching_point")
        else:
            complete = teaches
        cols = [g - 1 for g in gr]
        if band == "senior":
            pool = np.flatnonzero(complete)
            if len(pool) == 0:
                continue
            weight = (
                schools["draw_weight"].to_numpy(float)[pool] if "draw_weight" in schools.columns else np.ones(len(pool))
            )
            for vi in range(len(villages)):
                d = np.hypot(sxy[pool, 0] - vxy[vi, 0], sxy[pool, 1] - vxy[vi, 1]) + 3_000.0
                share = weight / d
                for c in cols:
                    enrol[pool, c] += _round_to_total(grades[vi, c] * share / share.sum(), int(grades[vi, c]))
            continue
        for vi in range(len(villages)):
            pool = np.flatnonzero(complete & (s_town == v_town[vi]))
            if len(pool) == 0:
                pool = np.flatnonzero(complete)
            target = int(_nearest(vxy[vi : vi + 1], pool, sxy[pool])[0])
            pupils = grades[vi, cols]
            if band == "lower_primary" and villages["village_id"].iloc[vi] in host:
                local = host[villages["village_id"].iloc[vi]]
                if local != target:
                    stay = np.floor(pupils * rng.uniform(*local_share)).astype(np.int64)
                    enrol[local, cols] += stay
                    pupils = pupils - stay
            hub = central_of_town.get(v_town[vi], -1)
            if band in ("lower_primary", "upper_primary") and hub >= 0 and hub != target:
                moved = np.floor(pupils * rng.uniform(*drift_share)).astype(np.int64)
                enrol[hub, cols] += moved
                pupils = pupils - moved
            enrol[target, cols] += pupils
    return pd.DataFrame(enrol, columns=list(GRADE_COLUMNS), index=schools.index)


def size_classrooms(
    schools: pd.DataFrame,
    enrol: pd.DataFrame,
    rng: np.random.Generator,
    overcrowded_ids: Sequence[str] = (),
) -> pd.DataFrame:
    """Classrooms, current classes, beds and room to expand for each school.

    Existing schools form their classes at a usual size below the policy cap (rural
    schools 28-40 pupils, town and urban schools 36-45) and have a few spare rooms, as
    districts with falling enrolment do; ``overcrowded_ids`` get fewer rooms than the caps
    need, so their classes run over the cap (大班额).  Teaching points run mixed-grade
    classes (复式班).

    Returns
    -------
    pandas.DataFrame
        ``classes``, ``classrooms``, ``max_added_classrooms`` indexed like ``schools``.
    """
    out = pd.DataFrame(index=schools.index, columns=["classes", "classrooms", "max_added_classrooms"], dtype="int64")
    for k, s in schools.iterrows():
        e = enrol.loc[k]
        if s["status"] == "planned":
            out.loc[k] = [0, int(s["classrooms"]), 0]
            continue
        if s["kind"] == "teaching_point":
            n = int(e[["g1", "g2", "g3"]].sum())
            classes = max(1, math.ceil(n / 25))
            out.loc[k] = [classes, classes + int(rng.integers(0, 2)), 0]
            continue
        classes = 0
        ur = int(s["ur_code"])
        usual = rng.uniform(28, 40) if ur in (210, 220) else rng.uniform(36, 45)
        for g in range(1, 13):
            pupils = int(e[f"g{g}"])
            if pupils == 0:
                continue
            level = "primary" if g <= 6 else ("junior" if g <= 9 else "senior")
            cap = min(usual, CLASS_CAP_OF_LEVEL[level])
            if s["school_id"] in overcrowded_ids:
                cap = int(round(CLASS_CAP_OF_LEVEL[level] * rng.uniform(1.12, 1.25)))
            classes += math.ceil(pupils / cap)
        classes = max(classes, 1)
        spare = 0 if s["school_id"] in overcrowded_ids else int(rng.integers(0, 4))
        room = int(rng.integers(6, 25)) if ur in (111, 112, 121, 122) else int(rng.integers(0, 4))
        out.loc[k] = [classes, classes + spare, room]
    return out.astype("int64")


# --------------------------------------------------------------------------- whole districts


def synthetic_district(
    n_towns: int = 4,
    villages_per_town: int = 8,
    seed: int = 0,
    scale: float = 1.0,
    base_year: int = 2023,
) -> District:
    """A reproducible synthetic district, from a handful of villages to a prefecture.

    Towns are laid on a jittered grid with a river along the northern edge crossed by
    bridges; each town has a seat (121), fringe units (122) and villages (220); each town
    seat has a central primary and a junior school with some boarding beds; larger
    villages have complete primaries; small ones teaching points; the first town hosts an
    urban core (111/112) with the high schools.

    Parameters
    ----------
    n_towns : int
        Number of towns.  ``scale`` multiplies it.
    villages_per_town : int
        Village-level units per town.
    seed : int
        Seed of :func:`numpy.random.default_rng`.
    scale : float
        Size multiplier relative to the arguments: ``synthetic_district(14, 19, scale=16)``
        is about 16 times Mengjin (270 units).
    base_year : int
        School year of the enrolment.

    Returns
    -------
    layout_opt.district.District
        In memory, in :data:`METRIC_CRS`.

    Examples
    --------
    >>> from layout_opt.examples import synthetic_district
    >>> d = synthetic_district(n_towns=2, villages_per_town=5, seed=1)
    >>> len(d.villages)  # two towns and the urban subdistrict
    15
    """
    from .district import District

    rng = np.random.default_rng(seed)
    n_towns = max(1, int(round(n_towns * scale)))
    cols = max(1, int(math.ceil(math.sqrt(n_towns * 1.6))))
    rows_ = int(math.ceil(n_towns / cols))
    spacing = 9_000.0
    width, height = cols * spacing, rows_ * spacing
    x0, y0 = 600_000.0, 3_850_000.0
    river_gap = 400.0
    land = box(x0, y0, x0 + width, y0 + height)
    north = box(x0, y0 + height + river_gap, x0 + width, y0 + height + river_gap + 4_000.0)
    town_rows = []
    seats_xy = []
    for t in range(n_towns):
        r, c = divmod(t, cols)
        sx = x0 + (c + 0.5) * spacing + rng.uniform(-1500, 1500)
        sy = y0 + (r + 0.5) * spacing + rng.uniform(-1500, 1500)
        seats_xy.append((sx, sy))
        code = f"9{t:08d}"
        town_rows.append(
            {
                "town_code": code,
                "town": f"T{t:03d}镇",
                "town_kind": "town",
                "x": sx,
                "y": sy,
                "coord_source": "synthetic",
            }
        )
    # Urban area: a small district north of the river (like Jili), one subdistrict.
    ux, uy = x0 + width * 0.5, y0 + height + river_gap + 2_000.0
    town_rows.append(
        {
            "town_code": "900000999",
            "town": "城区街道",
            "town_kind": "subdistrict",
            "x": ux,
            "y": uy,
            "coord_source": "synthetic",
        }
    )
    towns = pd.DataFrame(town_rows)
    v_rows = []
    all_xy = np.array(seats_xy + [(ux, uy)])
    for _t, trow in towns.iterrows():
        n_v = max(2, round(villages_per_town))  # noqa: RUF057 (a float is accepted too)
        is_urban = trow["town_kind"] == "subdistrict"
        area = north if is_urban else land.intersection(Point(trow["x"], trow["y"]).buffer(spacing * 0.62))
        n_seat_units = 2 if is_urban else 1
        n_fringe = max(1, n_v // 5)
        pts = scatter_points(
            area,
            n_v,
            rng,
            700.0,
            existing=all_xy,
            centre=(trow["x"], trow["y"]),
            radius_m=(300.0, spacing * 0.6 if not is_urban else 2_500.0),
        )
        all_xy = np.vstack([all_xy, pts])
        d = np.hypot(pts[:, 0] - trow["x"], pts[:, 1] - trow["y"])
        order = np.argsort(d, kind="stable")
        for rank, k in enumerate(order):
            if is_urban:
                ur = 111 if rank < n_seat_units else 112
            else:
                ur = 121 if rank < n_seat_units else (122 if rank < n_seat_units + n_fringe else 220)
            v_rows.append(
                {
                    "town_code": trow["town_code"],
                    "town": trow["town"],
                    "ur_code": ur,
                    "x": pts[k, 0],
                    "y": pts[k, 1],
                    "bank": "north" if is_urban else "south",
                }
            )
    villages = pd.DataFrame(v_rows)
    villages.insert(0, "village_id", [f"9{k:011d}" for k in range(len(villages))])
    villages.insert(1, "name", [f"V{k:04d}村" for k in range(len(villages))])
    pop_total = int(486_000 * len(villages) / 270)
    villages["population"] = synth_population(villages["ur_code"].to_numpy(), pop_total, rng)
    villages["central_village"] = False
    for _code, grp in villages.groupby("town_code", sort=True):
        rural = grp[grp["ur_code"] == 220].sort_values("population", ascending=False)
        villages.loc[rural.index[: 1 if len(grp) < 12 else 2], "central_village"] = True
    kids = synth_children(villages["population"].to_numpy(), Calibration(population=486_000, base_year=base_year), rng)
    villages = pd.concat([villages, kids], axis=1)
    villages["coord_source"] = "synthetic"
    sites = school_sites(villages, towns, rng, high_schools=max(2, len(villages) // 90))
    schools = equip_schools(sites, villages, rng, overcrowded_share=0.5)
    nodes = pd.concat(
        [
            pd.DataFrame(
                {
                    "x": towns["x"],
                    "y": towns["y"],
                    "bank": np.where(towns["town_kind"] == "subdistrict", "north", "south"),
                    "town_code": towns["town_code"],
                    "is_seat": True,
                    "ur_code": 121,
                    "central_village": False,
                }
            ),
            pd.DataFrame(
                {
                    "x": villages["x"],
                    "y": villages["y"],
                    "bank": villages["bank"],
                    "town_code": villages["town_code"],
                    "is_seat": False,
                    "ur_code": villages["ur_code"],
                    "central_village": villages["central_village"],
                }
            ),
        ],
        ignore_index=True,
    )
    bridge_xs = np.linspace(x0 + width * 0.2, x0 + width * 0.8, max(1, cols // 3 + 1))
    bridges = [((bx, y0 + height), (bx, y0 + height + river_gap), f"大桥{k + 1}") for k, bx in enumerate(bridge_xs)]
    roads = build_road_network(nodes, {"south": land, "north": north}, bridges=bridges, rng=rng)
    hosts = villages.set_index("village_id").loc[schools["village_id"], ["x", "y"]]
    roads = add_access_roads(roads, schools[["x", "y"]], hosts)
    boundary = gpd.GeoDataFrame({"name": ["south", "north"]}, geometry=[land, north], crs=METRIC_CRS)
    return District.from_frames(
        villages=_to_gdf(villages),
        schools=_to_gdf(schools),
        roads=roads,
        towns=_to_gdf(towns),
        boundary=boundary,
        base_year=base_year,
        name=f"synthetic-{seed}-{len(villages)}",
    )


def _to_gdf(df: pd.DataFrame) -> gpd.GeoDataFrame:
    geom = gpd.points_from_xy(df["x"], df["y"])
    return gpd.GeoDataFrame(
        df.drop(columns=[c for c in ("x", "y", "bank") if c in df.columns]), geometry=geom, crs=METRIC_CRS
    )


def school_sites(
    villages: pd.DataFrame,
    towns: pd.DataFrame,
    rng: np.random.Generator,
    high_schools: int = 2,
    teaching_point_share: float = 0.55,
    primary_min_population: int = 1_500,
    boarding_share: float = 0.7,
) -> pd.DataFrame:
    """Where a Chinese rural district has its schools, before enrolment is counted.

    Every town seat gets a central primary and a junior school (some with boarding
    beds); subdistricts get urban primaries and juniors sized to their pupils; central
    villages and larger villages get complete primaries; a share of the remaining
    villages gets a teaching point; the largest urban units get the high schools.

    Parameters
    ----------
    villages : pandas.DataFrame
        With ``village_id``, ``name``, ``town_code``, ``ur_code``, ``central_village``,
        ``population``, ``x``, ``y`` and ``g1``..``g12``.
    towns : pandas.DataFrame
        ``town_code``, ``town``, ``town_kind`` (``town``/``subdistrict``), ``x``, ``y``.
    rng : numpy.random.Generator
        Source of randomness.

    Returns
    -------
    pandas.DataFrame
        One row per school: ``name``, ``town_code``, ``kind``, ``village_id`` (host
        unit), ``ur_code``, ``x``, ``y``, ``status``, ``open_year``, ``planned_seats``,
        ``classrooms``, ``beds``.  Add rows for named or planned schools, then call
        :func:`equip_schools`.
    """
    rows: list[dict] = []
    vx = villages.set_index("village_id")

    def add(kind: str, vid: str, name: str, town_code: str, offset: float = 120.0, beds: int = 0) -> None:
        rows.append(school_row(vx.loc[vid], kind, name, town_code, rng, offset=offset, beds=beds))

    has_primary: set[str] = set()
    for _, t in towns.iterrows():
        units = villages[villages["town_code"] == t["town_code"]]
        core = units[units["ur_code"].isin([111, 121])].sort_values("population", ascending=False)
        seat_vid = core["village_id"].iloc[0] if len(core) else units.loc[units["population"].idxmax(), "village_id"]
        if t["town_kind"] == "subdistrict":
            urban = units[units["ur_code"].isin([111, 112])].sort_values("population", ascending=False)
            if len(urban) == 0:
                urban = units.sort_values("population", ascending=False)
            prim = int(urban[[f"g{g}" for g in range(1, 7)]].to_numpy().sum())
            for k, vid in enumerate(urban["village_id"].iloc[: max(1, math.ceil(prim / 1_400))]):
                add("primary", vid, f"{t['town']}第{_ordinal_zh(k)}小学", t["town_code"])
                has_primary.add(vid)
            jun = int(urban[["g7", "g8", "g9"]].to_numpy().sum())
            for k, vid in enumerate(urban["village_id"].iloc[: max(1, math.ceil(jun / 1_500))]):
                add("junior", vid, f"{t['town']}第{_ordinal_zh(k)}初级中学", t["town_code"], offset=250.0)
        else:
            beds_p = int(rng.integers(10, 31)) * 10 if rng.random() < boarding_share else 0
            beds_j = int(rng.integers(20, 61)) * 10 if rng.random() < boarding_share + 0.15 else 0
            add("central_primary", seat_vid, f"{t['town']}中心小学", t["town_code"], beds=beds_p)
            has_primary.add(seat_vid)
            add("junior", seat_vid, f"{t['town']}初级中学", t["town_code"], offset=300.0, beds=beds_j)
    rural = villages[~villages["village_id"].isin(has_primary) & villages["ur_code"].isin([122, 210, 220])]
    big = rural[(rural["central_village"]) | (rural["population"] >= primary_min_population)]
    for _, v in big.iterrows():
        add("primary", v["village_id"], f"{stem_of(v['name'])}小学", v["town_code"])
        has_primary.add(v["village_id"])
    rest = rural[~rural["village_id"].isin(has_primary) & (rural["ur_code"] == 220)]
    n_tp = int(round(len(rest) * teaching_point_share))
    for _, v in rest.sort_values("population", kind="stable").iloc[:n_tp].iterrows():
        add("teaching_point", v["village_id"], f"{stem_of(v['name'])}教学点", v["town_code"])
    urban_units = villages[villages["ur_code"].isin([111, 112])].sort_values("population", ascending=False)
    for k in range(min(high_schools, len(urban_units))):
        vid = urban_units["village_id"].iloc[k]
        add("high", vid, f"第{_ordinal_zh(k)}高级中学", urban_units["town_code"].iloc[k], offset=400.0)
    return pd.DataFrame(rows)


_ZH_NUM = ("一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二", "十三", "十四", "十五", "十六")


def _ordinal_zh(k: int) -> str:
    """Chinese ordinal for the k-th (0-based) school of a kind: 一, 二, ..., then digits."""
    return _ZH_NUM[k] if k < len(_ZH_NUM) else str(k + 1)


def school_row(
    host: pd.Series,
    kind: str,
    name: str,
    town_code: str,
    rng: np.random.Generator,
    offset: float = 120.0,
    beds: int = 0,
    status: str = "open",
    open_year: int = 0,
    planned_seats: int = 0,
    classrooms: int = 0,
) -> dict:
    """One school sited ``offset`` metres from its host unit ``host`` (a villages row
    indexed by ``village_id``), in a random direction."""
    ang = rng.uniform(0, 2 * math.pi)
    return {
        "name": name,
        "town_code": town_code,
        "kind": kind,
        "village_id": host.name,
        "ur_code": int(host["ur_code"]),
        "x": float(host["x"]) + offset * math.cos(ang),
        "y": float(host["y"]) + offset * math.sin(ang),
        "status": status,
        "open_year": open_year,
        "planned_seats": planned_seats,
        "classrooms": classrooms,
        "beds": beds,
    }


def equip_schools(
    sites: pd.DataFrame,
    villages: pd.DataFrame,
    rng: np.random.Generator,
    overcrowded_ids: Sequence[str] = (),
    overcrowded_share: float = 0.0,
    id_prefix: str = "S",
) -> pd.DataFrame:
    """Give school sites ids, today's enrolment, classes, classrooms and room to grow.

    Enrolment comes from :func:`current_enrolment`; classrooms from
    :func:`size_classrooms`; high schools board half their pupils.

    Parameters
    ----------
    sites : pandas.DataFrame
        From :func:`school_sites`, possibly with extra rows.
    villages : pandas.DataFrame
        The villages the pupils come from.
    rng : numpy.random.Generator
        Source of randomness.
    overcrowded_ids : sequence of str
        Schools (by their new id) whose classes run over the caps.
    overcrowded_share : float
        Alternatively, the share of urban and town-seat schools to overcrowd.
    id_prefix : str
        Prefix of the generated ``school_id``.

    Returns
    -------
    pandas.DataFrame
        The schools file's columns plus ``x``, ``y`` (metres).
    """
    schools = sites.reset_index(drop=True).copy()
    schools.insert(0, "school_id", [f"{id_prefix}{k:04d}" for k in range(len(schools))])
    enrol = current_enrolment(villages, schools, rng)
    schools = pd.concat([schools, enrol], axis=1)
    over = list(overcrowded_ids)
    if overcrowded_share > 0:
        urban = schools[
            (schools["ur_code"].isin([111, 121]))
            & schools["kind"].isin(["primary", "central_primary", "junior"])
            & (schools["status"] == "open")
        ]
        over += (
            urban["school_id"].sample(frac=overcrowded_share, random_state=int(rng.integers(1 << 30))).tolist()
            if len(urban)
            else []
        )
    rooms = size_classrooms(schools, enrol, rng, overcrowded_ids=over)
    schools[["classes", "classrooms", "max_added_classrooms"]] = rooms
    high = (schools["kind"] == "high") & (schools["status"] == "open")
    schools.loc[high, "beds"] = (schools.loc[high, list(GRADE_COLUMNS)].sum(axis=1) * 0.5).round(-1).astype(int)
    schools["grades"] = [_grades_text(k) for k in schools["kind"]]
    return schools


def _grades_text(kind: str) -> str:
    grades = sorted(g for b in BANDS_OF_KIND[kind] for g in GRADES_OF_BAND[b])
    return f"{grades[0]}-{grades[-1]}"
