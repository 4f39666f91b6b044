"""Benchmark: route the school buses of every receiving school of the bundled district.

Usage::

    python benchmarks/bench_routing.py                    # nearest-school plan, base year
    python benchmarks/bench_routing.py --close-teaching-points   # ... without teaching points
    python benchmarks/bench_routing.py assignments.csv    # a plan's assignments, its year
    python benchmarks/bench_routing.py assignments.csv --year 2026

Without an assignments file, every village's band goes to the nearest open school that
teaches it (by bus minutes), as day pupils if within the band's day limit and boarding
otherwise: a stand-in for a plan.  Target: all receiving schools within 60 s.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from layout_opt import load_district
from layout_opt.routing import RoutingParams, route_buses
from layout_opt.schema import BANDS, BANDS_OF_KIND, GRADES_OF_BAND
from layout_opt.travel import build_road_graph, travel_time_matrix

DATA = Path(__file__).resolve().parent.parent / "data"


def nearest_school_assignments(
    district, year: int, params: RoutingParams, graph=None, closed_kinds: tuple[str, ...] = ()
) -> pd.DataFrame:
    """Each village's band to the nearest open school teaching it (a stand-in plan).

    Schools of ``closed_kinds`` (e.g. ``("teaching_point",)``) count as closed.  Returns
    the assignments table of a plan (``assignments.csv``) for ``year`` (pupils of the base year).
    """
    tm = travel_time_matrix(district.roads, district.villages, district.schools, cutoff_min=90, graph=graph)
    minutes = tm.minutes
    kinds = district.schools["kind"].to_numpy()
    is_open = ((district.schools["status"] == "open") & ~district.schools["kind"].isin(closed_kinds)).to_numpy()
    rows = []
    for band in BANDS:
        teaches = np.array([band in BANDS_OF_KIND[k] for k in kinds]) & is_open
        m = np.where(teaches[None, :], minutes, np.inf)
        best = m.argmin(axis=1)
        t = m[np.arange(len(m)), best]
        pupils = district.villages[[f"g{g}" for g in GRADES_OF_BAND[band]]].sum(axis=1).to_numpy()
        for i in range(len(m)):
            if not np.isfinite(t[i]) or pupils[i] <= 0:
                continue
            mode = "day" if t[i] <= params.ride_limit_min[band] or band == "lower_primary" else "boarding"
            rows.append(
                {
                    "year": year,
                    "village_id": tm.origin_ids[i],
                    "band": band,
                    "school_id": tm.destination_ids[best[i]],
                    "mode": mode,
                    "pupils": int(pupils[i]),
                    "travel_min": round(float(t[i]), 2),
                }
            )
    return pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("assignments", nargs="?", help="a plan's assignments.csv (default: nearest-school stand-in)")
    ap.add_argument(
        "--year", type=int, default=None, help="year to route (default: the only or last year of the table)"
    )
    ap.add_argument("--data", default=str(DATA), help="district data folder")
    ap.add_argument(
        "--close-teaching-points",
        action="store_true",
        help="stand-in plan with every teaching point closed (more pupils on buses)",
    )
    ap.add_argument("--repeat", type=int, default=1, help="route this many times and check the results are identical")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)

    district = load_district(args.data)
    params = RoutingParams()
    t0 = time.perf_counter()
    graph = build_road_graph(district.roads)
    if args.assignments:
        assignments = pd.read_csv(args.assignments, dtype={"village_id": str, "school_id": str})
        year = args.year if args.year is not None else int(assignments["year"].max())
        source = args.assignments
    else:
        year = args.year if args.year is not None else district.base_year
        closed = ("teaching_point",) if args.close_teaching_points else ()
        assignments = nearest_school_assignments(district, year, params, graph, closed)
        source = "nearest-school stand-in plan" + (", all teaching points closed" if closed else "")
    t_prep = time.perf_counter() - t0

    runs = []
    for _ in range(max(1, args.repeat)):
        t1 = time.perf_counter()
        bus = route_buses(assignments, district.villages, district.schools, None, year=year, params=params, graph=graph)
        runs.append((time.perf_counter() - t1, bus))
    seconds, bus = runs[0]
    tot = bus.totals
    ps = bus.per_school
    print(f"assignments: {source}, year {year}")
    print(f"graph + assignments: {t_prep:.2f} s")
    print(
        f"routing: {seconds:.2f} s for {tot['receiving_schools']} receiving schools ({tot['schools_with_buses']} with buses)  [target: 60 s]"
    )
    print(f"day pupils {tot['day_pupils']}: bused {tot['pupils_bused']}, walking {tot['pupils_walking']}")
    seat_bound = int(np.ceil(ps["pupils_bused"] / params.max_seats).sum())
    print(
        f"buses {tot['buses']} ({tot['bus_seats']} seats; seats alone need at least {seat_bound}), bus-km per day {tot['bus_km_per_day']:.1f}"
    )
    print(f"ride on board: mean {tot['ride_min_mean']:.1f} min, max {tot['ride_min_max']:.1f} min")
    print(
        f"largest school fleet: {int(ps['buses'].max())} buses; longest school run {ps['longest_ride_min'].max():.1f} min"
    )
    print(
        f"solver solutions accepted: {tot['solver_solutions']}; schools stopped by the time cap: {len(tot['schools_stopped_by_time_cap'])}"
    )
    print(
        f"violations: {tot['violations']} groups, {tot['violation_pupils']} pupils (unserved {tot['unserved_pupils']})"
    )
    if len(bus.violations):
        print(bus.violations.groupby(["band", "cause"])["pupils"].agg(["count", "sum"]).to_string())
    if len(runs) > 1:
        same = all(
            r.routes.equals(bus.routes) and r.per_school.equals(bus.per_school) and r.violations.equals(bus.violations)
            for _, r in runs[1:]
        )
        print(f"repeat {len(runs)} runs: times {', '.join(f'{s:.2f}' for s, _ in runs)} s; identical results: {same}")
        if not same:
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
