"""Benchmark: batch runs on Dask, 1 worker against 2, and the estimate of a province run.

Usage::

    python benchmarks/bench_sweep.py                           # 20 counties x 3 scenarios on 1 and 2 workers
    python benchmarks/bench_sweep.py --counties 6 --workers 1 2
    python benchmarks/bench_sweep.py --write                   # also write every plan folder, as the command does
    python benchmarks/bench_sweep.py --mengjin                 # one Mengjin-sized task, for the province estimate
    python benchmarks/bench_sweep.py --units                   # units as tasks: one Mengjin plan on 2 workers

The throughput case plans ``county_districts(counties, seed)`` (written as data folders,
read by the workers as ``layout-opt batch`` does) under three scenarios, every county under
every scenario, with :func:`layout_opt.batch` on a ``LocalCluster`` of 1 worker process and
then of 2 (one thread each).  For each it prints the wall-clock seconds of the run (the
cluster started and its workers warmed up beforehand, so that start-up is printed apart),
the plans per minute, the sum of the tasks' own seconds, the workers' utilisation (task
seconds / (workers x wall): how much of the time the workers had a task) and their CPU
share (their processes' CPU seconds / (workers x wall): how much of a core each got; on a
machine that others share it falls below 1), and checks that both runs give the same
table.  The throughput ratio is plans per minute on 2 workers over plans per minute on 1.

``--mengjin`` solves the bundled district once under the policy defaults in this process
(``workers=1``, the buses routed, as one task of a batch does) and writes its plan
folder: the seconds of one county-sized task, and the peak memory of the process.

``--units`` plans the bundled district (2026, every band), one scenario, on 2 workers, first in one worker's
process and then with its units and bus-routing years as tasks of the cluster
(``units_as_tasks``): whether handing the units to the cluster helps a run with fewer plans
than workers.

The province estimate (150 counties x 10 scenarios on N workers) is printed with its
arithmetic from these figures; ``benchmarks/README.md`` keeps the figures of one run.
"""

from __future__ import annotations

import argparse
import math
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve()
DATA = HERE.parent.parent / "data"


def _load() -> str:
    try:
        return "load average " + " ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:  # pragma: no cover - no load average on this system
        return "load average n/a"


def _cpu_seconds() -> float:
    """CPU seconds of this process (a worker's, when run by ``client.run``)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def scenarios():
    """The three scenarios of the throughput case: 3 years, grades 1-9 (the synthetic
    counties' high schools are all in one subdistrict), no per-town boarding rule (small
    synthetic towns have too few boarders for it), the buses routed."""
    import layout_opt as lo

    base = lo.Scenario(
        name="most closures",
        years=(2024, 2025, 2026),
        bands=("lower_primary", "upper_primary", "junior"),
        closure_target=-1,
        boarding_schools_per_town=0,
        price_zone_rule=False,
        time_limit_s=30,
        threads=1,
    )
    return {
        "most-closures": base,
        "no-target": base.replace(name="no target", closure_target=0),
        "small-classes": base.replace(name="small classes", class_cap_primary=40, class_cap_junior=45),
    }


def cluster(workers: int):
    """A local cluster of ``workers`` single-threaded processes, its workers warmed up (the
    package imported, a tiny plan made), and the seconds that took."""
    from distributed import Client, LocalCluster

    import layout_opt as lo

    t = time.perf_counter()
    local = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0")
    client = Client(local)
    tiny = lo.examples.synthetic_district(n_towns=1, villages_per_town=4, seed=0)
    warm = scenarios()["most-closures"].replace(years=(2024,))
    client.run(lambda: __import__("layout_opt"))
    lo.batch({f"warm-{i}": tiny for i in range(workers)}, warm, client=client, route_buses=False, keep_plans=False)
    return local, client, time.perf_counter() - t


def throughput(folders: list[Path], workers: int, out: Path | None) -> dict:
    """Plan every county under every scenario on ``workers`` workers; the run's figures."""
    import layout_opt as lo

    local, client, start_s = cluster(workers)
    try:
        load = _load()
        cpu_before = sum(client.run(_cpu_seconds).values())
        t = time.perf_counter()
        result = lo.batch(folders, scenarios(), client=client, out=out, keep_plans=False)
        wall = time.perf_counter() - t
        cpu = sum(client.run(_cpu_seconds).values()) - cpu_before
    finally:
        client.close()
        local.close()
    task_s = sum(r.seconds for r in result.runs)
    return {
        "cpu_share": cpu / (workers * wall),
        "workers": workers,
        "start_s": start_s,
        "wall_s": wall,
        "plans": len(result.runs),
        "planned": sum(r.planned for r in result.runs),
        "per_min": 60 * len(result.runs) / wall,
        "task_s": task_s,
        "utilisation": task_s / (workers * wall),
        "table": result.table,
        "load": load,
        "failed": [(r.label, r.status, r.reason) for r in result.failed],
    }


def mengjin_task(out: Path) -> dict:
    """One Mengjin-sized task as a batch runs it: solve (workers=1, buses routed) and write."""
    import layout_opt as lo
    from layout_opt import io

    t = time.perf_counter()
    district = lo.load_district(DATA)
    projects = io.read_policy_projects(DATA, school_ids=district.schools["school_id"])
    read_s = time.perf_counter() - t
    load = _load()
    t = time.perf_counter()
    plan = lo.solve(district, lo.Scenario(), workers=1)
    solve_s = time.perf_counter() - t
    t = time.perf_counter()
    io.write_plan(plan, out / "mengjin", policy_projects=projects)
    write_s = time.perf_counter() - t
    return {
        "read_s": read_s,
        "solve_s": solve_s,
        "write_s": write_s,
        "task_s": read_s + solve_s + write_s,
        "peak_gib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2,
        "status": plan.summary["solver"]["status"],
        "gap": plan.summary["solver"]["gap"],
        "load": load,
    }


