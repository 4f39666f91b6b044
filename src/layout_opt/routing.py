"""School-bus routes for a plan: which bus picks up which village, in what order, how long.

The layout model checks each day pupil's *direct* trip (village to school) against the
band's day limit.  Real buses stop at several villages, so a bus route must also respect
the ride limits and the bus seats.  This module routes the day pupils of every receiving
school of a plan for one year, with the OR-Tools routing solver.

Formulation
-----------
Every receiving school is routed on its own, as a capacitated vehicle-routing problem with
one upper bound per stop:

* **Who rides.**  Day pupils (``mode == "day"``) of a village farther from its school than
  :attr:`RoutingParams.walk_threshold_km` (road-network distance by default, including
  the walk from the village point to the road and from the road to the school gate; set
  ``walk_measure="straight_line"`` for the radius of the planning norms).  Nearer pupils
  walk.  Boarding pupils travel weekly and are not routed.
* **Stops.**  One stop per village and band (the bands of one village may share a bus).
  A stop with more pupils than the largest bus is split into pseudo-stops of one full bus
  each plus the remainder, so every pseudo-stop fits in one bus; a full pseudo-stop gets a
  bus of its own without search.  The bus halts where the village joins the road network
  (the foot of the perpendicular on the nearest road, as in the travel matrix); stops at
  the same halt that a bus visits one after the other cost one stop time, not several.
* **Runs come before school.**  The morning run starts at the first pickup and ends at the
  school.  It is modelled *in reverse* (from the school outwards, over the same undirected
  roads), so that the time a stop accumulates in the model is exactly the ride of the
  pupils boarding there, and the ride limit becomes a plain upper bound on that stop.
* **Ride limit.**  For every pupil: walk to the halt + minutes on board (from the start of
  the stop where the pupil boards, including the stop times of later halts) + walk from the
  school's halt to the gate <= the band's day limit (:attr:`RoutingParams.ride_limit_min`).
  Bands with different limits share buses; each stop carries its own bound.  This is the
  trip the model measures, plus the stops of the bus.
* **Seats.**  Each bus carries at most its seats (:class:`VehicleType`; one type of 56
  seats by default, GB 24407-2012); a mixed fleet is a tuple of types, each with an
  optional number of buses per school.
* **Objective.**  A fixed cost per bus used (large by default, so the number of buses is
  minimised first) plus the minutes the buses drive: the loaded run and, when the bus is
  based at the school (``empty_legs=True``), the empty leg to the first pickup.
* **Never infeasible, never hidden.**  A stop whose own direct trip (plus its stop time)
  already exceeds its limit gets the bound relaxed to that direct trip, i.e. a bus of its
  own; a group that cannot be routed at all (no road to the school, or a limited fleet too
  small) is left out.  Both are listed in :attr:`BusPlan.violations`, with the village,
  the band, the school and the minutes.

Determinism
-----------
The routing solver is single-threaded; its first-solution heuristics and local search are
deterministic for the same model.  The search stops on limits that do not depend on the
clock: phase 1 builds a first solution and runs a greedy descent, which ends by itself at
a local optimum; phase 2 runs the metaheuristic (guided local search) from there for
exactly :attr:`RoutingParams.solution_limit` accepted solutions, and the better of the two
is kept.  The local-search operators that use the solver's per-neighbour wall-clock limit
(``lns_time_limit``: path, full-path, TSP and inactive LNS) are off by default and are
not switched on.  Schools are routed in sorted order, stops are built in sorted order,
buses are renumbered by a stable key (first pickup village, band, seats).  A wall-clock
cap (:attr:`RoutingParams.safety_time_limit_s`, generous) only guards against a runaway
search; a school that reaches it is logged as a warning and named in
``totals["schools_stopped_by_time_cap"]``, because its routes may then depend on the
machine.

Acting on violations: the re-solve loop
---------------------------------------
A violation means the bus cannot deliver the trip the plan counted on: usually the stop
time on top of a direct trip right at the limit (``cause == "stop time"``), or a direct
trip already over the limit (``"direct trip"``), or no road at all (``"no road"``).  To act
on it, forbid those village-band-school pairs and solve the layout model again (its build
function takes a frame of forbidden pairs), then route the new plan; repeat until no
violation is left::

    bus = route_buses(plan.assignments, villages, schools, roads, year=2026)
    forbidden = forbidden_pairs(bus.violations)
    while len(forbidden):
        plan = ...  # the layout model, re-solved with ``forbidden`` pairs removed
        bus = route_buses(plan.assignments, villages, schools, roads, year=2026)
        new = forbidden_pairs(bus.violations)
        forbidden = pd.concat([forbidden, new]).drop_duplicates() if len(new) else new

The model then sends those pupils to another school within the limit or, for the bands
that may board, to a boarding school.  Each round forbids pairs not forbidden before (a
forbidden pair cannot come back), and the pairs are finitely many, so the loop ends; if
the model becomes infeasible, its explanation names the villages left without a school.
Violations of ``cause == "fleet too small"`` come from a fleet limited by
:attr:`VehicleType.count`: add buses rather than forbid pairs
(``forbidden_pairs(..., causes=["direct trip", "stop time", "no road"])``).  A lighter
alternative for ``"stop time"`` violations is to tighten the model's day limits by the
stop time, so that the direct trips it accepts leave room for one halt.

Outputs
-------
:class:`BusPlan` holds the tables of the run folder: ``routes`` (``routes.csv``),
``per_school``, ``violations``, ``totals`` (for ``summary.json``) and
:meth:`BusPlan.route_lines` (route lines for the GeoPackage and the report map).  This
module writes no files.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
import shapely
from scipy.sparse.csgraph import dijkstra

from .roadgraph import RoadGraph, attach_points, build_road_graph
from .schema import BANDS
from .school_routes import SchoolResult, km_matrix, route_school
from .vrp import DEFAULT_RIDE_LIMIT_MIN, RoutingParams, SchoolRoutes, VehicleType, route_from_matrix

__all__ = [
    "ASSIGNMENT_COLUMNS",
    "DEFAULT_RIDE_LIMIT_MIN",
    "PER_SCHOOL_COLUMNS",
    "ROUTE_COLUMNS",
    "VIOLATION_COLUMNS",
    "BusPlan",
    "RoutingParams",
    "SchoolRoutes",
    "VehicleType",
    "forbidden_pairs",
    "route_buses",
    "route_district",
    "route_from_matrix",
]

logger = logging.getLogger(__name__)


#: Columns every assignments table has (``assignments.csv``, ``README.md``).
ASSIGNMENT_COLUMNS: tuple[str, ...] = ("year", "village_id", "band", "school_id", "mode", "pupils", "travel_min")

#: Columns of :attr:`BusPlan.routes`.
ROUTE_COLUMNS: tuple[str, ...] = (
    "school_id",
    "bus",
    "seats",
    "stop_order",
    "village_id",
    "band",
    "pupils_picked_up",
    "minutes_on_board",
    "trip_min",
    "limit_min",
)
#: Columns of :attr:`BusPlan.per_school`.
PER_SCHOOL_COLUMNS: tuple[str, ...] = (
    "school_id",
    "buses",
    "seats",
    "pupils_bused",
    "pupils_walking",
    "halts",
    "bus_km_per_day",
    "longest_ride_min",
    "violation_pupils",
)
#: Columns of :attr:`BusPlan.violations`.
VIOLATION_COLUMNS: tuple[str, ...] = (
    "village_id",
    "band",
    "school_id",
    "pupils",
    "ride_min",
    "limit_min",
    "direct_min",
    "cause",
)
_LINE_COLUMNS: tuple[str, ...] = (
    "school_id",
    "bus",
    "seats",
    "halts",
    "pupils",
    "run_km",
    "bus_km_per_day",
    "longest_ride_min",
)


@dataclass(frozen=True)
class BusPlan:
    """Bus routes of a plan for one year.

    Attributes
    ----------
    year : int
        School year routed.
    routes : pandas.DataFrame
        ``routes.csv``: one row per (pseudo-)stop of each bus, in pickup order:
        ``school_id``, ``bus`` (1.. per school), ``seats``, ``stop_order`` (halt number
        on the run, 1 = first pickup; stops of one village at one halt share it),
        ``village_id``, ``band``, ``pupils_picked_up``, ``minutes_on_board`` (from the
        start of the stop time at the halt to arrival at the school), ``trip_min``
        (with the walks to the halt and to the gate) and ``limit_min`` (the band's day
        limit).
    per_school : pandas.DataFrame
        One row per receiving school with day pupils: ``school_id``, ``buses``, ``seats``,
        ``pupils_bused``, ``pupils_walking``, ``halts``, ``bus_km_per_day`` (km, all
        runs of all buses, with the empty legs if ``empty_legs``), ``longest_ride_min``
        (minutes on board), ``violation_pupils``.
    violations : pandas.DataFrame
        Every village-band-school group whose pupils' routed trip exceeds the limit or that
        got no bus: ``village_id``, ``band``, ``school_id``, ``pupils``, ``ride_min``
        (routed trip, minutes; ``inf`` if not routed), ``limit_min``, ``direct_min``
        (the trip on a bus of its own, with the stop time), ``cause`` (``"direct trip"``:
        even a bus of its own is too slow; ``"stop time"``: the direct trip fits, the stop
        time does not; ``"no road"``: the school cannot be reached on the roads;
        ``"fleet too small"``: a limited fleet has no seat left).
    totals : dict
        Key figures for ``summary.json`` (JSON-ready).
    params : RoutingParams
        The parameters used.
    crs : object
        CRS of the route geometries (that of the road network).
    """

    year: int
    routes: pd.DataFrame
    per_school: pd.DataFrame
    violations: pd.DataFrame
    totals: dict
    params: RoutingParams
    crs: Any = None
    _paths: dict = field(default_factory=dict, repr=False, compare=False)
    _bus_stats: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False, compare=False)

    def route_lines(self) -> gpd.GeoDataFrame:
        """One line per bus along the roads, from its first pickup to the school.

        Returns
        -------
        geopandas.GeoDataFrame
            ``school_id``, ``bus``, ``seats``, ``halts``, ``pupils``, ``run_km`` (loaded run,
            km), ``bus_km_per_day``, ``longest_ride_min``, geometry (LineString in
            :attr:`crs`).
        """
        stats = self._bus_stats
        cols = list(_LINE_COLUMNS)
        if stats.empty:
            return gpd.GeoDataFrame(pd.DataFrame(columns=cols), geometry=gpd.GeoSeries([], crs=self.crs), crs=self.crs)
        geoms = []
        for key in zip(stats["school_id"], stats["bus"]):
            xy = self._paths[key]
            if len(xy) < 2:
                xy = np.vstack([xy, xy])
            geoms.append(shapely.LineString(xy))
        return gpd.GeoDataFrame(stats[cols].reset_index(drop=True), geometry=geoms, crs=self.crs)


def forbidden_pairs(violations: pd.DataFrame, causes: Iterable[str] | None = None) -> pd.DataFrame:
    """Village-band-school pairs the model should not use again.

    Parameters
    ----------
    violations : pandas.DataFrame
        :attr:`BusPlan.violations`.
    causes : Iterable[str], optional
        Only violations with these causes (e.g. ``["direct trip", "stop time"]``); all by
        default.

    Returns
    -------
    pandas.DataFrame
        ``village_id``, ``band``, ``school_id``, one row per pair, sorted; the model's
        build function takes it to re-solve without those pairs (see the module
        docstring).
    """
    v = violations
    if causes is not None and "cause" in v.columns:
        v = v[v["cause"].isin(list(causes))]
    out = v[["village_id", "band", "school_id"]].astype(str).drop_duplicates()
    return out.sort_values(["village_id", "band", "school_id"]).reset_index(drop=True)


def _check_assignments(assignments: pd.DataFrame) -> None:
    missing = [c for c in ASSIGNMENT_COLUMNS if c not in assignments.columns]
    if missing:
        raise ValueError(f"assignments: missing column(s) {missing}; expected {list(ASSIGNMENT_COLUMNS)}")
    bad = sorted(set(assignments["band"]) - set(BANDS))
    if bad:
        raise ValueError(f"assignments: unknown band(s) {bad}; expected some of {list(BANDS)}")
    modes = sorted(set(assignments["mode"]) - {"day", "boarding"})
    if modes:
        raise ValueError(f"assignments: unknown mode(s) {modes}; expected 'day' or 'boarding'")


def _points_xy(points: gpd.GeoDataFrame, crs: Any, role: str) -> np.ndarray:
    """Point coordinates in the roads' metric CRS, metres."""
    if crs is not None and points.crs is not None and points.crs != crs:
        points = points.to_crs(crs)
    if points.crs is not None and points.crs.is_geographic:
        raise ValueError(f"{role} are in a geographic CRS; project them to the roads' metric CRS")
    return np.column_stack([points.geometry.x.to_numpy(float), points.geometry.y.to_numpy(float)])


