"""A seeded set of county districts of varied size, for batch runs, their tests and benchmarks.

A prefecture has about a dozen county-level units and a province well over a hundred;
:func:`county_districts` makes such a set from one seed, each county a
:func:`~layout_opt.examples.synthetic.synthetic_district` of its own size and seed.
:func:`layout_opt.io.write_district` writes each as a data folder for ``layout-opt batch``.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import numpy as np

from .synthetic import synthetic_district

if TYPE_CHECKING:
    from ..district import District


def county_sizes(
    n: int = 20,
    seed: int = 0,
    towns: tuple[int, int] = (2, 6),
    villages_per_town: tuple[int, int] = (4, 8),
) -> list[dict]:
    """The names, sizes and seeds of :func:`county_districts`, without building them.

    Parameters
    ----------
    n : int
        Number of counties.
    seed : int
        Seed of the whole set: sizes and each county's own seed derive from it
        (:class:`numpy.random.SeedSequence`), so that a county does not change when ``n``
        grows.
    towns, villages_per_town : tuple of int
        Inclusive ranges the counties' towns and villages per town are drawn from
        (uniformly; each county also has its urban subdistrict).

    Returns
    -------
    list of dict
        ``name`` (``county-01`` ...), ``n_towns``, ``villages_per_town`` and ``seed`` of
        each county, in order.

    Examples
    --------
    >>> from layout_opt.examples import county_sizes
    >>> [c["name"] for c in county_sizes(3)]
    ['county-01', 'county-02', 'county-03']
    >>> county_sizes(3)[:2] == county_sizes(5)[:2]   # a county does not depend on n
    True
    """
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    for label, (low, high) in (("towns", towns), ("villages_per_town", villages_per_town)):
        if not 1 <= low <= high:
            raise ValueError(f"{label} must be a range (low, high) with 1 <= low <= high, got {(low, high)}")
    width = max(2, len(str(n)))
    out = []
    for i, child in enumerate(np.random.SeedSequence(seed).spawn(n)):
        rng = np.random.default_rng(child)
        out.append(
            {
                "name": f"county-{i + 1:0{width}d}",
                "n_towns": int(rng.integers(towns[0], towns[1] + 1)),
                "villages_per_town": int(rng.integers(villages_per_town[0], villages_per_town[1] + 1)),
                "seed": int(child.generate_state(1)[0]),
            }
        )
    return out


def county_districts(
    n: int = 20,
    seed: int = 0,
    towns: tuple[int, int] = (2, 6),
    villages_per_town: tuple[int, int] = (4, 8),
) -> dict[str, District]:
    """A seeded set of ``n`` synthetic county districts of varied size.

    Each county is ``synthetic_district(n_towns, villages_per_town, seed)`` with the
    size and seed of :func:`county_sizes`, named after its key.  The defaults give
    counties of about 15 to 60 village-level units, each planned in seconds: a set for
    tests and throughput benchmarks, not a model of a real prefecture (Mengjin has 270
    units; ``towns=(10, 16), villages_per_town=(15, 22)`` gives counties of its size).

    Parameters
    ----------
    n, seed, towns, villages_per_town
        As :func:`county_sizes`.

    Returns
    -------
    dict of str to layout_opt.District
        ``county-01`` ... -> district, in order.

    Examples
    --------
    >>> from layout_opt.examples import county_districts
    >>> counties = county_districts(4, seed=1)
    >>> list(counties)
    ['county-01', 'county-02', 'county-03', 'county-04']
    >>> counties["county-02"].name
    'county-02'
    >>> sizes = [len(d.villages) for d in counties.values()]
    >>> len(set(sizes)) > 1                             # varied sizes
    True
    >>> sizes == [len(d.villages) for d in county_districts(4, seed=1).values()]   # seeded
    True
    """
    out: dict[str, District] = {}
    for c in county_sizes(n, seed, towns, villages_per_town):
        district = synthetic_district(n_towns=c["n_towns"], villages_per_town=c["villages_per_town"], seed=c["seed"])
        out[c["name"]] = dataclasses.replace(district, name=c["name"], _cache={})
    return out
