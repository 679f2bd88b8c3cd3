"""Status from canned answers: metrics parsing, down services, the table and the JSON."""

from __future__ import annotations

import json

import httpx
from rich.console import Console
from typer.testing import CliRunner

from townhall.cli.main import app
from townhall.cli.status import (
    ConnectorFigures,
    Metrics,
    PlatformStatus,
    ServiceStatus,
    collect_status,
    connectors_table,
    parse_metrics,
    status_json,
    status_table,
)
from townhall.runtime.broker import free_port

METRICS = """\
# HELP townhall_outbox_backlog Outbox rows not yet published
# TYPE townhall_outbox_backlog gauge
townhall_outbox_backlog{service="cases"} 7.0
# HELP townhall_consumer_lag Records behind the fetch high watermark
# TYPE townhall_consumer_lag gauge
townhall_consumer_lag{group="resident-view",partition="0",topic="cases.events"} 3.0
townhall_consumer_lag{group="resident-view",partition="1",topic="cases.events"} 2.0
townhall_consumer_lag{group="notifications",partition="0",topic="cases.events"} 1.0
# HELP townhall_consumer_events_total Records handled by a consumer, by outcome
# TYPE townhall_consumer_events_total counter
townhall_consumer_events_total{group="resident-view",outcome="applied"} 120.0
townhall_consumer_events_total{group="resident-view",outcome="dead_lettered"} 2.0
townhall_consumer_events_total{group="notifications",outcome="dead_lettered"} 1.0
# HELP townhall_consumer_events_created Records handled by a consumer, by outcome
# TYPE townhall_consumer_events_created gauge
townhall_consumer_events_created{group="resident-view",outcome="applied"} 1.7e+09
# HELP townhall_broker_resets_detected_total Times a component noticed the broker reset
# TYPE townhall_broker_resets_detected_total counter
townhall_broker_resets_detected_total{component="relay"} 1.0
townhall_broker_resets_detected_total{component="consumer"} 1.0
"""

URLS = {
    "cases": "http://127.0.0.1:8002",
    "booking": "http://127.0.0.1:8003",
    "payments": "http://127.0.0.1:8004",
}


def _answer(request: httpx.Request) -> httpx.Response:
    """cases is healthy and ready; booking is starting; payments does not answer."""
    port, path = request.url.port, request.url.path
    if port == 8004:
        raise httpx.ConnectError("connection refused", request=request)
    if path == "/healthz":
        return httpx.Response(200, json={"status": "ok"})
    if path == "/readyz" and port == 8003:
        body = {"title": "Service Unavailable", "status": 503, "reasons": ["database: failed"]}
        return httpx.Response(503, json=body, headers={"content-type": "application/problem+json"})
    if path == "/readyz":
        return httpx.Response(200, json={"status": "ready"})
    if path == "/metrics" and port == 8002:
        return httpx.Response(200, text=METRICS)
    return httpx.Response(200, text="")


async def _status(processes: dict[str, bool] | None = None) -> PlatformStatus:
    return await collect_status(
        URLS, processes=processes, transport=httpx.MockTransport(_answer), timeout_s=0.5
    )


def test_the_metrics_an_operator_needs_are_summed_from_prometheus_text() -> None:
    metrics = parse_metrics(METRICS)
    assert metrics.outbox_backlog == 7
    assert metrics.consumer_lag == {"resident-view": 5, "notifications": 1}
    assert metrics.total_lag == 6
    assert metrics.dead_lettered == 3
    assert metrics.broker_resets == 2


def test_metrics_a_service_does_not_expose_count_as_zero() -> None:
    assert parse_metrics("") == Metrics()


async def test_each_service_is_reported_healthy_starting_or_down() -> None:
    status = await _status()
    cases, booking, payments = status.services
    assert cases.ok and cases.metrics is not None and cases.metrics.outbox_backlog == 7
    assert booking.healthy and not booking.ready
    assert booking.not_ready == ["database: failed"]
    assert not payments.healthy and payments.error == "no answer (ConnectError)"
    assert payments.port == 8004
    assert not status.healthy


async def test_a_process_known_to_be_down_is_not_ok_even_if_its_port_answers() -> None:
    status = await _status(processes={"cases": False})
    assert status.services[0].healthy
    assert not status.services[0].ok


