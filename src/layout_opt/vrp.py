"""The school-bus routing core, free of geography: one school's capacitated routes with a
ride limit per stop, from a matrix of bus minutes between halts (OR-Tools routing).

:func:`route_from_matrix` is the counterpart of :func:`layout_opt.routing.route_buses`,
which builds the halts, stops and matrices from a plan and a road network and reads the
routes back; the formulation is in the docstring of :mod:`layout_opt.routing`.
:class:`RoutingParams` (with :class:`VehicleType`) holds the rules and search limits of
both.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from types import MappingProxyType
from typing import Any, Literal

import numpy as np

from .schema import BANDS

logger = logging.getLogger(__name__)

#: Day-trip limits per band, minutes one way (the scenario's defaults; grades 1-3: 国办发〔2018〕27号).
DEFAULT_RIDE_LIMIT_MIN: Mapping[str, float] = MappingProxyType(
    {"lower_primary": 30.0, "upper_primary": 40.0, "junior": 45.0, "senior": 60.0}
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
        Longest one-way day trip per band, minutes (the scenario's defaults: 30, 40, 45,
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

    def __reduce__(self) -> tuple:
        # the read-only ride limits pickle as a plain dict (for process pools and clusters)
        state = {f.name: getattr(self, f.name) for f in fields(self)}
        state["ride_limit_min"] = dict(self.ride_limit_min)
        return (_routing_params, (state,))

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


def to_seconds(minutes: np.ndarray | float) -> np.ndarray:
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
    drive = to_seconds(minutes)
    dwell = int(to_seconds(p.stop_min))
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


def _routing_params(state: dict) -> RoutingParams:
    """Rebuild pickled :class:`RoutingParams`."""
    return RoutingParams(**state)
