"""The capacitated p-median core on tiny instances, against brute force."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from layout_opt.model.pmedian import greedy_swap_pmedian, solve_pmedian


def brute_force(
    cost: np.ndarray, demand: np.ndarray, capacity: np.ndarray | None, p: int, cutoff: float | None = None
) -> float:
    """Least demand-weighted cost over every open set of size ``p`` and every single
    assignment within the cutoff that fits the capacities; ``inf`` if none."""
    V, S = cost.shape
    ok = np.isfinite(cost) & (cost <= (np.inf if cutoff is None else cutoff))
    best = np.inf
    for opened in itertools.combinations(range(S), p):
        choices = [[j for j in opened if ok[i, j]] for i in range(V)]
        if any(not c for c in choices):
            continue
        for assign in itertools.product(*choices):
            load = np.zeros(S)
            np.add.at(load, list(assign), demand)
            if capacity is not None and (load > capacity + 1e-9).any():
                continue
            best = min(best, float(sum(demand[i] * cost[i, j] for i, j in enumerate(assign))))
    return best


def random_instance(seed: int, V: int = 5, S: int = 4) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, float]:
    rng = np.random.default_rng(seed)
    pts = rng.uniform(0, 10, (V, 2))
    fac = rng.uniform(0, 10, (S, 2))
    cost = np.round(np.hypot(pts[:, None, 0] - fac[None, :, 0], pts[:, None, 1] - fac[None, :, 1]), 1)
    demand = rng.integers(1, 30, V).astype(float)
    p = int(rng.integers(2, S + 1))
    capacity = rng.integers(20, 70, S).astype(float)
    cutoff = float(np.quantile(cost, 0.8))
    return cost, demand, capacity, p, cutoff


EXAMPLE = (
    np.array([[1.0, 4.0, 9.0], [3.0, 1.0, 5.0], [8.0, 2.0, 1.0]]),
    np.array([10.0, 20.0, 30.0]),
    np.array([40.0, 40.0, 40.0]),
)


@pytest.mark.parametrize("backend", ["highs", "scip", "cp-sat"])
def test_example_by_hand(backend):
    # Open {1, 2}: point 0 to 1 (4 x 10), point 1 to 1 (1 x 20), point 2 to 2 (1 x 30) = 90.
    # Open {0, 1} would put 50 pupils in facility 1 or cost 130; open {0, 2} costs 100.
    cost, demand, capacity = EXAMPLE
    r = solve_pmedian(cost, demand, capacity, p=2, backend=backend)
    assert r.status == "optimal"
    assert r.objective == pytest.approx(90.0)
    assert r.open.tolist() == [False, True, True]
    assert r.assignment.tolist() == [1, 1, 2]
    assert r.bound == pytest.approx(90.0, rel=1e-6)


def test_capacity_changes_the_optimum():
    cost, demand, _ = EXAMPLE
    # Without capacities, facility 1 takes points 0 and 1 and facility 2 point 2: still 90;
    # with p = 1, facility 1 serves everyone at 40 + 20 + 60 = 120.
    assert solve_pmedian(cost, demand, None, p=1).objective == pytest.approx(120.0)
    # Capacity 40 rules facility 1 alone out, and p = 1 is infeasible.
    assert solve_pmedian(cost, demand, np.array([40.0, 40.0, 40.0]), p=1).status == "infeasible"


@pytest.mark.parametrize("seed", range(12))
def test_matches_brute_force(seed):
    cost, demand, capacity, p, cutoff = random_instance(seed)
    expected = brute_force(cost, demand, capacity, p, cutoff)
    r = solve_pmedian(cost, demand, capacity, p, cutoff=cutoff)
    if np.isinf(expected):
        assert r.status == "infeasible"
        return
    assert r.status == "optimal"
    assert r.objective == pytest.approx(expected, rel=1e-9)
    # the solution is what it says it is
    assert r.open.sum() == p
    assert r.open[r.assignment].all()
    assert (cost[np.arange(len(demand)), r.assignment] <= cutoff).all()
    load = np.bincount(r.assignment, weights=demand, minlength=len(capacity))
    assert (load <= capacity + 1e-9).all()
    assert float((demand * cost[np.arange(len(demand)), r.assignment]).sum()) == pytest.approx(r.objective)


@pytest.mark.parametrize("backend", ["scip", "cp-sat"])
@pytest.mark.parametrize("seed", [1, 4, 7])
def test_backends_agree(backend, seed):
    cost, demand, capacity, p, cutoff = random_instance(seed, V=6, S=4)
    expected = brute_force(cost, demand, capacity, p, cutoff)
    r = solve_pmedian(cost, demand, capacity, p, cutoff=cutoff, backend=backend)
    if np.isinf(expected):
        assert r.status == "infeasible"
    else:
        assert r.objective == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("seed", range(4))
def test_uncapacitated_matches_brute_force(seed):
    cost, demand, _, p, _ = random_instance(seed, V=6, S=5)
    r = solve_pmedian(cost, demand, None, p)
    assert r.objective == pytest.approx(brute_force(cost, demand, None, p), rel=1e-9)


def test_unreachable_point_is_infeasible_without_solving():
    cost = np.array([[1.0, 2.0], [50.0, np.inf]])
    r = solve_pmedian(cost, np.array([1.0, 1.0]), None, p=1, cutoff=30.0)
    assert r.status == "infeasible"
    assert "1 demand point" in r.detail
    assert not r.has_solution


def test_single_assignment_infeasible_is_proven():
    # 90 pupils, 100 seats in two schools of 50: no village can share a school.
    cost = np.ones((3, 2))
    r = solve_pmedian(cost, np.array([30.0, 30.0, 30.0]), np.array([50.0, 50.0]), p=2)
    assert r.status == "infeasible"


def test_zero_demand_points_are_assigned():
    cost = np.array([[1.0, 3.0], [2.0, 1.0]])
    r = solve_pmedian(cost, np.array([5.0, 0.0]), np.array([10.0, 10.0]), p=1)
    assert r.objective == pytest.approx(5.0)
    assert r.assignment.tolist() == [0, 0]


def test_warm_start_gives_the_same_optimum():
    cost, demand, capacity, p, cutoff = random_instance(3, V=6, S=5)
    a = solve_pmedian(cost, demand, capacity, p, cutoff=cutoff)
    b = solve_pmedian(cost, demand, capacity, p, cutoff=cutoff, warm_start=True)
    assert a.status == b.status
    if a.status == "optimal":
        assert b.objective == pytest.approx(a.objective, rel=1e-9)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"demand": np.ones(2)}, "one value per row"),
        ({"capacity": np.ones(2)}, "one value per column"),
        ({"p": 0}, "p must be"),
        ({"p": 4}, "p must be"),
        ({"demand": -np.ones(3)}, "non-negative"),
        ({"backend": "cbc"}, "backend must be"),
    ],
)
def test_bad_inputs(kwargs, message):
    cost, demand, capacity = EXAMPLE
    args = {"cost": cost, "demand": demand, "capacity": capacity, "p": 2} | kwargs
    with pytest.raises(ValueError, match=message):
        solve_pmedian(**args)


@pytest.mark.parametrize("seed", range(12))
def test_greedy_is_feasible_and_not_below_the_optimum(seed):
    cost, demand, capacity, p, cutoff = random_instance(seed)
    expected = brute_force(cost, demand, capacity, p, cutoff)
    g = greedy_swap_pmedian(cost, demand, capacity, p, cutoff=cutoff)
    if g.has_solution:
        assert g.open.sum() == p
        assert g.open[g.assignment].all()
        load = np.bincount(g.assignment, weights=demand, minlength=len(capacity))
        assert (load <= capacity + 1e-9).all()
        assert g.objective >= expected - 1e-9
        assert g.objective == pytest.approx(float((demand * cost[np.arange(len(demand)), g.assignment]).sum()))
    else:
        assert g.status == "no_solution"


def test_greedy_finds_the_easy_optimum():
    cost, demand, capacity = EXAMPLE
    g = greedy_swap_pmedian(cost, demand, capacity, p=2)
    assert g.status == "feasible"
    assert g.objective == pytest.approx(90.0)
    assert g.open.tolist() == [False, True, True]


# --------------------------------------------------------------------------- formulations


def random_graph_costs(n: int, seed: int, extra_edges: int | None = None) -> np.ndarray:
    """Shortest-path lengths of a random connected graph with integer edge lengths 1-100
    (a random spanning tree plus random edges)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import dijkstra

    rng = np.random.default_rng(seed)
    order = rng.permutation(n)
    edges = {tuple(sorted((int(order[k]), int(order[rng.integers(0, k)])))) for k in range(1, n)}
    target = len(edges) + (n if extra_edges is None else extra_edges)
    while len(edges) < target:
        a, b = (int(x) for x in rng.integers(0, n, 2))
        if a != b:
            edges.add((min(a, b), max(a, b)))
    e = np.array(sorted(edges))
    w = rng.integers(1, 101, len(e)).astype(float)
    return dijkstra(coo_matrix((w, (e[:, 0], e[:, 1])), shape=(n, n)).tocsr(), directed=False)


