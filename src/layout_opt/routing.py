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
import math
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from types import MappingProxyType
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
import shapely
from scipy.sparse.csgraph import dijkstra

from .roadgraph import RoadGraph, attach_points, build_road_graph
from .schema import BANDS

logger = logging.getLogger(__name__)

#: Day-trip limits per band, minutes one way (DESIGN.md §2; grades 1-3: 国办发〔2018〕27号).
DEFAULT_RIDE_LIMIT_MIN: Mapping[str, float] = MappingProxyType(
    {"lower_primary": 30.0, "upper_primary": 40.0, "junior": 45.0, "senior": 60.0}
)

#: Columns every assignments table has (DESIGN.md §5).
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

_FIRST_SOLUTION = (
    "PATH_CHEAPEST_ARC",
    "SAVINGS",
    "PARALLEL_CHEAPEST_INSERTION",
    "LOCAL_CHEAPEST_INSERTION",
    "GLOBAL_CHEAPEST_ARC",
    "CHRISTOFIDES",
)
_METAHEURISTIC = ("GUIDED_LOCAL_SEARCH", "SIMULATED_ANNEALING", "TABU_SEARCH", "GREEDY_DESCENT")
_UNSERVED_PENALTY = 10**12  # per dropped stop: larger than any fleet's cost


@dataclass(frozen=True)
class VehicleType:
    """A kind of school bus available to each receiving school.

    Attributes
    ----------
    seats : int
        Pupils the bus carries (56 for a primary-school bus, GB 24407-2012).
    count : int or None
        Buses of this type available to one school; ``None`` for as many as needed.
    fixed_cost_min : float
        Cost of using one bus, in bus-minutes of driving.  The default (600, ten hours)
        makes the solver add a bus only when it saves more driving than that, so the
        number of buses is minimised first; give a smaller bus a smaller cost to prefer
        it when it suffices.
    """

    seats: int = 56
    count: int | None = None
    fixed_cost_min: float = 600.0

    def __post_init__(self) -> None:
        if int(self.seats) != self.seats or self.seats < 1:
            raise ValueError(f"VehicleType.seats must be a positive whole number of pupils, got {self.seats!r}")
        if self.count is not None and (int(self.count) != self.count or self.count < 0):
            raise ValueError(f"VehicleType.count must be a number of buses or None, got {self.count!r}")
        if not self.fixed_cost_min >= 0:
            raise ValueError(f"VehicleType.fixed_cost_min must be >= 0 bus-minutes, got {self.fixed_cost_min!r}")
        object.__setattr__(self, "seats", int(self.seats))
        if self.count is not None:
            object.__setattr__(self, "count", int(self.count))


