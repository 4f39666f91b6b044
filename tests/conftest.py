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