def brute_force_uncapacitated(cost: np.ndarray, demand: np.ndarray, p: int, cutoff: float | None = None) -> float:
    """Least cost over every open set of size ``p``, each point at its nearest allowed open
    facility (``inf`` if some point has none)."""
    masked = np.where(np.isfinite(cost) & (cost <= (np.inf if cutoff is None else cutoff)), cost, np.inf)
    combos = np.array(list(itertools.combinations(range(cost.shape[1]), p)))
    served = masked[:, combos].min(axis=2)  # (V, open sets)
    totals = (demand[:, None] * np.where(np.isfinite(served), served, 0.0)).sum(axis=0)
    totals[~np.isfinite(served).all(axis=0)] = np.inf
    return float(totals.min())


def graph_instance(seed: int, n: int = 22) -> tuple[np.ndarray, np.ndarray, int]:
    """A random graph's shortest paths, demands (some zero) and p from 2 to 5."""
    rng = np.random.default_rng(100 + seed)
    cost = random_graph_costs(n, seed)
    demand = rng.integers(0, 20, n).astype(float)
    return cost, demand, int(rng.integers(2, 6))


@pytest.mark.parametrize("seed", range(8))
def test_radius_and_strong_match_brute_force_on_graphs(seed):
    cost, demand, p = graph_instance(seed)
    expected = brute_force_uncapacitated(cost, demand, p)
    radius = solve_pmedian(cost, demand, None, p, formulation="radius")
    strong = solve_pmedian(cost, demand, None, p, formulation="strong")
    assert radius.formulation == "radius" and strong.formulation == "strong"
    for r in (radius, strong):
        assert r.status == "optimal"
        assert r.objective == pytest.approx(expected, rel=1e-9)
        assert r.open.sum() == p
        assert r.open[r.assignment].all()
        assert float((demand * cost[np.arange(len(demand)), r.assignment]).sum()) == pytest.approx(r.objective)
        assert r.bound <= r.objective + 1e-9