@dataclass(frozen=True)
class RoutingParams:
    """Rules and search limits of the bus routing, with their defaults.

    Attributes
    ----------
    walk_threshold_km : float
        Pupils living farther than this from their school ride a bus, km (2 km: Henan's
        plains primary-school service radius).  Pupils at this distance or nearer walk.
    walk_measure : {"network", "straight_line"}
        How that distance is measured: along the roads (plus the walk from the village
        point to the road and from the road to the school gate), or as the crow flies.
    vehicles : tuple[VehicleType, ...]
        Bus types available to each school.  Plain ints (seats) or ``(seats, count)``
        tuples are accepted and converted.  Default: as many 56-seat buses as needed.
    stop_min : float
        Minutes a bus spends at each halt to board pupils.
    ride_limit_min : Mapping[str, float]
        Longest one-way day trip per band, minutes (defaults of DESIGN.md §2: 30, 40, 45,
        60); bands left out keep their default.  Pass
        ``{b: scenario.day_limit(b) for b in BANDS}`` or use :meth:`from_scenario`.
    walk_speed_kmh : float
        Speed of the walk from the village point to its halt and from the school's halt to
        the gate, km/h (the same access legs the travel matrix adds).
    snap : {"edge", "node"}
        Where villages and schools join the roads: the foot of the perpendicular on the
        nearest road segment (as :func:`layout_opt.travel.travel_time_matrix` does), or
        the nearest road vertex.  The bus halts there.
    runs_per_day : int
        Runs each bus makes a day (morning to school, afternoon home): multiplies the
        km of one run into bus-km per day.
    empty_legs : bool
        True if the buses are based at the school: each run then also has an empty leg
        between the school and the first pickup, counted in the cost and the bus-km.
    first_solution : str
        OR-Tools first-solution strategy (``"PATH_CHEAPEST_ARC"``, ``"SAVINGS"``,
        ``"PARALLEL_CHEAPEST_INSERTION"``, ...).
    metaheuristic : str
        Local-search metaheuristic after the first local optimum
        (``"GUIDED_LOCAL_SEARCH"``, ``"GREEDY_DESCENT"`` to stop at the first local
        optimum, ...).
    solution_limit : int
        Solutions the metaheuristic accepts per school after the greedy descent's local
        optimum (a deterministic limit; time grows with it, quality slowly).
    safety_time_limit_s : float or None
        Wall-clock cap per school, seconds; a guard only (reaching it is logged, and then
        the result may depend on the machine).  ``None``: no cap.
    """

    walk_threshold_km: float = 2.0
    walk_measure: Literal["network", "straight_line"] = "network"
    vehicles: tuple[VehicleType, ...] = (VehicleType(56),)
    stop_min: float = 1.0
    ride_limit_min: Mapping[str, float] = field(default_factory=lambda: DEFAULT_RIDE_LIMIT_MIN)
    walk_speed_kmh: float = 4.0
    snap: Literal["edge", "node"] = "edge"
    runs_per_day: int = 2
    empty_legs: bool = True
    first_solution: str = "PATH_CHEAPEST_ARC"
    metaheuristic: str = "GUIDED_LOCAL_SEARCH"
    solution_limit: int = 50
    safety_time_limit_s: float | None = 30.0

    def __post_init__(self) -> None:
        vt: list[VehicleType] = []
        for v in (self.vehicles,) if isinstance(self.vehicles, (VehicleType, int)) else self.vehicles:
            if isinstance(v, VehicleType):
                vt.append(v)
            elif isinstance(v, (int, np.integer)):
                vt.append(VehicleType(int(v)))
            elif isinstance(v, (tuple, list)):
                vt.append(VehicleType(*v))
            else:
                raise ValueError(f"vehicles: expected VehicleType, seats or (seats, count), got {v!r}")
        if not vt:
            raise ValueError("vehicles: give at least one bus type")
        object.__setattr__(self, "vehicles", tuple(vt))
        limits = dict(DEFAULT_RIDE_LIMIT_MIN)
        unknown = sorted(set(self.ride_limit_min) - set(BANDS))
        if unknown:
            raise ValueError(f"ride_limit_min: unknown band(s) {unknown}; expected some of {list(BANDS)}")
        limits.update({b: float(m) for b, m in self.ride_limit_min.items()})
        bad = {b: m for b, m in limits.items() if not m > 0}
        if bad:
            raise ValueError(f"ride_limit_min must be positive minutes, got {bad}")
        object.__setattr__(self, "ride_limit_min", MappingProxyType(limits))
        if not self.walk_threshold_km >= 0:
            raise ValueError(f"walk_threshold_km must be >= 0 km, got {self.walk_threshold_km!r}")
        if self.snap not in ("edge", "node"):
            raise ValueError(f"snap must be 'edge' or 'node', got {self.snap!r}")
        if self.walk_measure not in ("network", "straight_line"):
            raise ValueError(f"walk_measure must be 'network' or 'straight_line', got {self.walk_measure!r}")
        if not self.stop_min >= 0:
            raise ValueError(f"stop_min must be >= 0 minutes, got {self.stop_min!r}")
        if not self.walk_speed_kmh > 0:
            raise ValueError(f"walk_speed_kmh must be > 0 km/h, got {self.walk_speed_kmh!r}")
        if int(self.runs_per_day) != self.runs_per_day or self.runs_per_day < 1:
            raise ValueError(f"runs_per_day must be a positive whole number, got {self.runs_per_day!r}")
        if self.first_solution not in _FIRST_SOLUTION:
            raise ValueError(f"first_solution must be one of {list(_FIRST_SOLUTION)}, got {self.first_solution!r}")
        if self.metaheuristic not in _METAHEURISTIC:
            raise ValueError(f"metaheuristic must be one of {list(_METAHEURISTIC)}, got {self.metaheuristic!r}")
        if int(self.solution_limit) != self.solution_limit or self.solution_limit < 1:
            raise ValueError(f"solution_limit must be a positive whole number, got {self.solution_limit!r}")
        if self.safety_time_limit_s is not None and not self.safety_time_limit_s > 0:
            raise ValueError(f"safety_time_limit_s must be > 0 seconds or None, got {self.safety_time_limit_s!r}")

    @classmethod
    def from_scenario(cls, scenario: Any, **changes: Any) -> RoutingParams:
        """Parameters taking the day limits and the walking speed from a scenario.

        Parameters
        ----------
        scenario : layout_opt.Scenario
            Anything with ``day_limit(band)`` (minutes) and ``walk_speed_kmh``.
        **changes
            Other :class:`RoutingParams` fields.
        """
        base: dict[str, Any] = {"ride_limit_min": {b: float(scenario.day_limit(b)) for b in BANDS}}
        if hasattr(scenario, "walk_speed_kmh"):
            base["walk_speed_kmh"] = float(scenario.walk_speed_kmh)
        base.update(changes)
        return cls(**base)

    def __hash__(self) -> int:
        return hash(
            tuple(
                (f.name, tuple(sorted(v.items())) if isinstance(v := getattr(self, f.name), Mapping) else v)
                for f in fields(self)
            )
        )

    @property
    def max_seats(self) -> int:
        """Seats of the largest bus type (the size of a pseudo-stop)."""
        return max(v.seats for v in self.vehicles)

    def to_dict(self) -> dict[str, Any]:
        """Plain values, for ``summary.json``."""
        out: dict[str, Any] = {}
        for f in fields(self):
            v = getattr(self, f.name)
            if f.name == "vehicles":
                v = [{"seats": t.seats, "count": t.count, "fixed_cost_min": t.fixed_cost_min} for t in v]
            elif f.name == "ride_limit_min":
                v = dict(v)
            out[f.name] = v
        return out


