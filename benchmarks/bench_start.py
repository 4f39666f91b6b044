"""Benchmark: does a heuristic start help the layout model's units?

Usage::

    python benchmarks/bench_start.py               # the bundled Mengjin units, 3 years
    python benchmarks/bench_start.py --years 1

Every unit of the bundled district (zones by level) is solved to the gap of the library
(``UNIT_GAP``) three ways, one after the other in this process: HiGHS from nothing; HiGHS
started from ``lp_and_fix`` (the LP relaxation, every binary it sets fixed, the rest
solved), the start counted in; and HiGHS with its own sub-MIP heuristics (RINS, RENS,
root reduced cost) switched off.  The script prints the seconds of each, and the totals.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "data"


def main(argv: list[str] | None = None) -> int:
    import layout_opt as lo
    from layout_opt.model.build import build_model
    from layout_opt.model.mip import solve_model
    from layout_opt.model.positions import Positions, split_units
    from layout_opt.model.problem import PlanningProblem
    from layout_opt.model.solve import UNIT_GAP, lp_and_fix

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--years", type=int, default=3)
    args = ap.parse_args(argv)
    district = lo.load_district(DATA)
    scenario = lo.Scenario(years=tuple(range(2024, 2024 + args.years)))
    travel = district.travel_matrix(scenario)
    demand = district.forecast(scenario).for_years(scenario.years)
    problem = PlanningProblem.from_district(district, scenario, travel, demand, district.enrolment)
    positions = Positions(problem)
    units = split_units(positions)
    no_sub_mip = {
        "mip_heuristic_run_rins": False,
        "mip_heuristic_run_rens": False,
        "mip_heuristic_run_root_reduced_cost": False,
    }
    totals = [0.0, 0.0, 0.0]
    print(f"{'unit':<34} {'variables':>9} {'plain s':>8} {'lp+fix s':>8} {'no sub-MIP s':>12}")
    for u in units:
        m = build_model(problem, positions, u)
        if len(m.c) == 0:
            continue
        t0 = time.perf_counter()
        solve_model(m, time_limit_s=300, gap_target=UNIT_GAP)
        t1 = time.perf_counter()
        hint, incumbent = lp_and_fix(m, 300, UNIT_GAP)
        solve_model(m, time_limit_s=300, gap_target=UNIT_GAP, hint=hint, incumbent=incumbent)
        t2 = time.perf_counter()
        solve_model(m, time_limit_s=300, gap_target=UNIT_GAP, highs_options=no_sub_mip)
        t3 = time.perf_counter()
        row = (t1 - t0, t2 - t1, t3 - t2)
        totals = [a + b for a, b in zip(totals, row)]
        print(
            f"{u.label(problem):<34} {m.size['variables']:>9} {row[0]:>8.1f} {row[1]:>8.1f} {row[2]:>12.1f}", flush=True
        )
    print(f"{'total':<34} {'':>9} {totals[0]:>8.1f} {totals[1]:>8.1f} {totals[2]:>12.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
