"""What each service reports about itself: health, readiness and the key metrics.

Every service is asked concurrently with short timeouts; one that does not answer is
reported as down, never raised.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families
from rich.table import Table
from rich.text import Text

from townhall.cli.health import readiness_reasons
from townhall.cli.services import BROKER
from townhall.runtime.broker import port_is_open

DEFAULT_TIMEOUT_S = 1.0


@dataclass(frozen=True)
class ConnectorFigures:
    """One legacy connector, as its process reports it (townhall.connectors.metrics)."""

    changes: float = 0.0
    skipped: float = 0.0
    behind_source_ms: float | None = None
    position: str | None = None
    stored_age_s: float | None = None
    failing: bool = False


@dataclass(frozen=True)
class Metrics:
    """The figures an operator looks at first, summed over a service's labels."""

    outbox_backlog: float = 0.0
    consumer_lag: dict[str, float] = field(default_factory=dict)
    dead_lettered: float = 0.0
    broker_resets: float = 0.0
    #: Events a projection knows it is missing (gaps in a source's sequence).
    missing_events: float = 0.0
    #: Legacy connectors this process runs, by name.
    connectors: dict[str, ConnectorFigures] = field(default_factory=dict)

    @property
    def total_lag(self) -> float:
        return sum(self.consumer_lag.values())