@dataclass(frozen=True)
class SchoolRoutes:
    """Routes of one school found by :func:`route_from_matrix`.

    Attributes
    ----------
    buses : list[tuple[int, list[int]]]
        One entry per bus used: its seats and its stops (indices into the stop arrays) in
        pickup order, first pickup first (the school comes after the last).
    unserved : list[int]
        Stops left without a bus: a limited fleet has no seat left, or the stop's bound
        is below its own direct ride.
    objective : int
        Solver objective, seconds: driving, fixed costs of the buses, and a penalty of
        10**12 per unserved stop.
    solutions : int
        Solutions the search accepted.
    hit_time_cap : bool
        True if the wall-clock safety cap stopped the search.
    """

    buses: list[tuple[int, list[int]]]
    unserved: list[int]
    objective: int
    solutions: int
    hit_time_cap: bool


def _sec(minutes: np.ndarray | float) -> np.ndarray:
    """Minutes to whole seconds, rounded up (so integer sums bound the float sums)."""
    return np.ceil(np.asarray(minutes, dtype=float) * 60.0 - 1e-6).astype(np.int64)


def route_from_matrix(
    minutes: np.ndarray,
    stop_halt: Sequence[int],
    stop_pupils: Sequence[int],
    stop_bound_min: Sequence[float],
    params: RoutingParams | None = None,
) -> SchoolRoutes:
    """Route the buses of one school from a matrix of bus minutes between halts.

    The solver core, free of geography (the counterpart of :func:`route_buses`).

    Parameters
    ----------
    minutes : numpy.ndarray
        Shape ``(h, h)``: bus minutes from halt ``i`` to halt ``j`` (finite); halt 0 is the
        school.
    stop_halt : Sequence[int]
        Halt (1..h-1) of each stop.
    stop_pupils : Sequence[int]
        Pupils boarding at each stop (each at most the largest bus).
    stop_bound_min : Sequence[float]
        Longest ride allowed for the pupils of each stop, minutes on board, counted from the
        start of the stop time at their halt to the arrival at the school.  Must be at
        least the stop's own direct ride (``stop_min + minutes[halt, 0]``), otherwise
        the stop may be left unserved.
    params : RoutingParams, optional
        Seats, stop time, search limits.

    Returns
    -------
    SchoolRoutes
    """
    p = params or RoutingParams()
    halt = np.asarray(stop_halt, dtype=int)
    pupils = np.asarray(stop_pupils, dtype=np.int64)
    bound_min = np.asarray(stop_bound_min, dtype=float)
    n = len(halt)
    if not (len(pupils) == n == len(bound_min)):
        raise ValueError("stop_halt, stop_pupils and stop_bound_min must have one entry per stop")
    if n == 0:
        return SchoolRoutes([], [], 0, 0, False)
    if (pupils > p.max_seats).any() or (pupils < 1).any():
        raise ValueError(f"each stop must have 1 to {p.max_seats} pupils (the largest bus); split bigger ones first")
    minutes = np.asarray(minutes, dtype=float)
    if not np.isfinite(minutes[np.ix_(np.r_[0, halt], np.r_[0, halt])]).all():
        raise ValueError("minutes between the halts used must be finite")
    drive = _sec(minutes)
    dwell = int(_sec(p.stop_min))
    bound = np.floor(bound_min * 60.0 + 1e-6).astype(np.int64)
    direct = drive[halt, 0] + dwell
    servable = direct <= bound
    left = {i: t.count for i, t in enumerate(p.vehicles)}
    by_size = sorted(range(len(p.vehicles)), key=lambda i: (-p.vehicles[i].seats, i))

    # a full load of the largest bus fills it: a bus of its own, no search needed
    buses: list[tuple[int, list[int]]] = []
    unserved: list[int] = [int(i) for i in np.flatnonzero(~servable)]
    objective = 0
    rest: list[int] = []
    for i in range(n):
        if not servable[i]:
            continue
        if pupils[i] < p.max_seats:
            rest.append(i)
            continue
        t = next((k for k in by_size if p.vehicles[k].seats == p.max_seats and (left[k] is None or left[k] > 0)), None)
        if t is None:
            unserved.append(i)
            continue
        if left[t] is not None:
            left[t] -= 1
        buses.append((p.vehicles[t].seats, [i]))
        objective += (
            int(round(p.vehicles[t].fixed_cost_min * 60))
            + int(direct[i])
            + (int(drive[halt[i], 0]) if p.empty_legs else 0)
        )
    if not rest:
        return SchoolRoutes(buses, sorted(unserved), objective, 0, False)
    sub = _solve_vrp(drive, dwell, halt[rest], pupils[rest], bound[rest], left, p)
    buses += [(seats, [rest[k] for k in stops]) for seats, stops in sub.buses]
    unserved += [rest[k] for k in sub.unserved]
    return SchoolRoutes(buses, sorted(unserved), objective + sub.objective, sub.solutions, sub.hit_time_cap)


