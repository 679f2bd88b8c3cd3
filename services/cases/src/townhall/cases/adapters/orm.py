"""Cases' tables (its own database; no other service reads them)."""

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    false,
)

from townhall.runtime.types import UtcDateTime

metadata = MetaData()

cases = Table(
    "cases",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("reference", String(32), nullable=False, unique=True),
    Column("service_code", String(64), nullable=False),
    Column("status", String(32), nullable=False),
    Column("channel", String(32), nullable=False),
    Column("resident_id", Uuid, nullable=True),
    Column("given_name", String(200), nullable=True),
    Column("family_name", String(200), nullable=True),
    Column("email", String(320), nullable=True),
    Column("phone", String(64), nullable=True),
    Column("latitude", Float, nullable=True),
    Column("longitude", Float, nullable=True),
    Column("address", String(500), nullable=True),
    Column("uprn", String(16), nullable=True),
    Column("postcode", String(8), nullable=True),
    Column("description", Text, nullable=False),
    Column("details", JSON, nullable=False),
    Column("team", String(100), nullable=True),
    Column("officer", String(200), nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("due_at", UtcDateTime(), nullable=False),
    Column("breached_at", UtcDateTime(), nullable=True),
    Column("reporter_claimed", Boolean, nullable=False, server_default=false()),
    Column("reporter_confirmed_at", UtcDateTime(), nullable=True),
    Column("erased_at", UtcDateTime(), nullable=True),
    #: Identity could not say whose it was: when to ask again (NULL: nothing to ask).
    Column("match_due_at", UtcDateTime(), nullable=True),
    Column("match_attempts", Integer, nullable=False, server_default="0"),
    Column("version", Integer, nullable=False),
    Index("ix_cases_resident_id", "resident_id"),
    Index("ix_cases_due_at", "due_at"),
    Index("ix_cases_created_at", "created_at"),
    Index("ix_cases_match_due_at", "match_due_at"),
    #: The work queue's counts per status, within the types an officer may see.
    Index("ix_cases_service_code_status", "service_code", "status"),
)

case_notes = Table(
    "case_notes",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("case_id", Uuid, ForeignKey("cases.id"), nullable=False, index=True),
    Column("public", Boolean, nullable=False),
    Column("text", Text, nullable=False),
    Column("author", String(200), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
)

#: File details recorded by the retired ``POST /cases/{reference}/attachments`` (files
#: are evidence now): nothing adds to it; kept for the rows already there, which an
#: erasure still blanks.
case_attachments = Table(
    "case_attachments",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("case_id", Uuid, ForeignKey("cases.id"), nullable=False, index=True),
    Column("filename", String(255), nullable=False),
    Column("content_type", String(127), nullable=False),
    Column("size_bytes", Integer, nullable=False),
    Column("added_by", String(200), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
)

#: Files of evidence kept in the evidence store, by their SHA-256 (migration 0009). An
#: erased resident's keep their row (who added what, when) without name or digest.
case_evidence = Table(
    "case_evidence",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("case_id", Uuid, ForeignKey("cases.id"), nullable=False, index=True),
    Column("filename", String(255), nullable=False),
    Column("content_type", String(127), nullable=False),
    Column("size_bytes", Integer, nullable=False),
    Column("sha256", String(64), nullable=True, index=True),
    Column("added_by", String(200), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("erased_at", UtcDateTime(), nullable=True),
)

#: Files the store is to remove (an erasure's), written in the erasure's transaction and
#: removed from the store after it commits, or by the next erasure sweep.
evidence_removals = Table(
    "evidence_removals",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("queued_at", UtcDateTime(), nullable=False),
)

#: One counter per reference prefix and year: PC-2026-000001, PC-2026-000002…
reference_counters = Table(
    "case_reference_counters",
    metadata,
    Column("prefix", String(8), primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("value", Integer, nullable=False),
)

open311_tokens = Table(
    "open311_tokens",
    metadata,
    Column("token", String(64), primary_key=True),
    Column("case_id", Uuid, ForeignKey("cases.id"), nullable=False, unique=True),
)

#: What an Open311 client said about a request beyond the spec's fields: FixMyStreet's
#: own attributes, and media URLs a type's form has no place for (migration 0006).
open311_requests = Table(
    "open311_requests",
    metadata,
    Column("case_id", Uuid, ForeignKey("cases.id"), primary_key=True),
    Column("fixmystreet_id", String(32), nullable=True),
    Column("easting", Float, nullable=True),
    Column("northing", Float, nullable=True),
    Column("title", String(500), nullable=True),
    Column("report_url", String(2000), nullable=True),
    Column("not_pinpointed", Boolean, nullable=False),
    Column("media_urls", JSON, nullable=False),
)

#: Open311 service request updates (mySociety's extension), one per status change or
#: public update of a case of an offered type, written in the change's transaction.
#: ``external_id`` is the client's own id of an update it posted (FixMyStreet's).
open311_updates = Table(
    "open311_updates",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", Uuid, ForeignKey("cases.id"), nullable=False, index=True),
    Column("status", String(32), nullable=False),
    Column("note_id", Uuid, ForeignKey("case_notes.id"), nullable=True, unique=True),
    Column("external_id", String(64), nullable=True),
    Column("media_urls", JSON, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False, index=True),
    UniqueConstraint("case_id", "external_id", name="uq_open311_updates_external_id"),
)

#: Residents identity erased: a case of theirs that arrives later is blanked on arrival.
erased_residents = Table(
    "erased_residents",
    metadata,
    Column("resident_id", Uuid, primary_key=True),
    Column("erased_at", UtcDateTime(), nullable=False),
)

contacts = Table(
    "contacts",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("resident_id", Uuid, nullable=False, index=True),
    Column("case_id", Uuid, ForeignKey("cases.id"), nullable=True, index=True),
    Column("channel", String(32), nullable=False),
    Column("reason", String(32), nullable=False),
    Column("outcome", String(32), nullable=False),
    Column("duration_seconds", Integer, nullable=False),
    Column("failure_demand", Boolean, nullable=False),
    Column("officer", String(200), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
)
