"""What the benchmarks report of a run of timings: its median and 99th percentile.

One definition for every bench (the platform's, web's, booking's), so their p99 figures
mean the same thing: the timing below which 99% of the run falls, the slowest one when
the run has fewer than a hundred.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable


def percentiles(timings: Iterable[float]) -> tuple[float, float]:
    """(median, 99th percentile) of ``timings``, in their own unit."""
    ordered = sorted(timings)
    if not ordered:
        raise ValueError("no timings: a run measured nothing")
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