def _solve_vrp(
    drive: np.ndarray,
    dwell: int,
    halt: np.ndarray,
    pupils: np.ndarray,
    bound: np.ndarray,
    left: dict[int, int | None],
    p: RoutingParams,
) -> SchoolRoutes:
    """The OR-Tools model of one school (times in whole seconds), reversed runs."""
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    n = len(halt)
    # nodes: 0 school (start of the reversed run), 1 free end (the first pickup's side), 2+i stops
    m = n + 2
    big = int(max(int(bound.max()), 60) * 4 + 10**6)
    transit = np.zeros((m, m), dtype=np.int64)
    transit[0, 2:] = drive[halt, 0] + dwell  # forward: last halt -> school, plus its stop
    # reversed arc a -> b is the forward leg b -> a, plus the stop time of b unless b halts where a did
    same = halt[:, None] == halt[None, :]
    transit[2:, 2:] = drive[np.ix_(halt, halt)].T + np.where(same, 0, dwell)
    np.fill_diagonal(transit[2:, 2:], 0)
    transit[2:, 0] = big  # never back to the school
    cost = transit.copy()
    if p.empty_legs:
        cost[2:, 1] = drive[halt, 0]  # empty leg school -> first pickup (as long as the way back)
    caps: list[int] = []
    fixed: list[int] = []
    for k, t in enumerate(p.vehicles):
        count = n if left[k] is None else min(left[k], n)
        caps += [t.seats] * count
        fixed += [int(round(t.fixed_cost_min * 60))] * count
    nv = len(caps)
    if nv == 0:
        return SchoolRoutes([], list(range(n)), 0, 0, False)
    manager = pywrapcp.RoutingIndexManager(m, nv, [0] * nv, [1] * nv)
    routing = pywrapcp.RoutingModel(manager)
    cost_cb = routing.RegisterTransitMatrix(cost.tolist())
    routing.SetArcCostEvaluatorOfAllVehicles(cost_cb)
    for v in range(nv):
        routing.SetFixedCostOfVehicle(fixed[v], v)
    demand_cb = routing.RegisterUnaryTransitVector([0, 0, *pupils.tolist()])
    routing.AddDimensionWithVehicleCapacity(demand_cb, 0, caps, True, "seats")
    time_cb = routing.RegisterTransitMatrix(transit.tolist())
    routing.AddDimension(time_cb, 0, int(max(bound.max(), 1)), True, "ride")
    ride = routing.GetDimensionOrDie("ride")
    for i in range(n):
        idx = manager.NodeToIndex(2 + i)
        ride.CumulVar(idx).SetMax(int(bound[i]))
        routing.AddDisjunction([idx], _UNSERVED_PENALTY)

    def search_parameters(metaheuristic: str, solution_limit: int | None):
        sp_ = pywrapcp.DefaultRoutingSearchParameters()
        sp_.first_solution_strategy = getattr(routing_enums_pb2.FirstSolutionStrategy, p.first_solution)
        sp_.local_search_metaheuristic = getattr(routing_enums_pb2.LocalSearchMetaheuristic, metaheuristic)
        if solution_limit is not None:
            sp_.solution_limit = int(solution_limit)
        if p.safety_time_limit_s is not None:
            sp_.time_limit.FromMilliseconds(int(p.safety_time_limit_s * 1000))
        return sp_

    solutions = 0
    hit_cap = False

    def run(params_, start=None):
        nonlocal solutions, hit_cap
        t0 = time.perf_counter()
        sol = (
            routing.SolveWithParameters(params_)
            if start is None
            else routing.SolveFromAssignmentWithParameters(start, params_)
        )
        solutions += int(routing.solver().Solutions())
        if p.safety_time_limit_s is not None and time.perf_counter() - t0 >= 0.95 * p.safety_time_limit_s:
            hit_cap = True
        return sol

    # phase 1: first solution and greedy descent to a local optimum (ends by itself)
    descent = search_parameters("GREEDY_DESCENT", None)
    solution = run(descent)
    if solution is None:
        # one bus per stop is feasible whenever each stop's own ride is within its bound
        start = [[manager.NodeToIndex(2 + i)] if i < n else [] for i in range(nv)]
        init = routing.ReadAssignmentFromRoutes(start, True)
        solution = run(descent, init) if init is not None else None
        if solution is None:
            logger.warning("no bus routes found for a school with %d stops; they are left unserved", n)
            return SchoolRoutes([], list(range(n)), 0, solutions, hit_cap)

    def read(sol) -> tuple[int, list[tuple[int, list[int]]]]:
        out: list[tuple[int, list[int]]] = []
        for v in range(nv):
            idx = sol.Value(routing.NextVar(routing.Start(v)))
            rev: list[int] = []
            while not routing.IsEnd(idx):
                rev.append(manager.IndexToNode(idx) - 2)
                idx = sol.Value(routing.NextVar(idx))
            if rev:
                out.append((caps[v], rev[::-1]))
        return int(sol.ObjectiveValue()), out

    best_obj, buses = read(solution)
    # phase 2: the metaheuristic, for a fixed number of solutions
    if p.metaheuristic != "GREEDY_DESCENT" and n > 1:
        improved = run(search_parameters(p.metaheuristic, p.solution_limit), solution)
        if improved is not None:
            obj, found = read(improved)
            if obj < best_obj:
                best_obj, buses = obj, found
    served = np.zeros(n, dtype=bool)
    for _, stops in buses:
        served[stops] = True
    return SchoolRoutes(buses, [int(i) for i in np.flatnonzero(~served)], best_obj, solutions, bool(hit_cap))


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