def parse_metrics(text: str) -> Metrics:
    """Read Prometheus text exposition into :class:`Metrics` (absent metrics are 0)."""
    backlog = dead = resets = missing = 0.0
    lag: dict[str, float] = {}
    connectors: dict[str, dict[str, Any]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name in _CONNECTOR_SAMPLES:
                figures = connectors.setdefault(sample.labels.get("connector", "?"), {})
                _connector_sample(figures, sample.name, sample.value, sample.labels)
            elif sample.name == "townhall_outbox_backlog":
                backlog += sample.value
            elif sample.name == "townhall_consumer_lag":
                group = sample.labels.get("group", "")
                lag[group] = lag.get(group, 0.0) + sample.value
            elif sample.name == "townhall_consumer_events_total":
                if sample.labels.get("outcome") == "dead_lettered":
                    dead += sample.value
            elif sample.name == "townhall_broker_resets_detected_total":
                resets += sample.value
            elif sample.name == "townhall_projection_missing_events":
                missing += sample.value
    found = {name: ConnectorFigures(**figures) for name, figures in connectors.items()}
    return Metrics(backlog, lag, dead, resets, missing, found)


_CONNECTOR_SAMPLES = {
    "townhall_connector_changes_total": "changes",
    "townhall_connector_skipped_total": "skipped",
    "townhall_connector_behind_source_ms": "behind_source_ms",
    "townhall_connector_position": "position",
    "townhall_connector_stored_age_s": "stored_age_s",
    "townhall_connector_failing": "failing",
}


def _connector_sample(
    figures: dict[str, Any], name: str, value: float, labels: Mapping[str, str]
) -> None:
    field_name = _CONNECTOR_SAMPLES[name]
    if field_name == "position":
        file = labels.get("file")
        figures["position"] = f"{file}:{value:.0f}" if file else f"lsn {value:.0f}"
    elif field_name == "failing":
        figures["failing"] = value >= 1
    else:
        figures[field_name] = value


@dataclass(frozen=True)
class ServiceStatus:
    name: str
    url: str
    port: int | None
    process_up: bool | None = None
    healthy: bool = False
    ready: bool = False
    not_ready: list[str] = field(default_factory=list)
    metrics: Metrics | None = None
    error: str | None = None
    #: Dead letters waiting in the service's database (None: it keeps none there).
    dead_letters: int | None = None

    @property
    def ok(self) -> bool:
        return self.healthy and self.ready and self.process_up is not False


@dataclass(frozen=True)
class BrokerStatus:
    bootstrap_servers: str
    reachable: bool
    process_up: bool | None = None

    @property
    def ok(self) -> bool:
        return self.reachable and self.process_up is not False


@dataclass(frozen=True)
class PlatformStatus:
    services: list[ServiceStatus]
    broker: BrokerStatus | None = None

    @property
    def healthy(self) -> bool:
        broker_ok = self.broker is None or self.broker.ok
        return broker_ok and all(service.ok for service in self.services)


async def _get(client: httpx.AsyncClient, url: str) -> httpx.Response | Exception:
    try:
        return await client.get(url)
    except httpx.HTTPError as error:
        return error


def _readiness(response: httpx.Response | Exception) -> tuple[bool, list[str]]:
    if isinstance(response, Exception):
        return False, [f"no answer ({type(response).__name__})"]
    if response.status_code == 200:
        return True, []
    return False, readiness_reasons(response)


def _metrics(response: httpx.Response | Exception) -> Metrics | None:
    if isinstance(response, Exception) or response.status_code != 200:
        return None
    try:
        return parse_metrics(response.text)
    except ValueError:
        return None


async def service_status(
    client: httpx.AsyncClient, name: str, url: str, process_up: bool | None = None
) -> ServiceStatus:
    port = httpx.URL(url).port
    health, ready, metrics = await asyncio.gather(
        *(_get(client, f"{url}{path}") for path in ("/healthz", "/readyz", "/metrics"))
    )
    if isinstance(health, Exception):
        error = f"no answer ({type(health).__name__})"
        return ServiceStatus(name, url, port, process_up, error=error)
    is_ready, reasons = _readiness(ready)
    return ServiceStatus(
        name,
        url,
        port,
        process_up,
        healthy=health.status_code == 200,
        ready=is_ready,
        not_ready=reasons,
        metrics=_metrics(metrics),
        error=None if health.status_code == 200 else f"/healthz answered {health.status_code}",
    )


def _reachable(bootstrap_servers: str) -> bool:
    for server in bootstrap_servers.split(","):
        host, _, port = server.strip().rpartition(":")
        if host and port.isdigit() and port_is_open(host, int(port)):
            return True
    return False


async def broker_status(bootstrap_servers: str, process_up: bool | None = None) -> BrokerStatus:
    reachable = await asyncio.to_thread(_reachable, bootstrap_servers)
    return BrokerStatus(bootstrap_servers, reachable, process_up)


async def collect_status(
    urls: Mapping[str, str],
    *,
    bootstrap_servers: str | None = None,
    processes: Mapping[str, bool] | None = None,
    dead_letters: Mapping[str, int] | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    transport: httpx.AsyncBaseTransport | None = None,
) -> PlatformStatus:
    """Ask every service (and, when given, the broker) concurrently. ``dead_letters``
    are the counts kept in the services' databases (townhall.cli.dlq.waiting_counts):
    they survive restarts, which the processes' own counters do not."""
    known = processes or {}
    async with httpx.AsyncClient(timeout=timeout_s, transport=transport, trust_env=False) as client:
        services = asyncio.gather(
            *(service_status(client, name, url, known.get(name)) for name, url in urls.items())
        )
        if bootstrap_servers is None:
            found, broker_found = list(await services), None
        else:
            broker = broker_status(bootstrap_servers, known.get(BROKER))
            answered, broker_found = await asyncio.gather(services, broker)
            found = list(answered)
    kept = dead_letters or {}
    found = [replace(service, dead_letters=kept.get(service.name)) for service in found]
    return PlatformStatus(found, broker_found)


def status_json(status: PlatformStatus) -> dict[str, Any]:
    """A JSON-ready document: overall health, the broker, and each service by name."""
    services: dict[str, Any] = {}
    for service in status.services:
        entry = asdict(service)
        entry.pop("name")
        entry["ok"] = service.ok
        services[service.name] = entry
    broker = None
    if status.broker is not None:
        broker = asdict(status.broker) | {"ok": status.broker.ok}
    return {"healthy": status.healthy, "broker": broker, "services": services}


def _flag(value: bool | None, yes: str, no: str) -> Text:
    if value is None:
        return Text("-", style="dim")
    return Text(yes, style="green") if value else Text(no, style="bold red")


def _number(value: float) -> Text:
    return Text(f"{value:g}", style="yellow" if value else "")


def _lag(metrics: Metrics) -> Text:
    if not metrics.consumer_lag:
        return _number(0)
    parts = [f"{group}={lag:g}" for group, lag in sorted(metrics.consumer_lag.items())]
    return Text(", ".join(parts), style="yellow" if metrics.total_lag else "")


def _readiness_cell(service: ServiceStatus) -> Text:
    if not service.healthy:
        return Text("-", style="dim")
    if service.ready:
        return Text("ready", style="green")
    return Text("; ".join(service.not_ready) or "not ready", style="bold red")


FIGURES = ("outbox", "lag", "dead-lettered", "resets", "missing")


def _figures(service: ServiceStatus) -> list[Text | str]:
    metrics = service.metrics
    if metrics is None:
        return ["-"] * len(FIGURES)
    dead = metrics.dead_lettered if service.dead_letters is None else service.dead_letters
    return [
        _number(metrics.outbox_backlog),
        _lag(metrics),
        _number(dead),
        _number(metrics.broker_resets),
        _number(metrics.missing_events),
    ]


def _service_row(service: ServiceStatus) -> list[Text | str]:
    health = _flag(service.healthy, "ok", "down")
    process = _flag(service.process_up, "up", "down")
    port = str(service.port or "-")
    return [
        service.name,
        process,
        port,
        health,
        _readiness_cell(service),
        *_figures(service),
    ]


def connectors_table(status: PlatformStatus) -> Table | None:
    """Each legacy connector the services report, or None when there is none."""
    rows = [
        (service.name, name, figures)
        for service in status.services
        if service.metrics is not None
        for name, figures in sorted(service.metrics.connectors.items())
    ]
    if not rows:
        return None
    table = Table(title="Legacy connectors", title_justify="left")
    for column in ("connector", "process", "state"):
        table.add_column(column)
    for column in ("changes", "skipped", "behind source", "position", "stored"):
        table.add_column(column, justify="right")
    for process, name, figures in rows:
        behind = figures.behind_source_ms
        stored = figures.stored_age_s
        table.add_row(
            name,
            process,
            Text("failing", style="bold red") if figures.failing else Text("ok", style="green"),
            _number(figures.changes),
            _number(figures.skipped),
            "-" if behind is None else f"{behind / 1000:.1f} s",
            figures.position or "-",
            "-" if stored is None else f"{stored:.0f} s ago",
        )
    return table


def status_table(status: PlatformStatus) -> Table:
    """The status as a rich table, one row per service and one for the broker."""
    table = Table(title="Townhall", title_justify="left")
    for column in ("service", "process", "port", "health", "ready"):
        table.add_column(column)
    for column in FIGURES:
        table.add_column(column, justify="right")
    if status.broker is not None:
        broker = status.broker
        reachable = _flag(broker.reachable, "reachable", "unreachable")
        port = broker.bootstrap_servers
        table.add_row(
            BROKER,
            _flag(broker.process_up, "up", "down"),
            port,
            reachable,
            "",
            *["-"] * len(FIGURES),
        )
    for service in status.services:
        table.add_row(*_service_row(service))
    return table
