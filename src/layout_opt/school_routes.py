"""The bus routes of one receiving school over the road network: its halts, its
(pseudo-)stops and their ride bounds, the routes the solver core
(:func:`layout_opt.vrp.route_from_matrix`) finds, read back as rows of
:attr:`layout_opt.routing.BusPlan.routes` with the school's violations.

:func:`layout_opt.routing.route_buses` calls :func:`route_school` for every receiving
school in sorted order; the formulation is in the docstring of :mod:`layout_opt.routing`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

from .roadgraph import RoadGraph
from .vrp import RoutingParams, SchoolRoutes, route_from_matrix, to_seconds


def km_matrix(graph: RoadGraph) -> sp.csr_matrix:
    """Edge lengths of the road graph, metres, as a symmetric sparse matrix."""
    u, v, m = graph.edge_u, graph.edge_v, np.maximum(graph.edge_length_m, 1e-9)
    n = graph.n_nodes
    return sp.csr_matrix((np.r_[m, m], (np.r_[u, v], np.r_[v, u])), shape=(n, n))


def _path(pred: np.ndarray, row: int, source: int, target: int) -> list[int]:
    """Nodes of the shortest path from ``source`` (Dijkstra row ``row``) to ``target``."""
    nodes = [target]
    while nodes[-1] != source:
        nxt = int(pred[row, nodes[-1]])
        if nxt < 0:
            raise ValueError("no road path between two halts of one bus")
        nodes.append(nxt)
    return nodes[::-1]


def _path_km(km: sp.csr_matrix, nodes: Sequence[int]) -> float:
    if len(nodes) < 2:
        return 0.0
    nodes = np.asarray(nodes, dtype=np.int64)
    return float(np.asarray(km[nodes[:-1], nodes[1:]]).sum()) / 1000.0


@dataclass
class SchoolResult:
    """What :func:`route_school` finds for one school: its row of
    :attr:`~layout_opt.routing.BusPlan.per_school`, its routes, buses, violations and bus
    paths, the solver's solutions and whether the safety cap stopped it."""

    row: dict
    routes: list[dict] = field(default_factory=list)
    buses: list[dict] = field(default_factory=list)
    violations: list[dict] = field(default_factory=list)
    paths: dict = field(default_factory=dict)
    solutions: int = 0
    capped: bool = False


def route_school(
    school_id: str,
    riders: pd.DataFrame,
    walkers: int,
    school_node: int,
    school_walk_min: float,
    graph: RoadGraph,
    km: sp.csr_matrix,
    p: RoutingParams,
) -> SchoolResult:
    """Stops, routes and violations of one school; ``riders`` has v_node, walk_min."""
    out = SchoolResult(
        row={
            "school_id": school_id,
            "buses": 0,
            "seats": 0,
            "pupils_bused": 0,
            "pupils_walking": int(walkers),
            "halts": 0,
            "bus_km_per_day": 0.0,
            "longest_ride_min": 0.0,
            "violation_pupils": 0,
        }
    )
    if riders.empty:
        return out
    net = _halt_network(riders, school_node, school_walk_min, graph, p)
    stops = _school_stops(riders, net, p)
    res = route_from_matrix(stops.minutes, stops.halt, stops.pupils, stops.bound_min, p)
    out.solutions, out.capped = res.solutions, res.hit_time_cap
    trip = _read_buses(out, school_id, riders, net, stops, res, graph, km, school_walk_min, p)
    _add_violations(out, school_id, riders, net, stops, set(res.unserved), trip, p)
    out.row.update(
        {
            "buses": len(res.buses),
            "seats": int(sum(b[0] for b in res.buses)),
            "pupils_bused": int(sum(stops.pupils[k] for k in range(len(stops.group)) if k not in set(res.unserved))),
            "halts": int(sum(b["halts"] for b in out.buses)),
            "bus_km_per_day": round(float(sum(b["bus_km_per_day"] for b in out.buses)), 3),
            "longest_ride_min": float(max((b["longest_ride_min"] for b in out.buses), default=0.0)),
            "violation_pupils": int(sum(v["pupils"] for v in out.violations)),
        }
    )
    return out