def _km_matrix(graph: RoadGraph) -> sp.csr_matrix:
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


@dataclass
class _SchoolResult:
    row: dict
    routes: list[dict] = field(default_factory=list)
    buses: list[dict] = field(default_factory=list)
    violations: list[dict] = field(default_factory=list)
    paths: dict = field(default_factory=dict)
    solutions: int = 0
    capped: bool = False


def _route_school(
    school_id: str,
    riders: pd.DataFrame,
    walkers: int,
    school_node: int,
    school_walk_min: float,
    graph: RoadGraph,
    km: sp.csr_matrix,
    p: RoutingParams,
) -> _SchoolResult:
    """Stops, routes and violations of one school; ``riders`` has v_node, walk_min."""
    out = _SchoolResult(
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
    village = riders["village_id"].to_numpy()
    band = riders["band"].to_numpy()
    group_pupils = riders["pupils"].to_numpy(np.int64)
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
    # pseudo-stops of at most one (largest) bus
    st_group: list[int] = []
    st_pupils: list[int] = []
    for gi in np.flatnonzero(reachable):
        full, rest = divmod(int(group_pupils[gi]), p.max_seats)
        for k in [p.max_seats] * full + ([rest] if rest else []):
            st_group.append(int(gi))
            st_pupils.append(k)
    sg = np.asarray(st_group, dtype=np.int64)
    used = np.unique(np.r_[0, group_halt[reachable]])
    sub = minutes[np.ix_(used, used)]
    local = -np.ones(len(sources), dtype=np.int64)
    local[used] = np.arange(len(used))
    st_halt = local[group_halt[sg]]
    # each stop's bound: its budget, but never below its own direct ride (then: a violation)
    direct_sec = _sec(sub[st_halt, 0]) + int(_sec(p.stop_min))
    st_bound = np.maximum(np.floor(budget[sg] * 60.0 + 1e-6), direct_sec) / 60.0
    res = route_from_matrix(sub, st_halt, st_pupils, st_bound, p)
    out.solutions, out.capped = res.solutions, res.hit_time_cap
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
        seats, stops = res.buses[b]
        h = st_halt[np.asarray(stops)]
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
            leg = _path(pred, x, int(sources[x]), int(sources[y]))
            nodes += leg if not nodes else leg[1:]
        run_km = _path_km(km, nodes)
        empty_km = _path_km(km, _path(pred, 0, int(sources[0]), int(sources[hops[0]]))) if p.empty_legs else 0.0
        bus_km = p.runs_per_day * (run_km + empty_km)
        out.paths[(school_id, bus_no)] = graph.node_xy[np.asarray(nodes, dtype=np.int64)]
        for j, st in enumerate(stops):
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
                    "pupils_picked_up": int(st_pupils[st]),
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
                "pupils": int(sum(st_pupils[k] for k in stops)),
                "run_km": round(run_km, 3),
                "bus_km_per_day": round(bus_km, 3),
                "longest_ride_min": round(float(on_board[0]), 2),
            }
        )
    unserved = set(res.unserved)
    for gi in range(len(riders)):
        base = {
            "village_id": village[gi],
            "band": band[gi],
            "school_id": school_id,
            "limit_min": float(limit[gi]),
            "direct_min": round(float(direct_trip[gi]), 2),
        }
        if not reachable[gi]:
            out.violations.append({**base, "pupils": int(group_pupils[gi]), "ride_min": math.inf, "cause": "no road"})
            continue
        mine = np.flatnonzero(sg == gi)
        dropped = [k for k in mine if k in unserved]
        if dropped:
            out.violations.append(
                {
                    **base,
                    "pupils": int(sum(st_pupils[k] for k in dropped)),
                    "ride_min": math.inf,
                    "cause": "fleet too small",
                }
            )
        over = [k for k in mine if k not in unserved and trip[k] > limit[gi] + 1e-9]
        if over:
            cause = "direct trip" if direct_trip[gi] - p.stop_min > limit[gi] + 1e-9 else "stop time"
            out.violations.append(
                {
                    **base,
                    "pupils": int(sum(st_pupils[k] for k in over)),
                    "ride_min": round(float(max(trip[k] for k in over)), 2),
                    "cause": cause,
                }
            )
    out.row.update(
        {
            "buses": len(res.buses),
            "seats": int(sum(b[0] for b in res.buses)),
            "pupils_bused": int(sum(st_pupils[k] for k in range(len(sg)) if k not in unserved)),
            "halts": int(sum(b["halts"] for b in out.buses)),
            "bus_km_per_day": round(float(sum(b["bus_km_per_day"] for b in out.buses)), 3),
            "longest_ride_min": float(max((b["longest_ride_min"] for b in out.buses), default=0.0)),
            "violation_pupils": int(sum(v["pupils"] for v in out.violations)),
        }
    )
    return out


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
    g = att.graph
    v_node, s_node = att.node[: len(vid)], att.node[len(vid) :]
    v_acc_m, s_acc_m = att.access_m[: len(vid)], att.access_m[len(vid) :]
    km = _km_matrix(g)
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

    t_start = time.perf_counter()
    results: list[_SchoolResult] = []
    for school_id, grp in a.groupby("school_id", sort=True):
        s = int(pd.Index(sid).get_loc(school_id))
        results.append(
            _route_school(
                str(school_id),
                grp[grp["rides"]].sort_values(["village_id", "band"]).reset_index(drop=True),
                int(grp.loc[~grp["rides"], "pupils"].sum()),
                int(s_node[s]),
                float(s_acc_m[s] / walk_m_per_min),
                g,
                km,
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
    bused = routes["pupils_picked_up"].sum()
    finite = np.isfinite(violations["ride_min"].to_numpy(float)) if len(violations) else np.zeros(0, dtype=bool)
    totals = {
        "year": int(year),
        "receiving_schools": int(len(per_school)),
        "schools_with_buses": int((per_school["buses"] > 0).sum()),
        "buses": int(per_school["buses"].sum()),
        "bus_seats": int(per_school["seats"].sum()),
        "bus_km_per_day": round(float(per_school["bus_km_per_day"].sum()), 1),
        "day_pupils": int(a["pupils"].sum()),
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
