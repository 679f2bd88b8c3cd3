"""Tables the runtime keeps in every service's own database.

Services create the first four in their first Alembic migration with
``townhall.runtime.migrations.create_runtime_tables()``, and each later one in a
migration of its own with ``create_runtime_table(name)``.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
)

from townhall.runtime.types import UtcDateTime

metadata = MetaData()

#: Events waiting for (or kept after) publication, in per-source sequence order.
outbox = Table(
    "th_outbox",
    metadata,
    Column("sequence", BigInteger, primary_key=True, autoincrement=False),
    Column("event_id", String(128), nullable=False, unique=True),
    Column("topic", String(249), nullable=False),
    Column("key", String(256), nullable=False),
    Column("event_type", String(200), nullable=False),
    Column("envelope", Text, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("published_at", UtcDateTime(), nullable=True),
    Column("publish_count", Integer, nullable=False, default=0),
    Index(
        "ix_th_outbox_unpublished",
        "sequence",
        postgresql_where=Column("published_at").is_(None),
        sqlite_where=Column("published_at").is_(None),
    ),
    Index("ix_th_outbox_published_at", "published_at"),
)

#: The gapless per-source sequence. Its row lock also orders commits by sequence.
outbox_sequence = Table(
    "th_outbox_sequence",
    metadata,
    Column("source", String(200), primary_key=True),
    Column("value", BigInteger, nullable=False),
)

#: What each consumer group has processed (the dedupe record) and how it ended.
processed_events = Table(
    "th_processed_events",
    metadata,
    Column("consumer_group", String(200), nullable=False),
    Column("event_id", String(128), nullable=False),
    Column("outcome", String(20), nullable=False),
    Column("processed_at", UtcDateTime(), nullable=False),
    PrimaryKeyConstraint("consumer_group", "event_id"),
    Index("ix_th_processed_events_at", "processed_at"),
)

#: Small named values: the broker epoch seen by a relay or consumer, relay leases.
runtime_state = Table(
    "th_runtime_state",
    metadata,
    Column("name", String(200), primary_key=True),
    Column("value", String(500), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=True),
)

#: Records a consumer group could not apply, kept with the reason until replayed. The
#: dead-letter topic holds them too, but on the embedded broker only until it restarts.
dead_letters = Table(
    "th_dead_letters",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("consumer_group", String(200), nullable=False),
    Column("source_topic", String(249), nullable=False),
    Column("source_partition", Integer, nullable=False),
    Column("source_offset", BigInteger, nullable=False),
    Column("key", LargeBinary, nullable=True),
    Column("value", LargeBinary, nullable=True),
    #: The record's headers as a JSON list of [name, base64 value] pairs.
    Column("headers", Text, nullable=False),
    #: None when the record was too malformed to read an event id from.
    Column("event_id", String(128), nullable=True),
    Column("reason", Text, nullable=False),
    Column("dead_lettered_at", UtcDateTime(), nullable=False),
    Column("replayed_at", UtcDateTime(), nullable=True),
    Index("ix_th_dead_letters_group", "consumer_group", "dead_lettered_at"),
)
