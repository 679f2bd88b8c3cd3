"""The connectors' figures for Prometheus, read from each capture's status when scraped.

``townhall_connector_changes_total`` and ``…_skipped_total`` (counters),
``townhall_connector_behind_source_ms`` (the last change's commit in the log to its
publishing), ``townhall_connector_position`` (binlog position or LSN, the file as a
label), ``townhall_connector_stored_age_s`` (since the position was last stored) and
``townhall_connector_failing`` (1 while the last run ended in an error), one series per
connector. ``townhall status`` shows them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Sequence

from prometheus_client import REGISTRY
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from townhall.connectors.runner import Capture


class ConnectorMetrics(Collector):
    def __init__(self, captures: Sequence[Capture], clock_s: Callable[[], float] = time.time):
        self.captures = list(captures)
        self.clock_s = clock_s

    def collect(self) -> Iterator[Metric]:
        changes = CounterMetricFamily(
            "townhall_connector_changes", "Row changes published", labels=["connector"]
        )
        skipped = CounterMetricFamily(
            "townhall_connector_skipped", "Row changes skipped, each logged with its reason",
            labels=["connector"],
        )  # fmt: skip
        behind = GaugeMetricFamily(
            "townhall_connector_behind_source_ms",
            "The last change's commit in the source's log to its publishing, in ms",
            labels=["connector"],
        )
        position = GaugeMetricFamily(
            "townhall_connector_position",
            "The stored position: binlog position (file as a label) or PostgreSQL LSN",
            labels=["connector", "file"],
        )
        stored_age = GaugeMetricFamily(
            "townhall_connector_stored_age_s", "Seconds since the position was last stored",
            labels=["connector"],
        )  # fmt: skip
        failing = GaugeMetricFamily(
            "townhall_connector_failing", "1 while the connector's last run ended in an error",
            labels=["connector"],
        )  # fmt: skip
        for capture in self.captures:
            status, name = capture.status, capture.name
            changes.add_metric([name], status.changes)
            skipped.add_metric([name], status.skipped)
            if status.behind_source_ms is not None:
                behind.add_metric([name], status.behind_source_ms)
            at = status.position.get("lsn", status.position.get("pos"))
            if isinstance(at, int):
                position.add_metric([name, str(status.position.get("file", ""))], at)
            if status.stored_at_ms is not None:
                stored_age.add_metric([name], self.clock_s() - status.stored_at_ms / 1000)
            failing.add_metric([name], 1.0 if status.failing else 0.0)
        yield from (changes, skipped, behind, position, stored_age, failing)


#: The process's one collector, registered once; :func:`expose` gives it the captures.
COLLECTOR = ConnectorMetrics([])
REGISTRY.register(COLLECTOR)


def expose(captures: Iterable[Capture]) -> ConnectorMetrics:
    """Report these captures' figures at the process's /metrics."""
    COLLECTOR.captures = list(captures)
    return COLLECTOR
