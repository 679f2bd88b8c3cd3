"""Change records to Kafka with kafka-python: topics created explicitly, every send acknowledged.

``publish`` returns only when the broker has acknowledged every record (``acks=all``) or
raises: the caller stores its source position after it, never before, so a crash between
the two sends the last batch again (at-least-once; consumers deduplicate) and loses
nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any

from kafka import KafkaAdminClient, KafkaProducer
from kafka.errors import TopicAlreadyExistsError

from townhall.connectors.debezium.envelope import Record
from townhall.runtime.settings import KafkaSettings

log = logging.getLogger(__name__)


class PublishError(RuntimeError):
    """The broker did not acknowledge a record; the position must not advance."""


def _client_kwargs(settings: KafkaSettings) -> dict[str, Any]:
    kwargs: dict[str, Any] = {
        "bootstrap_servers": settings.bootstrap_servers.split(","),
        "security_protocol": settings.security_protocol,
        "request_timeout_ms": settings.request_timeout_ms,
    }
    if settings.sasl_mechanism:
        kwargs["sasl_mechanism"] = settings.sasl_mechanism
        kwargs["sasl_plain_username"] = settings.sasl_plain_username
        if settings.sasl_plain_password is not None:
            kwargs["sasl_plain_password"] = settings.sasl_plain_password.get_secret_value()
    return kwargs


class KafkaSink:
    """One producer per connector; ``publish`` is the only way records leave."""

    def __init__(self, settings: KafkaSettings, client_id: str):
        self.settings = settings
        self.client_id = client_id
        self._known: set[str] = set()
        self._producer = KafkaProducer(
            client_id=client_id,
            acks="all",
            linger_ms=5,
            enable_idempotence=settings.enable_idempotence,
            **_client_kwargs(settings),
        )

    def ensure_topics(self, topics: Iterable[str]) -> None:
        """Create the topics not seen yet (the embedded broker would auto-create them wrong)."""
        missing = sorted(set(topics) - self._known)
        if not missing:
            return
        admin = KafkaAdminClient(
            client_id=f"{self.client_id}-admin", **_client_kwargs(self.settings)
        )
        try:
            existing = set(admin.list_topics())
            for topic in [name for name in missing if name not in existing]:
                spec = {
                    "num_partitions": self.settings.topic_partitions,
                    "replication_factor": self.settings.replication_factor,
                }
                try:
                    admin.create_topics({topic: spec})
                    log.info("topic created", extra={"topic": topic})
                except TopicAlreadyExistsError:
                    pass
        finally:
            admin.close()
        self._known.update(missing)

    def publish(self, records: Sequence[Record]) -> None:
        """Send ``records`` in order and wait until the broker has acknowledged each one."""
        if not records:
            return
        self.ensure_topics(record.topic for record in records)
        futures = [
            self._producer.send(record.topic, key=record.key, value=record.value)
            for record in records
        ]
        self._producer.flush()
        for future in futures:
            try:
                future.get(timeout=self.settings.request_timeout_ms / 1000)
            except Exception as error:
                raise PublishError(f"the broker did not acknowledge a record: {error}") from error

    def close(self) -> None:
        self._producer.close()
