"""Timing helper shared by the benchmark scripts (run as ``python benchmarks/bench_*.py``,
so this folder is on the import path)."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def median_run(fn: Callable, repeat: int) -> tuple[float, object]:
    """Median wall seconds of ``repeat`` calls of ``fn`` (at least one), and the last result."""
    times, out = [], None
    for _ in range(max(1, repeat)):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out
