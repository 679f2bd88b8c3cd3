"""aiokafka clients built the same way everywhere, and explicit topic creation."""

from __future__ import annotations

import logging
import uuid

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from townhall.runtime.settings import KafkaSettings
from townhall.schemas.topics import TopicSpec, all_topics

log = logging.getLogger(__name__)


def make_producer(settings: KafkaSettings, client_id: str) -> AIOKafkaProducer:
    """A producer that waits for every in-sync replica (acks=all)."""
    return AIOKafkaProducer(
        client_id=client_id,
        acks="all",
        enable_idempotence=settings.enable_idempotence,
        linger_ms=5,
        **settings.client_kwargs(),
    )


def make_consumer(
    settings: KafkaSettings, *topics: str, group_id: str | None, client_id: str, **extra: object
) -> AIOKafkaConsumer:
    """A consumer that commits offsets only when told to (after its transaction)."""
    extra = {
        "fetch_max_wait_ms": settings.fetch_max_wait_ms,
        "metadata_max_age_ms": settings.metadata_max_age_ms,
        **extra,
    }
    return AIOKafkaConsumer(
        *topics,
        group_id=group_id,
        client_id=client_id,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        session_timeout_ms=settings.session_timeout_ms,
        heartbeat_interval_ms=settings.heartbeat_interval_ms,
        **settings.client_kwargs(),
        **extra,
    )


def client_id(component: str) -> str:
    return f"townhall-{component}-{uuid.uuid4().hex[:8]}"


async def ensure_topics(settings: KafkaSettings, specs: list[TopicSpec] | None = None) -> list[str]:
    """Create every missing topic explicitly; return the names created."""
    wanted = specs if specs is not None else all_topics(settings.topic_partitions)
    admin = AIOKafkaAdminClient(client_id=client_id("admin"), **settings.client_kwargs())
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [spec for spec in wanted if spec.name not in existing]
        created: list[str] = []
        for spec in missing:
            topic = NewTopic(
                spec.name,
                num_partitions=spec.partitions,
                replication_factor=settings.replication_factor,
                topic_configs=dict(spec.config),
            )
            try:
                await admin.create_topics([topic])
                created.append(spec.name)
            except TopicAlreadyExistsError:
                pass
        if created:
            log.info("topics created", extra={"topics": created})
        return created
    finally:
        await admin.close()