@dataclass
class _HaltNetwork:
    """The halts of one school's riders and the roads between them.

    ``sources`` are the road nodes of the halts (0: the school's own); ``group_halt`` the
    halt of each rider group; ``dist``/``pred`` Dijkstra rows from each source;
    ``minutes`` bus minutes between halts; ``direct_trip`` each group's trip on a bus of
    its own (walks and stop time included), ``budget`` its minutes on board within its
    limit, ``reachable`` whether the school can be reached at all.
    """

    sources: np.ndarray
    group_halt: np.ndarray
    pred: np.ndarray
    minutes: np.ndarray
    direct_trip: np.ndarray
    budget: np.ndarray
    reachable: np.ndarray


def _halt_network(
    riders: pd.DataFrame, school_node: int, school_walk_min: float, graph: RoadGraph, p: RoutingParams
) -> _HaltNetwork:
    limit = riders["band"].map(p.ride_limit_min).to_numpy(float)
    v_walk = riders["walk_min"].to_numpy(float)
    # halts: distinct road nodes; halt 0 is the school's own
    halt_nodes, group_halt = np.unique(riders["v_node"].to_numpy(np.int64), return_inverse=True)
    sources = np.r_[school_node, halt_nodes]
    group_halt = group_halt.ravel() + 1
    # from the school: every halt; between halts: only as far as any ride may last
    d0, p0 = dijkstra(graph.matrix, directed=False, indices=[school_node], return_predecessors=True)
    direct_trip = p.stop_min + d0[0, sources[group_halt]] + v_walk + school_walk_min
    budget = limit - v_walk - school_walk_min
    reachable = np.isfinite(direct_trip)
    longest = float(np.max(np.maximum(budget, direct_trip - v_walk - school_walk_min)[reachable], initial=0.0)) + 1.0
    dh, ph = dijkstra(graph.matrix, directed=False, indices=sources[1:], return_predecessors=True, limit=longest)
    dist, pred = np.vstack([d0, dh]), np.vstack([p0, ph])
    minutes = dist[:, sources]
    minutes[:, 0] = minutes[0, :]  # one value per school-halt pair, whichever end it was computed from
    minutes[~np.isfinite(minutes)] = 10.0 * longest + 60.0  # too long for any ride
    return _HaltNetwork(sources, group_halt, pred, minutes, direct_trip, budget, reachable)


@dataclass
class _Stops:
    """The (pseudo-)stops of one school: ``group`` (rider group of each), ``pupils``,
    ``halt`` (local halt index), ``bound_min``; ``used`` the halts in the local matrix
    ``minutes`` (local 0: the school)."""

    group: np.ndarray
    pupils: list[int]
    used: np.ndarray
    minutes: np.ndarray
    halt: np.ndarray
    bound_min: np.ndarray


def _school_stops(riders: pd.DataFrame, net: _HaltNetwork, p: RoutingParams) -> _Stops:
    """Pseudo-stops of at most one (largest) bus, with their halts and ride bounds."""
    group_pupils = riders["pupils"].to_numpy(np.int64)
    st_group: list[int] = []
    st_pupils: list[int] = []
    for gi in np.flatnonzero(net.reachable):
        full, rest = divmod(int(group_pupils[gi]), p.max_seats)
        for k in [p.max_seats] * full + ([rest] if rest else []):
            st_group.append(int(gi))
            st_pupils.append(k)
    sg = np.asarray(st_group, dtype=np.int64)
    used = np.unique(np.r_[0, net.group_halt[net.reachable]])
    sub = net.minutes[np.ix_(used, used)]
    local = -np.ones(len(net.sources), dtype=np.int64)
    local[used] = np.arange(len(used))
    st_halt = local[net.group_halt[sg]]
    # each stop's bound: its budget, but never below its own direct ride (then: a violation)
    direct_sec = to_seconds(sub[st_halt, 0]) + int(to_seconds(p.stop_min))
    st_bound = np.maximum(np.floor(net.budget[sg] * 60.0 + 1e-6), direct_sec) / 60.0
    return _Stops(sg, st_pupils, used, sub, st_halt, st_bound)


