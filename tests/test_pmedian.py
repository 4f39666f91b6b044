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
