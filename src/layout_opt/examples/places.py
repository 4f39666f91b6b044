"""Placing points (village-level units) inside an area."""

from __future__ import annotations

import math

import numpy as np
from shapely import Point, Polygon
from shapely.prepared import prep


def scatter_points(
    area: Polygon,
    n: int,
    rng: np.random.Generator,
    min_spacing_m: float,
    existing: np.ndarray | None = None,
    centre: tuple[float, float] | None = None,
    radius_m: tuple[float, float] | None = None,
    max_tries: int = 20_000,
) -> np.ndarray:
    """Place ``n`` points inside ``area`` at least ``min_spacing_m`` apart.

    With ``centre`` and ``radius_m`` the points fall in that ring around the centre
    (clipped to ``area``).  The spacing is relaxed step by step when the area is too
    crowded, so the call always returns ``n`` points.

    Returns
    -------
    numpy.ndarray
        Array of shape ``(n, 2)`` in the units of ``area``.
    """
    if n == 0:
        return np.zeros((0, 2))
    pa = prep(area)
    minx, miny, maxx, maxy = area.bounds
    pts: list[tuple[float, float]] = [] if existing is None else [tuple(p) for p in existing]
    n_existing = len(pts)
    spacing = min_spacing_m
    tries = 0
    while len(pts) - n_existing < n:
        if centre is not None and radius_m is not None:
            r = math.sqrt(rng.uniform(radius_m[0] ** 2, radius_m[1] ** 2))
            th = rng.uniform(0, 2 * math.pi)
            x, y = centre[0] + r * math.cos(th), centre[1] + r * math.sin(th)
        else:
            x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        tries += 1
        if tries % 400 == 0:
            spacing *= 0.85
            if radius_m is not None:
                radius_m = (radius_m[0] * 0.9, radius_m[1] * 1.1)
        if tries > max_tries:
            raise RuntimeError("could not place points; the area is too small")
        if not pa.contains(Point(x, y)):
            continue
        if pts:
            d = np.hypot(np.array(pts)[:, 0] - x, np.array(pts)[:, 1] - y).min()
            if d < spacing:
                continue
        pts.append((x, y))
    return np.array(pts[n_existing:], dtype=float)
