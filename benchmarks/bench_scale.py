"""Benchmark: how the layout model scales, from Mengjin's size to a prefecture's.

Usage::

    python benchmarks/bench_scale.py                           # Mengjin, 4x, 16x; 1 and 3 years
    python benchmarks/bench_scale.py --sizes 0 4 --years 3     # a subset (0 is Mengjin)
    python benchmarks/bench_scale.py --workers 1               # one process per case

Size 0 is the bundled Mengjin district (270 village-level units, 223 schools); size k > 0
is ``synthetic_district(14, 19, seed, scale=k)``, about k times Mengjin (16x is about a
whole prefecture such as Luoyang).  Every (size, years) case runs in its own process, so
that peak memory is that case's alone (``ru_maxrss`` of the case and of the pool workers
it starts).  Each case is the layout solve (``layout_opt.model.solve.solve_problem``,
units solved side by side in ``--workers`` processes) of the policy defaults with the
closure target scaled with the district (70 x k), without bus routing and without the
zone price (they are timed by the main job).  The script prints, per case: villages,
schools, units, the largest unit's variables, the unit solves (with the knapsack's
extra closure counts), status, objective, bound, gap, seconds for the problem arrays and
for the solve, and peak memory.

The synthetic districts plan grades 1-9 (``Scenario.bands``): their generator puts the
high schools in one urban subdistrict, out of reach of far villages at 4x and 16x.
Mengjin is solved with every band (kindergartens included).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve()
DATA = HERE.parent.parent / "data"


def _rss_mib() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024.0


def run_case(size: float, years: int, workers: int, seed: int) -> dict:
    """One case in this process: build the district and the problem, solve, report."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    import layout_opt as lo
    from layout_opt.model.problem import PlanningProblem
    from layout_opt.model.solve import solve_problem

    t0 = time.perf_counter()
    if size == 0:
        district = lo.load_district(DATA)
        bands = lo.Scenario().bands  # every band, the kindergartens' too
        target = 70
    else:
        district = lo.examples.synthetic_district(14, 19, seed=seed, scale=size)
        bands = ("lower_primary", "upper_primary", "junior")
        target = int(round(70 * size))
    scenario = lo.Scenario(years=tuple(range(2024, 2024 + years)), bands=bands, closure_target=target)
    travel = district.travel_matrix(scenario)
    demand = district.forecast(scenario).for_years(scenario.years)
    problem = PlanningProblem.from_district(district, scenario, travel, demand, district.enrolment)
    t_problem = time.perf_counter() - t0
    t1 = time.perf_counter()
    if workers > 1:
        ctx = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(workers, mp_context=ctx) as pool:
            report = solve_problem(problem, time_limit_s=600, map_tasks=lambda fn, a: list(pool.map(fn, a)))
    else:
        report = solve_problem(problem, time_limit_s=600)
    t_solve = time.perf_counter() - t1
    largest = max((u.model.size["variables"] for u in report.units), default=0)
    return {
        "size": size,
        "years": years,
        "villages": len(district.villages),
        "schools": len(district.schools),
        "units": len(report.units),
        "largest_unit_variables": largest,
        "unit_solves": report.notes.get("unit_solves"),
        "status": report.status,
        "objective": report.objective,
        "bound": report.bound,
        "gap": report.gap,
        "problem_s": round(t_problem, 1),
        "solve_s": round(t_solve, 1),
        "peak_mib": round(_rss_mib(), 0),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument(
        "--sizes", type=float, nargs="+", default=[0, 4, 16], help="multiples of Mengjin (0: Mengjin itself)"
    )
    ap.add_argument("--years", type=int, nargs="+", default=[1, 3], help="planning years per case")
    ap.add_argument("--workers", type=int, default=2, help="processes that solve the units of a case")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--case-timeout", type=float, default=3600.0, help="kill a case after this many seconds")
    ap.add_argument("--json", type=Path, default=None, help="also write every case's figures to this file")
    ap.add_argument("--worker", type=float, nargs=2, metavar=("SIZE", "YEARS"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        size, years = args.worker
        print(json.dumps(run_case(size, int(years), args.workers, args.seed)))
        return 0
    rows = []
    header = f"{'size':>5} {'years':>5} {'villages':>8} {'schools':>7} {'units':>5} {'largest':>8} {'solves':>6} {'status':>9} {'gap':>9} {'arrays s':>8} {'solve s':>8} {'peak MiB':>8}"
    print(header)
    for size in args.sizes:
        for years in args.years:
            cmd = [
                sys.executable,
                str(HERE),
                "--worker",
                str(size),
                str(years),
                "--workers",
                str(args.workers),
                "--seed",
                str(args.seed),
            ]
            try:
                out = subprocess.run(
                    cmd, capture_output=True, text=True, timeout=args.case_timeout, env=os.environ.copy()
                )
                row = json.loads(out.stdout.strip().splitlines()[-1])
            except (subprocess.TimeoutExpired, IndexError, json.JSONDecodeError) as exc:
                row = {"size": size, "years": years, "status": f"failed ({type(exc).__name__})"}
            rows.append(row)
            gap = row.get("gap")
            gap_text = "n/a" if gap is None or gap != gap else f"{100 * gap:.4f}%"
            label = "Mengjin" if size == 0 else f"{size:g}x"
            print(
                f"{label:>5} {years:>5} {row.get('villages', ''):>8} {row.get('schools', ''):>7} {row.get('units', ''):>5} "
                f"{row.get('largest_unit_variables', ''):>8} {row.get('unit_solves', ''):>6} {row.get('status', ''):>9} {gap_text:>9} "
                f"{row.get('problem_s', ''):>8} {row.get('solve_s', ''):>8} {row.get('peak_mib', ''):>8}",
                flush=True,
            )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
