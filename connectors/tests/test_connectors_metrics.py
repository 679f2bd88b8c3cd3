"""Each connector's figures at /metrics, as Prometheus and ``townhall status`` read them."""

from __future__ import annotations

from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, generate_latest

from townhall.connectors.metrics import ConnectorMetrics
from townhall.connectors.status import Status


@dataclass
class Running:
    name: str
    status: Status = field(default_factory=Status)


def exposition(*captures: Running) -> str:
    registry = CollectorRegistry()
    registry.register(ConnectorMetrics(list(captures), clock_s=lambda: 1_000.0))  # type: ignore[arg-type]
    return generate_latest(registry).decode()


def test_each_connectors_changes_position_delay_and_failure_are_exposed() -> None:
    tax = Running("counciltax.mysql", Status(
        position={"file": "binlog.000002", "pos": 2032}, stored_at_ms=997_000, changes=2006,
        skipped=1, behind_source_ms=1250,
    ))  # fmt: skip
    waste = Running("waste.postgresql", Status(position={"lsn": 27716192}, failing=True))
    text = exposition(tax, waste)
    assert 'townhall_connector_changes_total{connector="counciltax.mysql"} 2006.0' in text
    assert 'townhall_connector_skipped_total{connector="counciltax.mysql"} 1.0' in text
    assert 'townhall_connector_behind_source_ms{connector="counciltax.mysql"} 1250.0' in text
    assert (
        'townhall_connector_position{connector="counciltax.mysql",file="binlog.000002"} 2032.0'
        in text
    )
    assert 'townhall_connector_stored_age_s{connector="counciltax.mysql"} 3.0' in text
    assert 'townhall_connector_position{connector="waste.postgresql",file=""} 2.7716192e+07' in text
    assert 'townhall_connector_failing{connector="waste.postgresql"} 1.0' in text


def test_a_connector_that_has_not_run_yet_shows_only_its_counts() -> None:
    text = exposition(Running("housing.mysql"))
    assert 'townhall_connector_changes_total{connector="housing.mysql"} 0.0' in text
    assert "townhall_connector_behind_source_ms{" not in text
    assert "townhall_connector_position{" not in text