def _day_groups(assignments: pd.DataFrame, year: int | None) -> tuple[int, pd.DataFrame]:
    """Day pupils of one year per school, village and band (sorted)."""
    _check_assignments(assignments)
    a = assignments.loc[:, list(ASSIGNMENT_COLUMNS)].copy()
    a["village_id"] = a["village_id"].astype(str)
    a["school_id"] = a["school_id"].astype(str)
    years = sorted(int(y) for y in pd.unique(a["year"]))
    if year is None:
        if len(years) != 1:
            raise ValueError(f"assignments hold years {years}; say which one to route (year=...)")
        year = years[0]
    if int(year) not in years:
        raise ValueError(f"assignments have no rows for year {year}; years present: {years}")
    pupils = pd.to_numeric(a["pupils"], errors="coerce")
    if pupils.isna().any() or (pupils < 0).any():
        raise ValueError("assignments: pupils must be numbers >= 0")
    a["pupils"] = pupils
    a = a[(a["year"].astype(int) == int(year)) & (a["mode"] == "day") & (a["pupils"] > 0)]
    a = a.groupby(["school_id", "village_id", "band"], as_index=False, sort=True)["pupils"].sum()
    a["pupils"] = np.rint(a["pupils"].to_numpy(float)).astype(np.int64)
    return int(year), a[a["pupils"] > 0].reset_index(drop=True)


