"""The notifications service's tables."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
)

from townhall.runtime.types import UtcDateTime

metadata = MetaData()

#: One row per event, rule and recipient, ever: the unique constraint is the dedupe,
#: written in the consumer's transaction with its record of the event.
notifications = Table(
    "notifications",
    metadata,
    Column("id", Uuid(), primary_key=True),
    Column("event_id", String(128), nullable=False),
    Column("rule", String(64), nullable=False),
    Column("resident_id", Uuid(), nullable=False),
    Column("cause_type", String(200), nullable=False),
    Column("domain", String(64), nullable=False),
    Column("sensitivity", String(16), nullable=False),
    Column("case_reference", String(64), nullable=True),
    Column("sealed", Text(), nullable=True),
    Column("not_before", UtcDateTime(), nullable=False),
    Column("status", String(16), nullable=False),
    Column("channel", String(16), nullable=True),
    Column("attempts", Integer(), nullable=False),
    Column("provider_id", String(64), nullable=True),
    UniqueConstraint(
        "event_id", "rule", "resident_id", name="uq_notifications_event_rule_recipient"
    ),
    Index("ix_notifications_due", "status", "not_before"),
    Index("ix_notifications_resident", "resident_id"),
)

preferences = Table(
    "preferences",
    metadata,
    Column("resident_id", Uuid(), primary_key=True),
    Column("channels", String(64), nullable=False),
    Column("language", String(2), nullable=True),
    Column("non_essential", Boolean(), nullable=False),
)

#: What identity holds for reaching a resident, sealed under the resident's key.
contacts = Table(
    "contacts",
    metadata,
    Column("resident_id", Uuid(), primary_key=True),
    Column("sealed", Text(), nullable=False),
)

#: Each service type's name in each language, as cases' catalogue gave it with a
#: submitted request (public words): what ``((service))`` and ``((service_cy))`` say.
service_names = Table(
    "service_names",
    metadata,
    Column("service_code", String(64), primary_key=True),
    Column("language", String(2), primary_key=True),
    Column("name", String(200), nullable=False),
)

#: The development mailbox: messages as the resident would get them (development only).
mailbox = Table(
    "mailbox",
    metadata,
    Column("reference", String(64), primary_key=True),
    Column("resident_id", Uuid(), nullable=True),
    Column("channel", String(16), nullable=False),
    Column("to", String(400), nullable=False),
    Column("subject", String(400), nullable=False),
    Column("body", Text(), nullable=False),
    Column("sent_at", UtcDateTime(), nullable=False),
)
