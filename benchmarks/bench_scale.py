"""Benchmark: how the layout model scales, from Mengjin's size to a prefecture's.

Usage::

    python benchmarks/bench_scale.py                         # 1x, 4x, 16x; 1 and 3 years
    python benchmarks/bench_scale.py --sizes 1 4 --years 1   # a subset
    python benchmarks/bench_scale.py --mengjin               # the bundled district too
    python benchmarks/bench_scale.py --time-limit 300

Districts are ``synthetic_district(14, 19, seed, scale=k)``, about k times Mengjin (270
village-level units, 223 schools, 900 road segments); 16x is about a whole
prefecture such as Luoyang.  Every (size, years) case runs in its own process, so that
peak memory is that case's alone.  For each case the script reports:

* sizes: villages, schools, road segments; generating the district, the travel matrix,
  the forecast and the problem arrays, each timed on its own;
* the model: variables, binaries, constraints and nonzeros, summed over the independent
  components (full models, on which the bound is proven);
* ``build s``: every ``build_model`` call of the solve (full and restricted models);
  ``warm s``: the greedy warm starts; ``solve s``: everything else in
  ``solve_problem`` (MathOpt conversion, CP-SAT and HiGHS stages);
* status, objective, bound and gap of the whole plan; the stages of each component;
* peak resident memory of the case's process (``ru_maxrss``).

Scenario: the policy defaults (years 2024 or 2024-2026), the closure target scaled with
the district (70 x k), the time limit ``--time-limit`` (default 120 s).  The senior band
(grades 10-12) is not planned in the synthetic districts (``Scenario.bands``): the
generator puts every high school in one urban subdistrict, so at 4x and 16x villages far
from it have no high school within 90 minutes, and at 1x the three high schools cannot
hold the pupils (the presolve check says so); the compulsory bands 1-9 are the hard part
anyway.  Mengjin
(``--mengjin``) is solved with every band.

Target: 16x reaches a gap of 1 % or less within 120 s and under 4 GiB.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve()
DATA = HERE.parent.parent / "data"
BAND_NAMES = ("lower_primary", "upper_primary", "junior", "senior")
MENGJIN = {"villages": 270, "schools": 223, "roads": 900}


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def solve_root(problem, time_limit_s: float, gap_target: float, seed: int, threads: int, node_limit: int = 1):
    """Prototype strategy ``root``: each component's full model with HiGHS, started from
    the greedy warm start and stopped after ``node_limit`` branch-and-bound nodes (the root
    node: cuts and heuristics), so that its bound is the root bound after cuts instead of
    the plain LP relaxation, and its plan comes from HiGHS' own heuristics on the full
    model.  Returns an object shaped like ``solve_problem``'s report."""
    from types import SimpleNamespace

    import numpy as np

    import layout_opt.model.build as build_mod
    import layout_opt.model.heuristic as heur_mod
    import layout_opt.model.solve as solve_mod

    start = time.perf_counter()
    comps = build_mod.components(problem)
    models = [build_mod.build_model(problem, bands=c) for c in comps]
    weight = np.array([max(m.A.nnz, 1) for m in models], dtype=float)
    out = []
    for ci in np.argsort(weight, kind="stable"):
        model = models[ci]
        left = max(time_limit_s - (time.perf_counter() - start), 1.0)
        budget = left * weight[ci] / weight[weight >= weight[ci]].sum()
        ws = heur_mod.warm_start(problem, model)
        small = model.A.nnz < 60_000
        r = solve_mod.solve_model(
            model,
            backend="highs",
            time_limit_s=max(budget, 10.0),
            gap_target=gap_target,
            seed=seed,
            threads=threads,
            node_limit=2_000 if small else node_limit,
            hint=ws.values if ws.feasible else None,
            incumbent=ws.objective if ws.feasible else None,
        )
        stages = [
            {"stage": "warm start", "objective": ws.objective},
            {
                "stage": "full model (highs, root)" if not small else "full model (highs)",
                "objective": r.objective,
                "bound": r.bound,
            },
        ]
        out.append(SimpleNamespace(bands=comps[ci], model=model, result=r, stages=stages))
    objective = float(sum(c.result.objective for c in out))
    bound = float(sum(c.result.bound for c in out))
    gap = max(objective - bound, 0.0) / max(abs(objective), 1e-9) if np.isfinite(objective) else float("inf")
    status = "optimal" if gap <= gap_target else ("feasible" if np.isfinite(objective) else "no_solution")
    size: dict = {}
    for c in out:
        for k, v in c.model.size.items():
            size[k] = size.get(k, 0) + v
    return SimpleNamespace(status=status, objective=objective, bound=bound, gap=gap, components=out, size=size)