async def test_the_json_document_names_every_service_and_round_trips() -> None:
    document = json.loads(json.dumps(status_json(await _status())))
    assert document["healthy"] is False
    assert document["broker"] is None
    assert document["services"]["cases"]["ok"] is True
    assert document["services"]["cases"]["metrics"]["consumer_lag"] == {
        "resident-view": 5.0,
        "notifications": 1.0,
    }
    assert document["services"]["booking"]["not_ready"] == ["database: failed"]
    assert document["services"]["payments"]["error"] == "no answer (ConnectError)"


async def test_the_table_shows_readiness_reasons_and_the_figures() -> None:
    console = Console(width=200, record=True)
    console.print(status_table(await _status()))
    text = console.export_text()
    assert "database: failed" in text
    assert "resident-view=5" in text
    assert "down" in text
    for name in URLS:
        assert name in text


async def test_an_unreachable_broker_makes_the_platform_unhealthy() -> None:
    status = await collect_status(
        {}, bootstrap_servers=f"127.0.0.1:{free_port()}", transport=httpx.MockTransport(_answer)
    )
    assert status.broker is not None and not status.broker.reachable
    assert not status.healthy


def test_status_exits_1_with_json_when_nothing_answers() -> None:
    env = {"KAFKA_PORT": str(free_port())}
    env |= {f"{name}_PORT": str(free_port()) for name in ("WEB", "IDENTITY", "CASES")}
    result = CliRunner().invoke(app, ["status", "--json", "--timeout", "0.5"], env=env)
    assert result.exit_code == 1, result.output
    document = json.loads(result.stdout)
    assert document["healthy"] is False
    assert document["services"]["web"]["port"] == int(env["WEB_PORT"])
    assert document["services"]["cases"]["healthy"] is False


def test_up_refuses_a_bad_environment_before_starting_anything() -> None:
    result = CliRunner().invoke(app, ["up"], env={"CASES_PORT": "not-a-port"})
    assert result.exit_code == 2
    assert "CASES_PORT" in result.output


def test_a_projections_missing_events_are_reported() -> None:
    text = (
        "# TYPE townhall_projection_missing_events gauge\n"
        'townhall_projection_missing_events{source="/townhall/cases"} 3.0\n'
        'townhall_projection_missing_events{source="/townhall/identity"} 0.0\n'
    )
    assert parse_metrics(text).missing_events == 3.0


CONNECTOR_METRICS = """\
# TYPE townhall_connector_changes counter
townhall_connector_changes_total{connector="counciltax.mysql"} 2006.0
townhall_connector_changes_total{connector="waste.postgresql"} 3385.0
# TYPE townhall_connector_skipped counter
townhall_connector_skipped_total{connector="counciltax.mysql"} 1.0
townhall_connector_skipped_total{connector="waste.postgresql"} 0.0
# TYPE townhall_connector_behind_source_ms gauge
townhall_connector_behind_source_ms{connector="counciltax.mysql"} 1250.0
# TYPE townhall_connector_position gauge
townhall_connector_position{connector="counciltax.mysql",file="binlog.000002"} 2032.0
townhall_connector_position{connector="waste.postgresql",file=""} 27716192.0
# TYPE townhall_connector_stored_age_s gauge
townhall_connector_stored_age_s{connector="counciltax.mysql"} 3.0
# TYPE townhall_connector_failing gauge
townhall_connector_failing{connector="counciltax.mysql"} 0.0
townhall_connector_failing{connector="waste.postgresql"} 1.0
"""


def test_legacy_connectors_figures_are_read_and_shown_in_their_own_table() -> None:
    metrics = parse_metrics(CONNECTOR_METRICS)
    assert metrics.connectors == {
        "counciltax.mysql": ConnectorFigures(
            changes=2006, skipped=1, behind_source_ms=1250, position="binlog.000002:2032",
            stored_age_s=3, failing=False,
        ),
        "waste.postgresql": ConnectorFigures(
            changes=3385, skipped=0, position="lsn 27716192", failing=True
        ),
    }  # fmt: skip
    demo = ServiceStatus("legacy-demo", "http://127.0.0.1:8008", 8008, metrics=metrics)
    table = connectors_table(PlatformStatus([demo]))
    assert table is not None
    console = Console(width=160, record=True)
    console.print(table)
    text = console.export_text()
    assert "counciltax.mysql" in text and "binlog.000002:2032" in text and "1.2 s" in text
    assert "waste.postgresql" in text and "failing" in text


def test_no_connector_means_no_connectors_table() -> None:
    cases = ServiceStatus("cases", URLS["cases"], 8002, metrics=parse_metrics(METRICS))
    assert connectors_table(PlatformStatus([cases])) is None