def units_case(years: tuple[int, ...]) -> list[dict]:
    """Mengjin (``years``, time limit 120 s), one scenario, 2 workers: units in one worker's
    process, then as tasks of the cluster."""
    import layout_opt as lo

    district = lo.load_district(DATA)
    scenario = lo.Scenario(years=years, price_zone_rule=False, time_limit_s=120)
    out = []
    for units in (False, True):
        local, client, _ = cluster(2)
        try:
            load = _load()
            t = time.perf_counter()
            result = lo.sweep(district, {"default": scenario}, client=client, units_as_tasks=units)
            wall = time.perf_counter() - t
        finally:
            client.close()
            local.close()
        run = result["default"]
        out.append(
            {
                "units_as_tasks": units,
                "wall_s": wall,
                "status": run.status,
                "objective": run.summary["costs_yuan"]["objective"] if run.planned else float("nan"),
                "load": load,
            }
        )
    return out


def province(task_s: float, efficiency: float, start_s: float, workers: int) -> tuple[float, str]:
    """Wall-clock hours of 150 counties x 10 scenarios on ``workers`` workers, and the arithmetic."""
    tasks = 150 * 10
    rounds = math.ceil(tasks / workers)
    hours = (rounds * task_s / efficiency + start_s) / 3600
    text = (
        f"{tasks} tasks / {workers} workers = {rounds} rounds; {rounds} x {task_s:.0f} s / {efficiency:.2f} "
        f"+ {start_s:.0f} s start-up = {hours:.1f} h"
    )
    return hours, text


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--counties", type=int, default=20)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--write", action="store_true", help="write every plan folder (report, workbook, GeoPackage)")
    ap.add_argument("--mengjin", action="store_true", help="time one Mengjin-sized task for the province estimate")
    ap.add_argument("--units", action="store_true", help="one Mengjin plan on 2 workers, units as tasks or not")
    ap.add_argument("--skip-throughput", action="store_true")
    ap.add_argument(
        "--task-seconds",
        type=float,
        default=None,
        help="seconds of one county-sized task for the province estimate (default: --mengjin's, if run)",
    )
    args = ap.parse_args(argv)

    import layout_opt as lo
    from layout_opt import io

    print(f"machine: {os.cpu_count()} CPUs; {_load()}")
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        if not args.skip_throughput:
            t = time.perf_counter()
            counties = lo.examples.county_districts(args.counties, seed=args.seed)
            folders = [io.write_district(d, root / "counties" / name) for name, d in counties.items()]
            sizes = [len(d.villages) for d in counties.values()]
            print(
                f"{len(counties)} counties (seed {args.seed}), {min(sizes)}-{max(sizes)} villages each, "
                f"{sum(sizes)} in all; generated and written in {time.perf_counter() - t:.1f} s"
            )
            print(f"scenarios: {', '.join(scenarios())}; plans per run: {len(counties) * len(scenarios())}")
            print(f"plan folders written: {'yes' if args.write else 'no'}")
            print()
            print(
                "| workers | start-up s | wall s | plans | planned | plans/min | task s | utilisation | CPU share | load |"
            )
            print("|---|---|---|---|---|---|---|---|---|---|")
            for k in args.workers:
                out = root / f"runs-{k}" if args.write else None
                r = throughput(folders, k, out)
                results.append(r)
                print(
                    f"| {k} | {r['start_s']:.1f} | {r['wall_s']:.1f} | {r['plans']} | {r['planned']} | "
                    f"{r['per_min']:.1f} | {r['task_s']:.1f} | {r['utilisation']:.2f} | {r['cpu_share']:.2f} | "
                    f"{r['load']} |",
                    flush=True,
                )
                for label, status, reason in r["failed"][:5]:
                    print(f"    {label}: {status}: {reason[:120]}")
            print()
            first = results[0]
            for r in results[1:]:
                same = r["table"].equals(first["table"])
                print(
                    f"throughput ratio {r['workers']} workers / {first['workers']}: "
                    f"{r['per_min'] / first['per_min']:.2f} (same table: {same})"
                )
        mengjin = None
        if args.mengjin:
            mengjin = mengjin_task(root)
            print()
            print(
                f"Mengjin task (policy defaults, 3 years, 4 bands, buses routed, workers=1): read {mengjin['read_s']:.1f} s, "
                f"solve {mengjin['solve_s']:.1f} s, write {mengjin['write_s']:.1f} s, total {mengjin['task_s']:.1f} s; "
                f"{mengjin['status']}, gap {100 * (mengjin['gap'] or 0):.2f} %; peak {mengjin['peak_gib']:.2f} GiB; "
                f"{mengjin['load']}"
            )
        if args.units:
            print()
            print("| units as tasks | wall s | status | objective (yuan) | load |")
            print("|---|---|---|---|---|")
            for r in units_case((2026,)):
                print(
                    f"| {r['units_as_tasks']} | {r['wall_s']:.1f} | {r['status']} | {r['objective']:,.0f} | {r['load']} |",
                    flush=True,
                )
    task_s = args.task_seconds or (mengjin["task_s"] if mengjin else None)
    pairs = [r for r in results if r["workers"] in (1, 2)]
    if task_s and len(pairs) == 2:
        efficiency = pairs[1]["per_min"] / pairs[0]["per_min"] / 2
        start_s = max(r["start_s"] for r in pairs)
        print()
        print(f"province run, 150 counties x 10 scenarios, one task {task_s:.0f} s, efficiency {efficiency:.2f}:")
        for n in (2, 16, 64, 256, 1500):
            _, text = province(task_s, efficiency, start_s, n)
            print(f"  N = {n}: {text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