@pytest.mark.parametrize("seed", range(6))
def test_radius_with_a_cutoff_matches_brute_force(seed):
    cost, demand, p = graph_instance(seed)
    p = max(p, 4)
    cutoff = float(np.quantile(cost, 0.4))
    expected = brute_force_uncapacitated(cost, demand, p, cutoff)
    r = solve_pmedian(cost, demand, None, p, cutoff=cutoff, formulation="radius")
    if np.isinf(expected):
        assert r.status == "infeasible"
        return
    # the radius formulation needs a starting plan; without one the strong one is solved
    greedy = greedy_swap_pmedian(cost, demand, None, p, cutoff=cutoff)
    assert r.formulation == ("radius" if greedy.has_solution else "strong")
    assert r.status == "optimal"
    assert r.objective == pytest.approx(expected, rel=1e-9)
    assert (cost[np.arange(len(demand)), r.assignment] <= cutoff).all()


def test_radius_loop_from_a_poor_start_without_lagrangian_fixing():
    # A poor starting plan, one subgradient step and no radius margin: nothing is fixed,
    # the first MIPs charge some points less than their cost, and the loop must widen
    # their radii until the optimum is proven.
    from layout_opt.model.pmedian_radius import solve_radius

    solves = []
    for seed in range(4):
        cost, demand, p = graph_instance(seed)
        start = np.zeros(cost.shape[1], dtype=bool)
        start[-p:] = True
        out = solve_radius(cost, demand, p, np.isfinite(cost), start, margin=0.0, lagrangian_iterations=1)
        assert out.objective == pytest.approx(brute_force_uncapacitated(cost, demand, p), rel=1e-9)
        assert out.bound == pytest.approx(out.objective, rel=1e-6)
        assert out.open.sum() == p
        solves.append(out.solves)
    assert max(solves) >= 2


def test_radius_model_is_a_relaxation_priced_exactly_within_the_radii():
    from layout_opt.model.mip import solve_model
    from layout_opt.model.pmedian_radius import radius_model, served_cost

    cost, demand, p = graph_instance(3)
    allowed = np.isfinite(cost)
    optimum = brute_force_uncapacitated(cost, demand, p)
    everything = np.arange(cost.shape[1])
    for radius in (np.zeros(len(demand)), np.full(len(demand), 30.0), np.full(len(demand), np.inf)):
        model = radius_model(cost, demand, p, allowed, radius, everything)
        r = solve_model(model.mip, gap_target=1e-9)
        assert r.objective <= optimum + 1e-9  # a relaxation
        # the plan's charge is its exact cost wherever it is served within the radius
        is_open = r.values[: len(everything)] > 0.5
        served = served_cost(np.where(allowed, cost, np.inf), is_open)
        hint = model.values(is_open, served)
        charged = float(model.mip.c @ hint + model.mip.objective_offset)
        assert charged == pytest.approx(float(demand @ np.minimum(served, model.ceiling)))
        if np.isinf(radius).all():
            assert r.objective == pytest.approx(optimum, rel=1e-9)


