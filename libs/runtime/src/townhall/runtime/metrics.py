"""Prometheus metrics the runtime keeps (served at /metrics by townhall.runtime.web)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

OUTBOX_BACKLOG = Gauge("townhall_outbox_backlog", "Outbox rows not yet published", ["service"])
OUTBOX_PUBLISHED = Counter(
    "townhall_outbox_published", "Outbox rows published to Kafka", ["service"]
)
OUTBOX_REPUBLISHED = Counter(
    "townhall_outbox_republished",
    "Outbox rows queued again after the broker lost its data",
    ["service"],
)
RELAY_ERRORS = Counter("townhall_relay_errors", "Failed publish attempts", ["service"])
CONSUMER_LAG = Gauge(
    "townhall_consumer_lag",
    "Records behind the fetch high watermark",
    ["group", "topic", "partition"],
)
CONSUMER_EVENTS = Counter(
    "townhall_consumer_events",
    "Records handled by a consumer, by outcome (applied, duplicate, dead_lettered)",
    ["group", "outcome"],
)
CONSUMER_FAILURES = Counter(
    "townhall_consumer_failures",
    "Handling failures, by kind (retryable, poison)",
    ["group", "kind"],
)
BROKER_RESETS = Counter(
    "townhall_broker_resets_detected",
    "Times a component noticed the broker had lost its data",
    ["component"],
)
THROTTLED = Counter(
    "townhall_throttled",
    "Requests refused by a rate limit (townhall.runtime.throttling), by rule",
    ["rule"],
)
