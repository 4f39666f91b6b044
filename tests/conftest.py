"""Shared fixtures: the bundled district and small synthetic districts."""

from __future__ import annotations

from pathlib import Path

import pytest

from layout_opt import load_district
from layout_opt.examples import synthetic_district

DATA = Path(__file__).resolve().parent.parent / "data"


@pytest.fixture(scope="session")
def mengjin():
    """The bundled Mengjin district."""
    return load_district(DATA)


@pytest.fixture(scope="session")
def small_district():
    """A seeded synthetic district of 3 towns x 6 villages."""
    return synthetic_district(n_towns=3, villages_per_town=6, seed=3)


@pytest.fixture(scope="session")
def mengjin_plan(mengjin):
    """The bundled 2024-2026 plan under the policy defaults (solved once per session)."""
    import layout_opt as lo

    return lo.solve(mengjin, lo.Scenario(time_limit_s=60))