def route_buses(
    assignments: pd.DataFrame,
    villages: gpd.GeoDataFrame,
    schools: gpd.GeoDataFrame,
    roads: gpd.GeoDataFrame | None,
    *,
    year: int | None = None,
    params: RoutingParams | None = None,
    graph: RoadGraph | None = None,
) -> BusPlan:
    """Route the day pupils of every receiving school of a plan, for one year.

    Parameters
    ----------
    assignments : pandas.DataFrame
        The plan's ``assignments.csv`` table: ``year, village_id, band, school_id, mode,
        pupils, travel_min`` (``travel_min`` is not used: trips are measured here).
    villages, schools : geopandas.GeoDataFrame
        Points with ``village_id`` / ``school_id`` (reprojected to the roads' CRS if
        needed).
    roads : geopandas.GeoDataFrame or None
        Road lines with ``road_class`` (and optionally ``bus_speed_kmh``); may be None
        when ``graph`` is given.
    year : int, optional
        Year to route; may be omitted when the table holds a single year.
    params : RoutingParams, optional
        Walking threshold, buses, stop time, ride limits, search limits.
    graph : RoadGraph, optional
        A prebuilt road graph (:func:`layout_opt.travel.build_road_graph`) to reuse.

    Returns
    -------
    BusPlan

    Raises
    ------
    ValueError
        For a malformed assignments table, a year not in it, ids missing from
        ``villages``/``schools``, or points in a geographic CRS.

    Examples
    --------
    >>> from layout_opt.routing import RoutingParams, route_buses, forbidden_pairs
    >>> bus = route_buses(plan.assignments, d.villages, d.schools, d.roads, year=2026)  # doctest: +SKIP
    >>> bus.per_school.head(); bus.violations; forbidden_pairs(bus.violations)  # doctest: +SKIP
    """
    p = params or RoutingParams()
    year, a = _day_groups(assignments, year)
    if graph is None:
        if roads is None:
            raise ValueError("route_buses needs a road network: give roads or a prebuilt graph")
        graph = build_road_graph(roads)
    crs = graph.crs if graph.crs is not None else villages.crs
    places = _attach_riders(a, villages, schools, graph, crs, p)
    t_start = time.perf_counter()
    results: list[SchoolResult] = []
    for school_id, grp in places.groups.groupby("school_id", sort=True):
        s = int(pd.Index(places.school_ids).get_loc(school_id))
        results.append(
            route_school(
                str(school_id),
                grp[grp["rides"]].sort_values(["village_id", "band"]).reset_index(drop=True),
                int(grp.loc[~grp["rides"], "pupils"].sum()),
                int(places.school_node[s]),
                float(places.school_walk_min[s]),
                places.graph,
                places.km,
                p,
            )
        )
    seconds = time.perf_counter() - t_start
    capped = [r.row["school_id"] for r in results if r.capped]
    if capped:
        logger.warning(
            "the wall-clock safety cap stopped the search for %d school(s) (%s); their routes may differ between machines",
            len(capped),
            ", ".join(capped),
        )
    routes = pd.DataFrame([x for r in results for x in r.routes], columns=list(ROUTE_COLUMNS))
    per_school = pd.DataFrame([r.row for r in results], columns=list(PER_SCHOOL_COLUMNS))
    violations = pd.DataFrame([x for r in results for x in r.violations], columns=list(VIOLATION_COLUMNS))
    bus_stats = pd.DataFrame([x for r in results for x in r.buses], columns=list(_LINE_COLUMNS))
    paths = {k: v for r in results for k, v in r.paths.items()}
    if len(violations):
        violations = violations.sort_values(["school_id", "village_id", "band", "cause"]).reset_index(drop=True)
        _log_violations(violations)
    totals = _bus_totals(year, places.groups, routes, per_school, violations, results, capped, p)
    logger.info(
        "routed %d schools for %d in %.1f s: %d buses, %.0f bus-km a day, %d violation(s)",
        len(per_school),
        year,
        seconds,
        totals["buses"],
        totals["bus_km_per_day"],
        totals["violations"],
    )
    return BusPlan(
        year=int(year),
        routes=routes,
        per_school=per_school,
        violations=violations,
        totals=totals,
        params=p,
        crs=crs,
        _paths=paths,
        _bus_stats=bus_stats,
    )