def _read_buses(
    out: SchoolResult,
    school_id: str,
    riders: pd.DataFrame,
    net: _HaltNetwork,
    stops: _Stops,
    res: SchoolRoutes,
    graph: RoadGraph,
    km: sp.csr_matrix,
    school_walk_min: float,
    p: RoutingParams,
) -> np.ndarray:
    """The routes and buses of one school into ``out``; returns each stop's trip, minutes."""
    village = riders["village_id"].to_numpy()
    band = riders["band"].to_numpy()
    limit = riders["band"].map(p.ride_limit_min).to_numpy(float)
    v_walk = riders["walk_min"].to_numpy(float)
    sg, sub, used, sources = stops.group, stops.minutes, stops.used, net.sources
    trip = np.full(len(sg), np.nan)
    order = sorted(
        range(len(res.buses)),
        key=lambda b: (
            village[sg[res.buses[b][1][0]]],
            band[sg[res.buses[b][1][0]]],
            -res.buses[b][0],
            res.buses[b][1],
        ),
    )
    for bus_no, b in enumerate(order, start=1):
        seats, bus_stops = res.buses[b]
        h = stops.halt[np.asarray(bus_stops)]
        new_halt = np.r_[True, h[1:] != h[:-1]]  # consecutive stops at one halt share it
        seq = h[new_halt]
        halt_no = np.cumsum(new_halt) - 1
        on_board = np.zeros(len(seq))
        acc, nxt = 0.0, 0
        for k in range(len(seq) - 1, -1, -1):
            acc += sub[seq[k], nxt] + p.stop_min
            on_board[k] = acc
            nxt = seq[k]
        hops = [int(used[x]) for x in seq] + [0]
        nodes: list[int] = []
        for x, y in zip(hops[:-1], hops[1:]):
            leg = _path(net.pred, x, int(sources[x]), int(sources[y]))
            nodes += leg if not nodes else leg[1:]
        run_km = _path_km(km, nodes)
        empty_km = _path_km(km, _path(net.pred, 0, int(sources[0]), int(sources[hops[0]]))) if p.empty_legs else 0.0
        bus_km = p.runs_per_day * (run_km + empty_km)
        out.paths[(school_id, bus_no)] = graph.node_xy[np.asarray(nodes, dtype=np.int64)]
        for j, st in enumerate(bus_stops):
            gi = sg[st]
            ride = float(on_board[halt_no[j]])
            trip[st] = ride + v_walk[gi] + school_walk_min
            out.routes.append(
                {
                    "school_id": school_id,
                    "bus": bus_no,
                    "seats": int(seats),
                    "stop_order": int(halt_no[j]) + 1,
                    "village_id": village[gi],
                    "band": band[gi],
                    "pupils_picked_up": int(stops.pupils[st]),
                    "minutes_on_board": round(ride, 2),
                    "trip_min": round(float(trip[st]), 2),
                    "limit_min": float(limit[gi]),
                }
            )
        out.buses.append(
            {
                "school_id": school_id,
                "bus": bus_no,
                "seats": int(seats),
                "halts": int(len(seq)),
                "pupils": int(sum(stops.pupils[k] for k in bus_stops)),
                "run_km": round(run_km, 3),
                "bus_km_per_day": round(bus_km, 3),
                "longest_ride_min": round(float(on_board[0]), 2),
            }
        )
    return trip


def _add_violations(
    out: SchoolResult,
    school_id: str,
    riders: pd.DataFrame,
    net: _HaltNetwork,
    stops: _Stops,
    unserved: set[int],
    trip: np.ndarray,
    p: RoutingParams,
) -> None:
    """The rider groups of one school whose routed trip breaks the limit, or that got no bus."""
    limit = riders["band"].map(p.ride_limit_min).to_numpy(float)
    group_pupils = riders["pupils"].to_numpy(np.int64)
    for gi, (village_id, band) in enumerate(zip(riders["village_id"], riders["band"])):
        base = {
            "village_id": village_id,
            "band": band,
            "school_id": school_id,
            "limit_min": float(limit[gi]),
            "direct_min": round(float(net.direct_trip[gi]), 2),
        }
        if not net.reachable[gi]:
            out.violations.append({**base, "pupils": int(group_pupils[gi]), "ride_min": math.inf, "cause": "no road"})
            continue
        mine = np.flatnonzero(stops.group == gi)
        dropped = [k for k in mine if k in unserved]
        if dropped:
            out.violations.append(
                {
                    **base,
                    "pupils": int(sum(stops.pupils[k] for k in dropped)),
                    "ride_min": math.inf,
                    "cause": "fleet too small",
                }
            )
        over = [k for k in mine if k not in unserved and trip[k] > limit[gi] + 1e-9]
        if over:
            cause = "direct trip" if net.direct_trip[gi] - p.stop_min > limit[gi] + 1e-9 else "stop time"
            out.violations.append(
                {
                    **base,
                    "pupils": int(sum(stops.pupils[k] for k in over)),
                    "ride_min": round(float(max(trip[k] for k in over)), 2),
                    "cause": cause,
                }
            )