def build_only(problem) -> dict:
    """Build every component's full and restricted model and convert the full one to a
    MathOpt model (the first thing a solve does), without solving: sizes, seconds."""
    import layout_opt.model.build as build_mod
    import layout_opt.model.solve as solve_mod

    out = {"build_s": 0.0, "convert_s": 0.0, "components": []}
    for bands in build_mod.components(problem):
        t = time.perf_counter()
        full = build_mod.build_model(problem, bands=bands)
        restricted = build_mod.build_model(problem, bands=bands, nearest_pairs=6)
        out["build_s"] += time.perf_counter() - t
        t = time.perf_counter()
        solve_mod.to_mathopt(full)
        conv = time.perf_counter() - t
        out["convert_s"] += conv
        out["components"].append(
            {"bands": list(bands), "size": full.size, "restricted_size": restricted.size, "convert_s": conv}
        )
        del full, restricted
    return out


def run_case(
    size: float, n_years: int, time_limit_s: float, seed: int, nearest: int | None = None, strategy: str = "default"
) -> dict:
    """One case, in this process; returns the figures as a dict."""
    import numpy as np

    import layout_opt as lo
    import layout_opt.model.build as build_mod
    import layout_opt.model.heuristic as heur_mod
    import layout_opt.model.solve as solve_mod
    from layout_opt.diagnose import presolve_checks
    from layout_opt.examples import synthetic_district
    from layout_opt.model.problem import PlanningProblem

    out: dict = {
        "size": size,
        "years": n_years,
        "strategy": strategy,
        "time_limit_s": time_limit_s,
        "load_start": os.getloadavg()[0],
    }
    t0 = time.perf_counter()
    if size == 0:
        district = lo.load_district(DATA)
    else:
        district = synthetic_district(14, 19, seed=seed, scale=size)
    out["generate_s"] = time.perf_counter() - t0
    out["villages"], out["schools"], out["roads"] = len(district.villages), len(district.schools), len(district.roads)
    years = tuple(range(2024, 2024 + n_years))
    target = 70 if size == 0 else int(round(70 * size))
    bands = {} if size == 0 else {"bands": ("lower_primary", "upper_primary", "junior")}  # see the module doc
    scenario = lo.Scenario(years=years, time_limit_s=time_limit_s, closure_target=target, **bands)
    t0 = time.perf_counter()
    travel = lo.travel_matrix(district, scenario)
    out["travel_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    demand = lo.api.demand_forecast(district, scenario).for_years(years)
    out["forecast_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    problem = PlanningProblem.from_district(district, scenario, travel, demand=demand)
    presolve_checks(problem)
    out["problem_s"] = time.perf_counter() - t0
    out["closure_target"] = target
    out["candidates"] = int(problem.candidate.sum())
    out["rss_before_solve_mib"] = _rss_mib()
    if strategy == "build-only":
        out |= build_only(problem)
        out["peak_rss_mib"] = _rss_mib()
        out["load_end"] = os.getloadavg()[0]
        return out

    timers = {"build": 0.0, "warm": 0.0}
    orig_build, orig_warm = build_mod.build_model, heur_mod.warm_start

    def timed_build(*a, **kw):
        t = time.perf_counter()
        try:
            return orig_build(*a, **kw)
        finally:
            timers["build"] += time.perf_counter() - t

    def timed_warm(*a, **kw):
        t = time.perf_counter()
        try:
            return orig_warm(*a, **kw)
        finally:
            timers["warm"] += time.perf_counter() - t

    build_mod.build_model, heur_mod.warm_start = timed_build, timed_warm
    kwargs = {} if nearest is None else {"nearest_pairs": nearest}
    t0 = time.perf_counter()
    try:
        if strategy == "root":
            report = solve_root(problem, time_limit_s, scenario.gap_target, scenario.seed, scenario.threads)
        else:
            report = solve_mod.solve_problem(
                problem,
                time_limit_s=time_limit_s,
                gap_target=scenario.gap_target,
                backend=scenario.backend,
                seed=scenario.seed,
                threads=scenario.threads,
                **kwargs,
            )
    finally:
        build_mod.build_model, heur_mod.warm_start = orig_build, orig_warm
    total = time.perf_counter() - t0
    out["build_s"] = timers["build"]
    out["warm_s"] = timers["warm"]
    out["solve_s"] = total - timers["build"] - timers["warm"]
    out["total_s"] = total
    out["status"], out["objective"], out["bound"], out["gap"] = (
        report.status,
        report.objective,
        report.bound,
        report.gap,
    )
    out["size_model"] = report.size
    comps = []
    for c in report.components:
        stages = []
        for s in c.stages:
            stages.append({k: (float(v) if isinstance(v, (int, float, np.floating)) else v) for k, v in s.items()})
        comps.append(
            {
                "bands": [lo.schema.BANDS[b] for b in c.bands],
                "size": c.model.size,
                "status": c.result.status,
                "gap": c.result.gap,
                "seconds": c.result.seconds,
                "stages": stages,
            }
        )
    out["components"] = comps
    out["peak_rss_mib"] = _rss_mib()
    out["load_end"] = os.getloadavg()[0]
    return out


def _fmt_gap(g: float) -> str:
    return "-" if g is None or g != g or g == float("inf") else f"{100 * g:.2f}%"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=float, nargs="+", default=[1, 4, 16], help="multiples of Mengjin")
    ap.add_argument("--years", type=int, nargs="+", default=[1, 3], help="planning years per case")
    ap.add_argument("--time-limit", type=float, default=120.0, help="solve_problem's time limit, seconds")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--mengjin", action="store_true", help="also the bundled Mengjin district (size 0 in --worker)")
    ap.add_argument(
        "--strategy",
        nargs="+",
        default=["default"],
        choices=["default", "root", "build-only"],
        help="default: solve_problem as shipped; root: the prototype (full model, HiGHS root node; see solve_root); build-only: build and convert the models, no solve",
    )
    ap.add_argument("--nearest", type=int, default=None, help="solve_problem's nearest_pairs (its default if omitted)")
    ap.add_argument("--case-timeout", type=float, default=3600.0, help="kill a case after this many seconds")
    ap.add_argument(
        "--memory-limit-gib",
        type=float,
        default=14.0,
        help="address-space limit of each case's process (protects a shared machine); 0 for none",
    )
    ap.add_argument("--json", type=Path, default=None, help="also write every case's figures to this file")
    ap.add_argument("--worker", type=float, nargs=2, metavar=("SIZE", "YEARS"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        logging.basicConfig(level=logging.ERROR)
        if args.memory_limit_gib > 0:
            limit = int(args.memory_limit_gib * 2**30)
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        res = run_case(args.worker[0], int(args.worker[1]), args.time_limit, args.seed, args.nearest, args.strategy[0])
        print("RESULT " + json.dumps(res))
        return 0
    sizes = ([0.0] if args.mengjin else []) + list(args.sizes)
    results = []
    print(
        f"cpu cores {os.cpu_count()}, load average at start {os.getloadavg()[0]:.2f}; time limit {args.time_limit:g} s; Mengjin: {MENGJIN['villages']} villages, {MENGJIN['schools']} schools, {MENGJIN['roads']} road segments"
    )
    cases = [(size, n, strat) for size in sizes for n in args.years for strat in args.strategy]
    for size, n_years, strategy in cases:
        label = ("Mengjin" if size == 0 else f"{size:g}x") + ("" if strategy == "default" else f" [{strategy}]")
        cmd = [
            sys.executable,
            str(HERE),
            "--worker",
            str(size),
            str(n_years),
            "--time-limit",
            str(args.time_limit),
            "--seed",
            str(args.seed),
            "--memory-limit-gib",
            str(args.memory_limit_gib),
            "--strategy",
            strategy,
        ]
        if args.nearest is not None:
            cmd += ["--nearest", str(args.nearest)]
        t0 = time.perf_counter()
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=args.case_timeout)
        except subprocess.TimeoutExpired:
            print(f"{label} {n_years}y: killed after {args.case_timeout:g} s")
            continue
        line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")), None)
        if line is None:
            err = proc.stderr.strip().splitlines()
            why = (
                "out of memory (over the --memory-limit-gib address space)"
                if any("MemoryError" in ln or "bad_alloc" in ln for ln in err)
                else (err[-1] if err else f"exit code {proc.returncode}")
            )
            print(f"\n== {label}, {n_years} year(s): failed after {time.perf_counter() - t0:.0f} s: {why}", flush=True)
            continue
        res = json.loads(line[len("RESULT ") :])
        res["label"] = label
        if strategy == "build-only":
            print(
                f"\n== {label}, {n_years} year(s): {res['villages']} villages, {res['schools']} schools, {res['roads']} road segments; build only: {res['build_s']:.1f} s (full and restricted models), MathOpt conversion of the full models {res['convert_s']:.1f} s; peak memory {res['peak_rss_mib'] / 1024:.2f} GiB (before building {res['rss_before_solve_mib'] / 1024:.2f} GiB)"
            )
            for comp in res["components"]:
                f, r = comp["size"], comp["restricted_size"]
                names = "+".join(BAND_NAMES[b] for b in comp["bands"])
                print(
                    f"   [{names}] full: {f['variables']:,} variables ({f['binary']:,} binary), {f['constraints']:,} constraints, {f['nonzeros']:,} nonzeros; nearest 6: {r['variables']:,} variables, {r['nonzeros']:,} nonzeros"
                )
            continue
        results.append(res)
        c = res["size_model"]
        print(
            f"\n== {label}, {n_years} year(s): {res['villages']} villages, {res['schools']} schools, {res['roads']} road segments; closure target {res['closure_target']} of {res['candidates']} candidates"
            f"\n   generate {res['generate_s']:.1f} s, travel matrix {res['travel_s']:.2f} s, forecast {res['forecast_s']:.2f} s, problem arrays {res['problem_s']:.2f} s (excluded below)"
            f"\n   model: {c['variables']:,} variables ({c['binary']:,} binary), {c['constraints']:,} constraints, {c['nonzeros']:,} nonzeros"
            f"\n   build {res['build_s']:.1f} s, warm start {res['warm_s']:.1f} s, solve {res['solve_s']:.1f} s, total {res['total_s']:.1f} s; {res['status']}, gap {_fmt_gap(res['gap'])}; peak memory {res['peak_rss_mib'] / 1024:.2f} GiB"
            f"\n   load average {res['load_start']:.1f} -> {res['load_end']:.1f}",
            flush=True,
        )
        for comp in res["components"]:
            st = "; ".join(
                f"{s['stage']}: "
                + ", ".join(f"{k} {v:.5g}" for k, v in s.items() if k != "stage" and isinstance(v, float))
                for s in comp["stages"]
            )
            print(
                f"   [{'+'.join(comp['bands'])}] {comp['size']['variables']:,} vars, {comp['status']}, gap {_fmt_gap(comp['gap'])}, {comp['seconds']:.1f} s | {st}"
            )
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    print(
        f"\n{'case':<20} {'villages':>8} {'schools':>8} {'roads':>7} {'variables':>11} {'constraints':>11} {'build s':>8} {'solve s':>8} {'status':<11} {'gap':>7} {'peak GiB':>9}"
    )
    for r in results:
        c = r["size_model"]
        print(
            f"{r['label'] + ' ' + str(r['years']) + 'y':<20} {r['villages']:8d} {r['schools']:8d} {r['roads']:7d} {c['variables']:11,} {c['constraints']:11,} {r['build_s']:8.1f} {r['warm_s'] + r['solve_s']:8.1f} {r['status']:<11} {_fmt_gap(r['gap']):>7} {r['peak_rss_mib'] / 1024:9.2f}"
        )
    big = [r for r in results if r["size"] == 16 and r["strategy"] == "default"]
    for r in big:
        ok = r["gap"] is not None and r["gap"] <= 0.01 and r["total_s"] <= 120 and r["peak_rss_mib"] <= 4096
        print(
            f"{'PASS' if ok else 'MISS'}  16x {r['years']}y: gap {_fmt_gap(r['gap'])} (target <= 1%), {r['build_s'] + r['warm_s'] + r['solve_s']:.0f} s (target 120 s), {r['peak_rss_mib'] / 1024:.2f} GiB (target 4 GiB)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
