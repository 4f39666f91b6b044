"""Benchmark: the p-median core against PySAL spopt, its previous formulation and a greedy heuristic.

Usage::

    pip install -e ".[bench]"                       # spopt and PuLP (CBC), benchmark only
    python benchmarks/bench_pmedian.py              # districts 1x and 4x, random graphs, greedy
    python benchmarks/bench_pmedian.py --sizes 1 --repeat 5 --skip-graphs
    python benchmarks/bench_pmedian.py --skip-districts --graph-sizes 1000 --graph-p 5 10 100
    python benchmarks/bench_pmedian.py --skip-spopt # layout_opt only
    python benchmarks/bench_pmedian.py --crossover  # strong vs radius formulation, uncapacitated

Two kinds of instances.

**Districts** (capacitated).  The part of the school-layout problem that classic
location-allocation tools solve too: a single-year capacitated p-median with a
travel-time cutoff, single assignment, existing capacities and nothing else.  From a
synthetic district ``synthetic_district(14, 19, seed, scale=k)`` (about k times Mengjin):

* demand points: every village-level unit, demand = its pupils of grades 1-6;
* facilities: every school teaching grades 1-6 (complete and central primaries);
  capacity = classrooms x 45 seats (existing capacity, no additions);
* cost: bus minutes from the library's travel-time matrix; pairs over the 30-minute
  one-way limit of grades 1-3 are not allowed;
* p = 80 % of the facilities (one in five complete primaries closes).

**Random graphs** (uncapacitated), of the kind of the classic p-median test instances
(OR-Library's ``pmed``): ``n`` nodes, a random spanning tree plus random edges up to
``n**2 / 50`` edges, integer edge lengths uniform in 1-100; every node is a demand point
(demand 1) and a candidate facility; cost = shortest-path length; no cutoff.

Solved by:

* ``layout_opt.model.pmedian.solve_pmedian`` with each OR-Tools backend (HiGHS, SCIP,
  CP-SAT with 2 workers).  By default it starts from the greedy plan (its time
  included) and chooses the formulation: strong for the districts, radius for the large
  graphs.  ``highs+cold`` and the graphs' ``old`` column are the previous default: the
  strong formulation without the greedy start, HiGHS' default options;
* spopt's ``PMedian.from_cost_matrix(cost, demand, p, facility_capacities=...)`` on
  PuLP's CBC.  spopt takes a dense matrix and has no cutoff, so pairs over the cutoff get
  a prohibitive cost ``M`` (every one of them costs more than a whole feasible solution);
  the script checks that spopt's solution uses none, so both solve the same problem;
* ``greedy_swap_pmedian`` (greedy add + vertex substitution), whose cost above the exact
  optimum is reported.

Times are wall-clock, model building included, in the same run: medians of ``--repeat``
runs (spopt: ``--spopt-repeat``) on the districts, of the seeds on the graphs.  Targets:
at least 10x faster than spopt/CBC at 1x and 4x with the same optimum; random graphs of
1,000 nodes with p = 5, 10 and 100 proven optimal within 60 s each (median of three
seeds).
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra
from timing import median_run

import layout_opt as lo
from layout_opt.examples import synthetic_district
from layout_opt.model.pmedian import greedy_swap_pmedian, solve_pmedian

CUTOFF_MIN = 30.0
CLASS_CAP = 45
P_SHARE = 0.8
#: Random graphs have n**2 / EDGE_DIVISOR edges (OR-Library's p-median instances' density).
EDGE_DIVISOR = 50


@dataclass(frozen=True)
class Instance:
    """A p-median instance: a synthetic district's or a random graph's."""

    label: str
    cost: np.ndarray  # (V, S) minutes, inf where unreachable within the travel matrix
    demand: np.ndarray
    capacity: np.ndarray | None
    p: int
    cutoff: float | None

    @property
    def allowed(self) -> np.ndarray:
        return np.isfinite(self.cost) & (self.cost <= (np.inf if self.cutoff is None else self.cutoff))

    @property
    def pairs(self) -> int:
        return int(self.allowed.sum())


def make_instance(scale: float, seed: int = 0, p_share: float = P_SHARE, cutoff: float = CUTOFF_MIN) -> Instance:
    """The p-median of a ``scale`` x Mengjin synthetic district (see the module doc)."""
    d = synthetic_district(14, 19, seed=seed, scale=scale)
    v, s = d.villages, d.schools
    fac = s[s["kind"].isin(["primary", "central_primary", "nine_year"])]
    tm = lo.travel_matrix(d)
    cost = tm.subset(v["village_id"].to_numpy(), fac["school_id"].to_numpy()).minutes
    demand = v[[f"g{g}" for g in range(1, 7)]].to_numpy().sum(axis=1).astype(float)
    capacity = fac["classrooms"].to_numpy().astype(float) * CLASS_CAP
    p = int(round(p_share * len(fac)))
    return Instance(f"{scale:g}x seed {seed}", np.asarray(cost, float), demand, capacity, p, cutoff)


def spopt_solve(inst: Instance, time_limit_s: float, gap: float, upper_bound: float):
    """spopt's (capacitated) PMedian on PuLP/CBC; returns build s, solve s, objective,
    status, whether a prohibited pair was used, and the number of variables."""
    import pulp
    from spopt.locate import PMedian

    allowed = inst.allowed
    # Prohibitive cost: one prohibited pair costs more than a whole feasible solution.
    big = upper_bound / max(inst.demand[inst.demand > 0].min(), 1.0) + 10 * float(inst.cost[allowed].max())
    dense = np.where(allowed, inst.cost, big)
    t0 = time.perf_counter()
    model = PMedian.from_cost_matrix(
        dense, inst.demand, p_facilities=inst.p, facility_capacities=inst.capacity, name="p-median"
    )
    t1 = time.perf_counter()
    solver = pulp.PULP_CBC_CMD(msg=False, timeLimit=time_limit_s, gapRel=gap)
    try:
        model.solve(solver, results=False)
        # PuLP reports status "Optimal" for CBC stopped on its time limit with an integer
        # solution; the solution status tells them apart.
        status = {pulp.LpSolutionOptimal: "Optimal", pulp.LpSolutionIntegerFeasible: "Feasible"}.get(
            model.problem.sol_status, pulp.LpStatus[model.problem.status]
        )
    except Exception as exc:  # spopt raises when CBC stops without an optimal status
        status = f"error: {type(exc).__name__}: {str(exc)[:80]}"
    t2 = time.perf_counter()
    obj = model.problem.objective.value()
    x = np.array([[var.value() or 0.0 for var in row] for row in model.cli_assgn_vars])
    used_big = bool(((x > 0.5) & ~allowed).any())
    n_vars = len(model.problem.variables())
    return t1 - t0, t2 - t1, float(obj) if obj is not None else float("nan"), status, used_big, n_vars


def compare(
    inst: Instance, backends: list[str], repeat: int, spopt_repeat: int, time_limit_s: float, skip_spopt: bool
) -> list[dict]:
    V, S = inst.cost.shape
    print(
        f"\n== {inst.label}: {V} villages x {S} primaries, {inst.pairs} pairs within {inst.cutoff:g} min, p = {inst.p}, demand {inst.demand.sum():,.0f} pupils, capacity {inst.capacity.sum():,.0f} seats"
    )
    rows = []
    for spec in backends:
        backend, _, extra = spec.partition("+")
        warm = extra != "cold"
        sec, r = median_run(
            lambda backend=backend, warm=warm: solve_pmedian(
                inst.cost,
                inst.demand,
                inst.capacity,
                inst.p,
                backend=backend,
                cutoff=inst.cutoff,
                time_limit_s=time_limit_s,
                warm_start=warm,
            ),
            repeat,
        )
        rows.append(
            {
                "solver": f"layout_opt {spec}",
                "status": r.status,
                "objective": r.objective,
                "gap": r.gap,
                "build_s": r.build_seconds,
                "total_s": sec,
                "vars": r.size.get("variables"),
            }
        )
    greedy_s, g = median_run(
        lambda: greedy_swap_pmedian(inst.cost, inst.demand, inst.capacity, inst.p, cutoff=inst.cutoff), 1
    )
    rows.append(
        {
            "solver": "greedy + swap",
            "status": g.status,
            "objective": g.objective,
            "gap": float("nan"),
            "build_s": 0.0,
            "total_s": greedy_s,
            "vars": None,
        }
    )
    if not skip_spopt:
        runs = [
            spopt_solve(
                inst, time_limit_s, 1e-6, g.objective if g.has_solution else float(inst.demand.sum() * inst.cutoff)
            )
            for _ in range(max(1, spopt_repeat))
        ]
        b = statistics.median(r[0] for r in runs)
        last = runs[-1]
        status = {"Optimal": "Optimal", "Feasible": f"Feasible at {time_limit_s:g} s"}.get(
            last[3], f"no solution in {time_limit_s:g} s"
        )
        rows.append(
            {
                "solver": "spopt PMedian + CBC",
                "status": status
                + (" (used a prohibited pair!)" if last[4] and last[3] in ("Optimal", "Feasible") else ""),
                "objective": last[2],
                "raw_status": last[3],
                "gap": float("nan"),
                "build_s": b,
                "total_s": statistics.median(r[0] + r[1] for r in runs),
                "vars": last[5],
            }
        )
    ref = next((r for r in rows if r["solver"] == "spopt PMedian + CBC"), None)
    # CBC stopped by the time limit leaves non-integer values behind: not a solution
    solved = [
        r for r in rows if np.isfinite(r["objective"]) and (r is not ref or r["raw_status"] in ("Optimal", "Feasible"))
    ]
    best = min(r["objective"] for r in solved)
    print(
        f"   {'solver':<25} {'status':<12} {'objective (pupil-min)':>22} {'vs best':>9} {'gap':>9} {'build s':>8} {'total s':>8} {'vars':>8} {'spopt/this':>10}"
    )
    for r in rows:
        at_least = ">=" if ref is not None and ref["raw_status"] != "Optimal" else ""
        ratio = f"{at_least}{ref['total_s'] / r['total_s']:.1f}x" if ref is not None and r is not ref else ""
        valid = any(r is q for q in solved)
        obj = f"{r['objective']:22,.1f}" if valid else f"{'-':>22}"
        diff = f"{100 * (r['objective'] - best) / best:8.3f}%" if valid else f"{'-':>9}"
        gap = "" if not np.isfinite(r["gap"]) else f"{100 * r['gap']:.4f}%"
        vars_ = "" if r["vars"] is None else f"{r['vars']:,}"
        print(
            f"   {r['solver']:<25} {r['status']:<12} {obj} {diff} {gap:>9} {r['build_s']:8.2f} {r['total_s']:8.2f} {vars_:>8} {ratio:>10}"
        )
    return rows


def greedy_quality(scales: list[float], seeds: list[int], shares: list[float], time_limit_s: float) -> None:
    print(f"\n== greedy + swap against the exact optimum (layout_opt HiGHS, {time_limit_s:g} s limit)")
    print(
        f"   {'instance':<16} {'p':>5} {'exact':>14} {'status':<9} {'greedy':>14} {'above exact':>12} {'greedy s':>9} {'exact s':>8}"
    )
    above = []
    for scale in scales:
        for seed in seeds:
            for share in shares:
                inst = make_instance(scale, seed, p_share=share)
                t0 = time.perf_counter()
                r = solve_pmedian(
                    inst.cost, inst.demand, inst.capacity, inst.p, cutoff=inst.cutoff, time_limit_s=time_limit_s
                )
                ex_s = time.perf_counter() - t0
                g = greedy_swap_pmedian(inst.cost, inst.demand, inst.capacity, inst.p, cutoff=inst.cutoff)
                if not (r.has_solution and g.has_solution):
                    print(f"   {inst.label:<16} {inst.p:5d} {r.status} / greedy {g.status}")
                    continue
                pct = 100 * (g.objective - r.objective) / r.objective
                above.append(pct)
                print(
                    f"   {inst.label:<16} {inst.p:5d} {r.objective:14,.1f} {r.status:<9} {g.objective:14,.1f} {pct:11.2f}% {g.seconds:9.2f} {ex_s:8.2f}"
                )
    if above:
        print(
            f"   greedy above the exact optimum: median {statistics.median(above):.2f}%, range {min(above):.2f}% to {max(above):.2f}% over {len(above)} instances"
        )


# --------------------------------------------------------------------------- random graphs


def random_graph_costs(n: int, seed: int, edges: int | None = None) -> np.ndarray:
    """Shortest-path lengths of a random connected graph: a random spanning tree (each
    node of a random order joins a random earlier one) plus random edges up to ``edges``
    (default ``n**2 / EDGE_DIVISOR``), integer lengths uniform in 1-100."""
    rng = np.random.default_rng(seed)
    m = max(n * n // EDGE_DIVISOR, n - 1) if edges is None else edges
    order = rng.permutation(n)
    parent = order[rng.integers(0, np.arange(1, n))]
    pairs = set(zip(np.minimum(order[1:], parent).tolist(), np.maximum(order[1:], parent).tolist()))
    while len(pairs) < m:
        a, b = rng.integers(0, n, (2, 2 * (m - len(pairs))))
        for u, v in zip(a.tolist(), b.tolist()):
            if u != v and len(pairs) < m:
                pairs.add((min(u, v), max(u, v)))
    e = np.array(sorted(pairs))
    length = rng.integers(1, 101, len(e)).astype(float)
    graph = sp.coo_matrix((length, (e[:, 0], e[:, 1])), shape=(n, n)).tocsr()
    return dijkstra(graph, directed=False)


def graph_instance(n: int, p: int, seed: int) -> Instance:
    """The uncapacitated p-median of a random graph (see the module doc)."""
    return Instance(f"n {n} p {p} seed {seed}", random_graph_costs(n, seed), np.ones(n), None, p, None)


#: Variants of the graph table: keyword arguments of ``solve_pmedian``.
GRAPH_VARIANTS = {
    "this": {},
    "old": {"formulation": "strong", "warm_start": False},
    "strong": {"formulation": "strong"},
    "radius": {"formulation": "radius"},
}


def graph_p_values(n: int, ps: list[str]) -> list[int]:
    """``p`` values for ``n`` nodes: integers, or ``n/10``-style shares."""
    out = []
    for text in ps:
        value = int(round(n / float(text.split("/")[1]))) if text.startswith("n/") else int(text)
        if 1 <= value <= n and value not in out:
            out.append(value)
    return out


def graph_case(
    inst: Instance, variants: list[str], time_limit_s: float, spopt: bool, spopt_limit_s: float, details: bool = False
) -> dict:
    """Solve one random-graph instance by every variant, the greedy heuristic and spopt."""
    out = {"label": inst.label, "pairs": inst.pairs}
    for name in variants:
        t0 = time.perf_counter()
        r = solve_pmedian(inst.cost, inst.demand, None, inst.p, time_limit_s=time_limit_s, **GRAPH_VARIANTS[name])
        out[name] = {
            "status": r.status,
            "objective": r.objective,
            "bound": r.bound,
            "gap": r.gap,
            "seconds": time.perf_counter() - t0,
            "formulation": r.formulation,
            "detail": r.detail,
            "size": r.size,
        }
    t0 = time.perf_counter()
    g = greedy_swap_pmedian(inst.cost, inst.demand, None, inst.p)
    out["greedy"] = {"objective": g.objective, "seconds": time.perf_counter() - t0}
    proven = [out[v]["objective"] for v in variants if out[v]["status"] == "optimal"]
    out["optimum"] = min(proven) if proven else float("nan")
    if spopt:
        build, solve, obj, status, _, n_vars = spopt_solve(inst, spopt_limit_s, 1e-6, g.objective)
        out["spopt"] = {"status": status, "objective": obj, "seconds": build + solve, "vars": n_vars}
    line = "   ".join(
        f"{v} {out[v]['formulation']} {out[v]['status']} {out[v]['objective']:,.0f} gap {100 * out[v]['gap']:.2f}% {out[v]['seconds']:.1f} s"
        for v in variants
    )
    greedy_pct = 100 * (g.objective - out["optimum"]) / out["optimum"]
    extra = ""
    if spopt:
        sp_ = out["spopt"]
        extra = f"   spopt/CBC {sp_['status']} {sp_['objective']:,.0f} {sp_['seconds']:.1f} s"
    print(
        f"   {inst.label:<22} {line}   greedy {g.objective:,.0f} (+{greedy_pct:.2f}%) {g.seconds:.1f} s{extra}",
        flush=True,
    )
    if details:
        for v in variants:
            size = ", ".join(f"{k} {val:,}" for k, val in out[v]["size"].items())
            print(f"      {v}: {out[v]['detail']}; last MIP: {size}", flush=True)
    return out


def graph_table(
    sizes: list[int],
    p_values: list[str],
    seeds: list[int],
    variants: list[str],
    time_limit_s: float,
    spopt_max_n: int,
    spopt_limit_s: float,
    details: bool = False,
) -> list[dict]:
    """Every (n, p) over the seeds; prints a per-instance line and a Markdown summary."""
    print(
        f"\n== random graphs: n**2/{EDGE_DIVISOR} edges, lengths 1-100, unit demand; "
        f"limit {time_limit_s:g} s per solve; spopt/CBC up to n = {spopt_max_n} ({spopt_limit_s:g} s limit)"
    )
    summary = []
    for n in sizes:
        for p in graph_p_values(n, p_values):
            cases = [
                graph_case(graph_instance(n, p, seed), variants, time_limit_s, n <= spopt_max_n, spopt_limit_s, details)
                for seed in seeds
            ]
            summary.append({"n": n, "p": p, "cases": cases})
    header = ["n", "p", "pairs"]
    for v in variants:
        header += [f"{v}: proven", f"{v}: median s", f"{v}: worst gap", f"{v}: worst plan above optimum"]
    header += ["greedy above optimum (median)", "spopt/CBC: optimal", "spopt/CBC: median s"]
    print("\n| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in summary:
        cases = row["cases"]
        cells = [f"{row['n']:,}", str(row["p"]), f"{cases[0]['pairs']:,}"]
        for v in variants:
            proven = sum(c[v]["status"] == "optimal" for c in cases)
            above_optimum = [(c[v]["objective"] - c["optimum"]) / c["optimum"] for c in cases]
            cells += [
                f"{proven}/{len(cases)}",
                f"{statistics.median(c[v]['seconds'] for c in cases):.1f}",
                f"{100 * max(c[v]['gap'] for c in cases):.2f} %",
                f"{100 * max(above_optimum):.2f} %" if all(np.isfinite(above_optimum)) else "-",
            ]
        above = [
            100 * (c["greedy"]["objective"] - c["optimum"]) / c["optimum"] for c in cases if np.isfinite(c["optimum"])
        ]
        cells.append(f"{statistics.median(above):.2f} %" if above else "-")
        if "spopt" in cases[0]:
            same = sum(
                c["spopt"]["status"] == "Optimal" and abs(c["spopt"]["objective"] - c["optimum"]) <= 1e-6 * c["optimum"]
                for c in cases
            )
            cells += [f"{same}/{len(cases)}", f"{statistics.median(c['spopt']['seconds'] for c in cases):.1f}"]
        else:
            cells += ["-", "-"]
        print("| " + " | ".join(cells) + " |")
    if "this" in variants:
        for row in summary:
            if row["n"] == 1000 and row["p"] in (5, 10, 100):
                cases = row["cases"]
                proven = all(c["this"]["status"] == "optimal" for c in cases)
                median_s = statistics.median(c["this"]["seconds"] for c in cases)
                print(
                    f"{'PASS' if proven and median_s <= 60 else 'MISS'}  n 1000 p {row['p']}: "
                    f"proven {sum(c['this']['status'] == 'optimal' for c in cases)}/{len(cases)}, median {median_s:.1f} s"
                )
    return summary


def formulation_crossover(graph_sizes: list[int], district_sizes: list[float], repeat: int) -> None:
    """Strong against radius formulation on uncapacitated instances: which is faster?

    Both start from the greedy plan; times are medians of ``repeat`` runs."""
    print(f"\n== strong vs radius formulation, uncapacitated, medians of {repeat} runs")
    print(f"   {'instance':<34} {'pairs':>9} {'strong s':>9} {'radius s':>9} {'same optimum':>13}")
    cases = []
    for n in graph_sizes:
        for p in graph_p_values(n, ["2", "5", "10", "n/10"]):
            for seed in (0, 1):
                cases.append((f"graph n {n} p {p} seed {seed}", graph_instance(n, p, seed)))
    for scale in district_sizes:
        inst = make_instance(scale)
        S = inst.cost.shape[1]
        for share in (0.9, 0.8, 0.5, 0.2):
            p = int(round(share * S))
            cases.append(
                (
                    f"{scale:g}x district, no capacities, p {p}",
                    Instance(inst.label, inst.cost, inst.demand, None, p, inst.cutoff),
                )
            )
    faster = 0
    for label, inst in cases:
        runs = {}
        for formulation in ("strong", "radius"):
            runs[formulation] = median_run(
                lambda formulation=formulation, inst=inst: solve_pmedian(
                    inst.cost, inst.demand, None, inst.p, cutoff=inst.cutoff, formulation=formulation
                ),
                repeat,
            )
        (ts, rs), (tr, rr) = runs["strong"], runs["radius"]
        same = rs.status == rr.status == "optimal" and abs(rs.objective - rr.objective) <= 1e-6 * abs(rs.objective)
        faster += tr < ts
        print(f"   {label:<34} {inst.pairs:9,d} {ts:9.3f} {tr:9.3f} {same!s:>13}")
    print(f"   radius faster on {faster} of {len(cases)}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=float, nargs="+", default=[1, 4], help="districts: multiples of Mengjin")
    ap.add_argument(
        "--backends",
        nargs="+",
        default=["highs", "highs+cold", "scip", "cp-sat"],
        help="districts: OR-Tools backends; '+cold' without the greedy start (the previous default)",
    )
    ap.add_argument("--repeat", type=int, default=3, help="districts: runs of each layout_opt backend (median)")
    ap.add_argument("--spopt-repeat", type=int, default=1, help="districts: runs of spopt (median)")
    ap.add_argument("--time-limit", type=float, default=600.0, help="districts: per solve, seconds (both sides)")
    ap.add_argument("--skip-spopt", action="store_true")
    ap.add_argument("--skip-districts", action="store_true")
    ap.add_argument("--skip-greedy", action="store_true", help="skip the districts' greedy-quality table")
    ap.add_argument("--greedy-seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--skip-graphs", action="store_true")
    ap.add_argument("--graph-sizes", type=int, nargs="+", default=[100, 200, 500, 1000])
    ap.add_argument("--graph-p", nargs="+", default=["5", "10", "n/10"], help="integers or n/k")
    ap.add_argument("--graph-seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument(
        "--graph-variants", nargs="+", default=["this", "old"], choices=list(GRAPH_VARIANTS), help="graph table columns"
    )
    ap.add_argument("--graph-time-limit", type=float, default=60.0, help="graphs: per solve, seconds")
    ap.add_argument("--graph-spopt-max-n", type=int, default=200, help="graphs: spopt/CBC up to this many nodes")
    ap.add_argument("--graph-spopt-limit", type=float, default=300.0, help="graphs: CBC time limit, seconds")
    ap.add_argument("--graph-details", action="store_true", help="graphs: each solve's detail and model size")
    ap.add_argument(
        "--crossover",
        action="store_true",
        help="only the strong-vs-radius table on small uncapacitated graphs and the 1x district without capacities",
    )
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    if args.crossover:
        formulation_crossover([20, 50, 100, 200], [1.0], args.repeat)
        return 0
    results = {}
    for scale in [] if args.skip_districts else args.sizes:
        t0 = time.perf_counter()
        inst = make_instance(scale)
        print(
            f"\n(built the {scale:g}x instance, district and travel matrix, in {time.perf_counter() - t0:.1f} s, excluded)"
        )
        results[scale] = compare(inst, args.backends, args.repeat, args.spopt_repeat, args.time_limit, args.skip_spopt)
    if not (args.skip_greedy or args.skip_districts):
        greedy_quality([1.0], args.greedy_seeds, [0.9, 0.8, 0.7], args.time_limit)
    if not args.skip_graphs:
        graph_table(
            args.graph_sizes,
            args.graph_p,
            args.graph_seeds,
            args.graph_variants,
            args.graph_time_limit,
            0 if args.skip_spopt else args.graph_spopt_max_n,
            args.graph_spopt_limit,
            args.graph_details,
        )
    if results and not args.skip_spopt:
        print()
        for scale, rows in results.items():
            ref = rows[-1]
            for r in rows:
                if r["solver"].startswith("layout_opt"):
                    fast = ref["total_s"] / r["total_s"] >= 10
                    if ref["raw_status"] != "Optimal":
                        proven = r["status"] == "optimal"
                        print(
                            f"{'PASS' if proven and fast else 'MISS'}  {scale:g}x {r['solver']}: {r['status']}; spopt/CBC {ref['status']}; at least {ref['total_s'] / r['total_s']:.1f}x faster"
                        )
                        continue
                    same = np.isfinite(r["objective"]) and abs(r["objective"] - ref["objective"]) <= 1e-6 * abs(
                        ref["objective"]
                    )
                    print(
                        f"{'PASS' if same and fast else 'MISS'}  {scale:g}x {r['solver']}: same optimum as spopt {same}, {ref['total_s'] / r['total_s']:.1f}x faster"
                    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
