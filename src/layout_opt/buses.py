"""The daily school run: the location model's bus estimate checked against routed buses.

The layout model prices buses by an estimate: at each school, the bused pupils fill
``pupils_per_bus`` pupils a bus (each bus costs its yearly fleet cost), and each bused
pupil adds ``bus_km_per_pupil_km`` bus-kilometres a day per kilometre of direct trip.
This module routes the buses of a plan (:mod:`layout_opt.routing`, OR-Tools routing)
year by year, measures both figures per school from the routes, and compares the
model's estimate of the yearly transport cost with the routed one; the solve
(:func:`layout_opt.solve`) re-calibrates the model with the measured figures and solves
again until the two agree within ``bus_estimate_tolerance`` (a location-routing loop).

Costs here are per year: fleet (buses x the yearly cost of a bus) plus kilometres
(bus-km a day x school days x cost per km).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import numpy as np
import pandas as pd

from .model.problem import PlanningProblem
from .routing import BusPlan, RoutingParams, route_buses
from .scenario import Scenario

logger = logging.getLogger(__name__)

#: Columns of :func:`bus_costs`.
BUS_COST_COLUMNS: tuple[str, ...] = (
    "year",
    "school_id",
    "pupils_bused",
    "buses_model",
    "buses_routed",
    "bus_km_model",
    "bus_km_routed",
    "cost_model_yuan",
    "cost_routed_yuan",
)


def routing_params(scenario: Scenario) -> RoutingParams:
    """Routing parameters of a scenario: its day limits, walking speed and threshold,
    bus seats and runs a day."""
    return RoutingParams.from_scenario(
        scenario,
        walk_threshold_km=float(scenario.walk_threshold_km),
        vehicles=(int(scenario.bus_seats),),
        runs_per_day=int(scenario.bus_runs_per_day),
    )


def _route_year(args: tuple) -> BusPlan:
    assignments, villages, schools, roads, year, scenario = args
    return route_buses(assignments, villages, schools, roads, year=year, params=routing_params(scenario))


def route_plan(
    assignments: pd.DataFrame,
    district,
    scenario: Scenario,
    map_tasks: Callable | None = None,
) -> dict[int, BusPlan]:
    """The school buses of every plan year (one routing per year, as independent tasks),
    for the day pupils of the scenario's ``bus_bands``.

    Parameters
    ----------
    assignments : pandas.DataFrame
        The plan's assignments.
    district : layout_opt.District
        Villages, schools and roads.
    scenario : Scenario
        Limits, walking threshold, bus seats.
    map_tasks : callable, optional
        ``map_tasks(function, arguments)`` (the built-in ``map`` by default).

    Returns
    -------
    dict
        Year -> :class:`~layout_opt.routing.BusPlan`.
    """
    years = sorted(int(y) for y in assignments["year"].unique())
    assignments = assignments[assignments["band"].isin(scenario.bus_bands)]
    args = [
        (assignments[assignments["year"] == y], district.villages, district.schools, district.roads, y, scenario)
        for y in years
    ]
    mapper = map_tasks or (lambda fn, a: list(map(fn, a)))
    return dict(zip(years, mapper(_route_year, args)))


def bus_costs(
    problem: PlanningProblem, schools: pd.DataFrame, pupils: pd.DataFrame, buses: dict[int, BusPlan]
) -> pd.DataFrame:
    """The model's bus estimate against the routed buses, per year and school.

    Parameters
    ----------
    problem : PlanningProblem
        The problem the plan was solved from (its bus estimate per school).
    schools, pupils : pandas.DataFrame
        The plan's tables (``buses`` of the schools table is the model's fleet).
    buses : dict
        Year -> routed :class:`~layout_opt.routing.BusPlan`.

    Returns
    -------
    pandas.DataFrame
        :data:`BUS_COST_COLUMNS`: yearly fleet and bus-km of the model and of the routes,
        and their yearly cost (yuan), one row per year and school with bused pupils.
    """
    s_index = {s: i for i, s in enumerate(problem.school_ids)}
    bused = pupils[pupils["bused"] & (pupils["mode"] == "day")]
    pk = (
        bused.assign(pupil_km=bused["pupils"] * bused["km"])
        .groupby(["year", "school_id"])[["pupils", "pupil_km"]]
        .sum()
    )
    rows = []
    for (year, sid), r in pk.iterrows():
        i = s_index[sid]
        model_buses = float(schools.loc[(schools["year"] == year) & (schools["school_id"] == sid), "buses"].sum())
        model_km = float(r["pupil_km"] * problem.bus_km_per_pupil_km[i])
        routed = buses.get(int(year))
        ps = routed.per_school.set_index("school_id") if routed is not None else pd.DataFrame()
        routed_buses = float(ps.at[sid, "buses"]) if sid in ps.index else 0.0
        routed_km = float(ps.at[sid, "bus_km_per_day"]) if sid in ps.index else 0.0
        rows.append(
            (
                int(year),
                sid,
                int(r["pupils"]),
                round(model_buses, 3),
                routed_buses,
                round(model_km, 2),
                round(routed_km, 2),
                round(_yearly(problem, model_buses, model_km), 2),
                round(_yearly(problem, routed_buses, routed_km), 2),
            )
        )
    return pd.DataFrame(rows, columns=list(BUS_COST_COLUMNS))


def _yearly(problem: PlanningProblem, buses: float, km_per_day: float) -> float:
    return buses * problem.bus_cost_yuan + km_per_day * problem.school_days * problem.bus_km_cost_yuan


def calibrate(
    problem: PlanningProblem, pupils: pd.DataFrame, buses: dict[int, BusPlan]
) -> tuple[np.ndarray, np.ndarray]:
    """Pupils per bus and bus-km per pupil-km of every school, measured on the routes.

    Over all routed years, a school's pupils per bus is its bused pupils over its buses,
    and its bus-km per pupil-km its routed bus-km a day over the direct kilometres of its
    bused pupils; schools without routed buses keep the problem's values.

    Returns
    -------
    tuple of numpy.ndarray
        ``(S,)`` pupils per bus and ``(S,)`` bus-km a day per pupil-km.
    """
    ppb = problem.pupils_per_bus.copy()
    kmf = problem.bus_km_per_pupil_km.copy()
    s_index = {s: i for i, s in enumerate(problem.school_ids)}
    bused = pupils[pupils["bused"] & (pupils["mode"] == "day")]
    pupil_km = (bused["pupils"] * bused["km"]).groupby(bused["school_id"]).sum()
    routed = pd.concat([b.per_school for b in buses.values()], ignore_index=True) if buses else pd.DataFrame()
    if routed.empty:
        return ppb, kmf
    per = routed.groupby("school_id")[["buses", "pupils_bused", "bus_km_per_day"]].sum()
    for sid, r in per.iterrows():
        i = s_index.get(str(sid))
        if i is None or r["buses"] <= 0:
            continue
        ppb[i] = float(r["pupils_bused"]) / float(r["buses"])
        if pupil_km.get(sid, 0.0) > 0:
            kmf[i] = float(r["bus_km_per_day"]) / float(pupil_km[sid])
    return ppb, kmf


def agreement(costs: pd.DataFrame, year_weight: np.ndarray, years: list[int]) -> tuple[float, float]:
    """The model's and the routed bus cost over the appraisal period (yuan), each year
    weighted as in the objective."""
    w = dict(zip(years, year_weight))
    weights = costs["year"].map(w).to_numpy(float)
    return float((costs["cost_model_yuan"] * weights).sum()), float((costs["cost_routed_yuan"] * weights).sum())
