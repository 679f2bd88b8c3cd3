"""The benchmarks' p50 and p99 mean one thing everywhere."""

from __future__ import annotations

import pytest

from townhall.runtime.testkit.timings import percentiles


def test_the_median_and_the_99th_percentile_of_a_run_of_a_hundred_or_more() -> None:
    run = [float(n) for n in range(200, 0, -1)]  # 1..200, in any order

    assert percentiles(run) == (100.5, 199.0)


def test_a_run_shorter_than_a_hundred_reports_its_slowest_as_its_p99() -> None:
    assert percentiles([3.0, 1.0, 2.0]) == (2.0, 3.0)


def test_a_run_that_measured_nothing_is_an_error_not_a_zero() -> None:
    with pytest.raises(ValueError, match="measured nothing"):
        percentiles([])
