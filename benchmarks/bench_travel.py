"""Benchmark: the village x school travel-time matrix, scipy Dijkstra against networkx.

Usage::

    python benchmarks/bench_travel.py                 # Mengjin and a 16x district
    python benchmarks/bench_travel.py --skip-scaled   # Mengjin only
    python benchmarks/bench_travel.py --repeat 9 --seed 1

For each district it times, in one run:

* ``scipy``: ``build_road_graph`` (road lines -> sparse graph), then
  ``travel_time_matrix`` on that graph (snapping places to the nearest segment, csgraph
  Dijkstra from every school limited to the cutoff, assembly);
* ``networkx`` (baseline): the same graph and the same snapping, turned into a
  ``networkx.Graph``, then a plain loop of ``nx.single_source_dijkstra_path_length``
  from every school with the same cutoff;

checks that both give the same matrix, and prints the ratios.  File reading is timed on
its own and excluded.  Targets: scipy at least 10x faster than networkx; under 1 s for
Mengjin; under 30 s for the 16x district.  The cutoff is the default scenario's longest
trip (90 min).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import networkx as nx
import numpy as np
from timing import median_run

from layout_opt import Scenario, load_district
from layout_opt.examples import synthetic_district
from layout_opt.travel import attach_points, build_road_graph, travel_time_matrix

DATA = Path(__file__).resolve().parent.parent / "data"


def networkx_matrix(district, graph, cutoff_min: float, walk_speed_kmh: float = 4.0):
    """The baseline: a networkx graph, then one Dijkstra per school in a Python loop.

    Returns ``(build_s, compute_s, minutes)``; ``build_s`` covers snapping and building the
    ``networkx.Graph`` from the road graph.
    """
    v, s = district.villages, district.schools
    t0 = time.perf_counter()
    xy = np.vstack([np.column_stack([v.geometry.x, v.geometry.y]), np.column_stack([s.geometry.x, s.geometry.y])])
    att = attach_points(graph, xy)
    g = att.graph.to_networkx()
    t1 = time.perf_counter()
    access_min = att.access_m / (walk_speed_kmh * 1000 / 60)
    n_v = len(v)
    v_node, s_node = att.node[:n_v], att.node[n_v:]
    v_acc, s_acc = access_min[:n_v], access_min[n_v:]
    col_of = {}
    for k, node in enumerate(v_node.tolist()):
        col_of.setdefault(node, []).append(k)
    minutes = np.full((n_v, len(s)), np.inf)
    for j, node in enumerate(s_node.tolist()):
        lengths = nx.single_source_dijkstra_path_length(g, node, cutoff=cutoff_min, weight="minutes")
        for target, t in lengths.items():
            for i in col_of.get(target, ()):
                minutes[i, j] = t + v_acc[i] + s_acc[j]
    minutes[minutes > cutoff_min + 1e-9] = np.inf
    t2 = time.perf_counter()
    return t1 - t0, t2 - t1, minutes


def bench(label: str, district, cutoff_min: float, repeat: int, repeat_nx: int, read_s: float | None) -> dict:
    v, s, r = district.villages, district.schools, district.roads
    build_s, graph = median_run(lambda: build_road_graph(r), repeat)
    compute_s, tm = median_run(lambda: travel_time_matrix(None, v, s, cutoff_min=cutoff_min, graph=graph), repeat)
    runs = [networkx_matrix(district, graph, cutoff_min) for _ in range(max(1, repeat_nx))]
    nx_build_s = statistics.median(run[0] for run in runs)
    nx_compute_s = statistics.median(run[1] for run in runs)
    nx_minutes = runs[-1][2]
    same_pattern = np.array_equal(np.isfinite(tm.minutes), np.isfinite(nx_minutes))
    fin = np.isfinite(tm.minutes)
    max_diff = float(np.abs(tm.minutes[fin] - nx_minutes[fin]).max()) if fin.any() and same_pattern else float("nan")
    total = build_s + compute_s
    nx_total = build_s + nx_build_s + nx_compute_s
    print(
        f"\n== {label}: {len(v)} villages x {len(s)} schools, {len(r)} road lines; graph {graph.n_nodes} nodes, {graph.n_edges} edges; cutoff {cutoff_min:.0f} min"
    )
    if read_s is not None:
        print(f"   file reading (excluded)        {read_s:8.3f} s")
    print(f"   scipy   build graph            {build_s:8.3f} s")
    print(f"   scipy   compute matrix         {compute_s:8.3f} s")
    print(f"   scipy   total                  {total:8.3f} s")
    print(f"   networkx build (graph+snap+nx) {build_s + nx_build_s:8.3f} s")
    print(f"   networkx per-school loop       {nx_compute_s:8.3f} s")
    print(f"   networkx total                 {nx_total:8.3f} s")
    print(f"   ratio networkx/scipy: compute {nx_compute_s / compute_s:6.1f}x, total {nx_total / total:6.1f}x")
    print(
        f"   reachable pairs {int(fin.sum())} ({fin.mean():.1%}); same matrix as networkx: {same_pattern} (max |diff| {max_diff:.2e} min)"
    )
    return {"label": label, "total_s": total, "ratio_total": nx_total / total, "same": same_pattern and max_diff < 1e-6}


def scaled_district(seed: int):
    """About 16x Mengjin: ``synthetic_district(14, 19, scale=16)``."""
    return "16x synthetic (14 towns x 19 villages, scale 16)", synthetic_district(14, 19, seed=seed, scale=16)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=7, help="timed runs of both paths on Mengjin (median)")
    ap.add_argument(
        "--repeat-scaled",
        type=int,
        default=3,
        help="timed runs of the scipy path on the scaled district (networkx runs once)",
    )
    ap.add_argument("--seed", type=int, default=0, help="seed of the scaled district")
    ap.add_argument("--skip-scaled", action="store_true", help="Mengjin only")
    args = ap.parse_args(argv)
    cutoff = Scenario().longest_trip_min
    t0 = time.perf_counter()
    mengjin = load_district(DATA)
    read_s = time.perf_counter() - t0
    results = [bench("Mengjin", mengjin, cutoff, args.repeat, args.repeat, read_s)]
    if not args.skip_scaled:
        t0 = time.perf_counter()
        label, big = scaled_district(args.seed)
        gen_s = time.perf_counter() - t0
        print(f"\n(generated the scaled district in {gen_s:.1f} s, excluded)")
        results.append(bench(label, big, cutoff, args.repeat_scaled, 1, None))
    targets = [("Mengjin under 1 s", results[0]["total_s"] < 1.0)]
    if len(results) > 1:
        targets.append(("16x under 30 s", results[1]["total_s"] < 30.0))
    targets += [(f"{r['label']}: at least 10x faster than networkx", r["ratio_total"] >= 10.0) for r in results]
    targets += [(f"{r['label']}: same matrix as networkx", r["same"]) for r in results]
    print()
    for name, ok in targets:
        print(f"{'PASS' if ok else 'MISS'}  {name}")
    return 0 if all(ok for _, ok in targets) else 1


if __name__ == "__main__":
    sys.exit(main())