@dataclass
class _Riders:
    """Day-pupil groups joined to the roads: ``groups`` (school, village, band, pupils,
    ``v_node``, ``walk_min``, ``rides``), the graph with the places attached, its km
    matrix, and per school its id, road node and walk to the gate, minutes."""

    groups: pd.DataFrame
    graph: RoadGraph
    km: sp.csr_matrix
    school_ids: np.ndarray
    school_node: np.ndarray
    school_walk_min: np.ndarray


def _attach_riders(
    a: pd.DataFrame,
    villages: gpd.GeoDataFrame,
    schools: gpd.GeoDataFrame,
    graph: RoadGraph,
    crs: Any,
    p: RoutingParams,
) -> _Riders:
    """Join villages and schools to the roads and say which groups ride (farther than the
    walking threshold)."""
    vid = villages["village_id"].astype(str).to_numpy()
    sid = schools["school_id"].astype(str).to_numpy()
    for col, known, what in (("village_id", vid, "villages"), ("school_id", sid, "schools")):
        missing = sorted(set(a[col]) - set(known))
        if missing:
            raise ValueError(
                f"assignments name {col}s not in the {what} table: {', '.join(missing[:10])}{' ...' if len(missing) > 10 else ''}"
            )
    v_xy = _points_xy(villages, crs, "villages")
    s_xy = _points_xy(schools, crs, "schools")
    att = attach_points(graph, np.vstack([v_xy, s_xy]), snap=p.snap)
    v_node, s_node = att.node[: len(vid)], att.node[len(vid) :]
    v_acc_m, s_acc_m = att.access_m[: len(vid)], att.access_m[len(vid) :]
    km = km_matrix(att.graph)
    walk_m_per_min = p.walk_speed_kmh * 1000.0 / 60.0
    vi = pd.Index(vid).get_indexer(a["village_id"])
    si = pd.Index(sid).get_indexer(a["school_id"])
    a["v_node"] = v_node[vi]
    a["walk_min"] = v_acc_m[vi] / walk_m_per_min
    # how far each group would walk, metres
    threshold_m = p.walk_threshold_km * 1000.0
    if p.walk_measure == "straight_line":
        walk_m = np.hypot(*(v_xy[vi] - s_xy[si]).T)
    elif len(a):
        uniq_s, inv = np.unique(s_node[si], return_inverse=True)
        d = dijkstra(km, directed=False, indices=uniq_s, limit=threshold_m + 1.0)
        walk_m = d[inv.ravel(), v_node[vi]] + v_acc_m[vi] + s_acc_m[si]
    else:
        walk_m = np.zeros(0)
    a["rides"] = walk_m > threshold_m
    return _Riders(a, att.graph, km, sid, s_node, s_acc_m / walk_m_per_min)