def test_lagrangian_bound_and_fixing_keep_the_optimum():
    from layout_opt.model.pmedian_radius import lagrangian_bound, lagrangian_fixing

    for seed in range(5):
        cost, demand, p = graph_instance(seed, n=12)
        optimum = brute_force_uncapacitated(cost, demand, p)
        weighted = cost * demand[:, None]
        bound = lagrangian_bound(weighted, p, optimum, start=weighted.min(axis=1))
        assert bound.value <= optimum + 1e-9
        drop, fix_open = lagrangian_fixing(bound, p, optimum)
        # every optimal open set avoids the dropped facilities and has the fixed ones
        for opened in itertools.combinations(range(cost.shape[1]), p):
            if float(demand @ cost[:, list(opened)].min(axis=1)) <= optimum + 1e-9:
                mask = np.isin(np.arange(cost.shape[1]), opened)
                assert not (mask & drop).any()
                assert (mask | ~fix_open).all()


@pytest.mark.parametrize("backend", ["scip", "cp-sat"])
def test_radius_backends_agree(backend):
    cost, demand, p = graph_instance(4)
    r = solve_pmedian(cost, demand, None, p, backend=backend, formulation="radius")
    assert r.objective == pytest.approx(brute_force_uncapacitated(cost, demand, p), rel=1e-9)


def test_never_worse_than_the_greedy_plan_even_when_stopped_at_once():
    cost = random_graph_costs(60, 0, extra_edges=120)
    demand = np.ones(60)
    g = greedy_swap_pmedian(cost, demand, None, 4)
    for formulation in ("strong", "radius"):
        r = solve_pmedian(cost, demand, None, 4, formulation=formulation, time_limit_s=1e-3)
        assert r.has_solution
        assert r.objective <= g.objective + 1e-9


def test_auto_formulation_by_capacity():
    cost, demand, capacity = EXAMPLE
    assert solve_pmedian(cost, demand, capacity, p=2).formulation == "strong"
    assert solve_pmedian(cost, demand, None, p=2).formulation == "radius"


def test_radius_formulation_takes_no_capacities():
    cost, demand, capacity = EXAMPLE
    with pytest.raises(ValueError, match="takes no capacities"):
        solve_pmedian(cost, demand, capacity, p=2, formulation="radius")
    with pytest.raises(ValueError, match="formulation must be"):
        solve_pmedian(cost, demand, None, p=2, formulation="covering")


@pytest.mark.parametrize("seed", range(4))
def test_vectorised_uncapacitated_assignment_is_the_greedy_one(seed):
    from layout_opt.model.pmedian import _GreedyAssigner, _NearestAssigner

    cost, demand, _, p, cutoff = random_instance(seed, V=30, S=12)
    allowed = cost <= cutoff
    rng = np.random.default_rng(seed)
    heap, vectorised = _GreedyAssigner(cost, demand, None, allowed), _NearestAssigner(cost, demand, allowed)
    for _ in range(5):
        is_open = (rng.random(12) < 0.4).tolist()
        a, b = heap.assign(is_open), vectorised.assign(is_open)
        assert a[1] == b[1] and a[2] == b[2]
        assert a[0] == pytest.approx(b[0], rel=1e-12)


def test_module_examples():
    import doctest

    import layout_opt.model.pmedian as module

    assert doctest.testmod(module).failed == 0


def test_the_capacitated_strong_model_holds_the_aggregate_capacity_row():
    """Open capacity must cover all demand: one row ``sum_j C_j y_j >= sum_i d_i`` over
    the facility variables, which a plan with too little open capacity violates."""
    from layout_opt.model.pmedian_strong import strong_model

    cost = np.array([[1.0, 2.0, 3.0], [2.0, 1.0, 3.0]])
    demand = np.array([4.0, 5.0])
    capacity = np.array([6.0, 5.0, 9.0])
    model, pv, ps = strong_model(cost, demand, capacity, 2, np.ones_like(cost, dtype=bool))
    row = model.A[-2].toarray().ravel()
    assert row[:3].tolist() == capacity.tolist() and not row[3:].any()
    assert (model.row_lo[-2], model.row_hi[-2]) == (9.0, np.inf)
    too_little = np.zeros(len(model.c))
    too_little[:3] = [1.0, 0.0, 0.0]
    assert model.A[-2] @ too_little < model.row_lo[-2]