def _log_violations(violations: pd.DataFrame) -> None:
    for r in violations.itertuples():
        logger.warning(
            "village %s (%s) to school %s: %d pupils would ride %.1f min, limit %.0f min (%s)",
            r.village_id,
            r.band,
            r.school_id,
            r.pupils,
            r.ride_min,
            r.limit_min,
            r.cause,
        )


def _bus_totals(
    year: int,
    groups: pd.DataFrame,
    routes: pd.DataFrame,
    per_school: pd.DataFrame,
    violations: pd.DataFrame,
    results: list[SchoolResult],
    capped: list[str],
    p: RoutingParams,
) -> dict:
    """The key figures of :attr:`BusPlan.totals`."""
    bused = routes["pupils_picked_up"].sum()
    finite = np.isfinite(violations["ride_min"].to_numpy(float)) if len(violations) else np.zeros(0, dtype=bool)
    return {
        "year": int(year),
        "receiving_schools": int(len(per_school)),
        "schools_with_buses": int((per_school["buses"] > 0).sum()),
        "buses": int(per_school["buses"].sum()),
        "bus_seats": int(per_school["seats"].sum()),
        "bus_km_per_day": round(float(per_school["bus_km_per_day"].sum()), 1),
        "day_pupils": int(groups["pupils"].sum()),
        "pupils_bused": int(per_school["pupils_bused"].sum()),
        "pupils_walking": int(per_school["pupils_walking"].sum()),
        "ride_min_mean": round(float((routes["minutes_on_board"] * routes["pupils_picked_up"]).sum() / bused), 2)
        if bused
        else 0.0,
        "ride_min_max": round(float(routes["minutes_on_board"].max()), 2) if len(routes) else 0.0,
        "violations": int(len(violations)),
        "violation_pupils": int(violations["pupils"].sum()) if len(violations) else 0,
        "unserved_pupils": int(violations.loc[~finite, "pupils"].sum()) if len(violations) else 0,
        "solver_solutions": int(sum(r.solutions for r in results)),
        "schools_stopped_by_time_cap": capped,
        "params": p.to_dict(),
    }


def route_district(
    assignments: pd.DataFrame,
    district: Any,
    *,
    year: int | None = None,
    params: RoutingParams | None = None,
    graph: RoadGraph | None = None,
) -> BusPlan:
    """:func:`route_buses` for a :class:`layout_opt.District`.

    Parameters
    ----------
    assignments : pandas.DataFrame
        The plan's assignments table.
    district : layout_opt.District
        Its ``villages``, ``schools`` and ``roads`` are used.
    year, params, graph
        As in :func:`route_buses`.
    """
    return route_buses(
        assignments, district.villages, district.schools, district.roads, year=year, params=params, graph=graph
    )
