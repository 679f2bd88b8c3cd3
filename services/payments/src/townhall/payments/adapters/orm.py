"""Payments' tables (its own database; no other service reads them)."""

from sqlalchemy import Column, ForeignKey, Index, Integer, MetaData, String, Table, Uuid

from townhall.runtime.types import UtcDateTime

metadata = MetaData()

#: What payments knows of each case, from cases' events: its fee and where it stands.
case_fees = Table(
    "case_fees",
    metadata,
    Column("reference", String(32), primary_key=True),
    Column("service_code", String(64), nullable=False),
    Column("domain", String(64), nullable=False),
    Column("sensitivity", String(16), nullable=False),
    Column("fee_pence", Integer, nullable=True),
    Column("status", String(32), nullable=False),
    Column("resident_id", Uuid, nullable=True),
)

payments = Table(
    "payments",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("case_reference", String(32), nullable=False),
    Column("resident_id", Uuid, nullable=True),
    Column("service_code", String(64), nullable=False),
    Column("domain", String(64), nullable=False),
    Column("sensitivity", String(16), nullable=False),
    Column("amount", Integer, nullable=False),
    Column("description", String(255), nullable=False),
    Column("language", String(2), nullable=False),
    Column("return_url", String(2000), nullable=False),
    Column("provider", String(32), nullable=False),
    Column("created_by", String(250), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
    #: The caller's Idempotency-Key, scoped to the caller (kind:subject:key).
    Column("idempotency_key", String(400), nullable=False, unique=True),
    Column("request_hash", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("code", String(16), nullable=True),
    Column("message", String(500), nullable=True),
    Column("provider_id", String(64), nullable=True, unique=True),
    Column("next_url", String(2000), nullable=True),
    Column("finished_at", UtcDateTime(), nullable=True),
    Column("version", Integer, nullable=False),
    Index("ix_payments_case_reference", "case_reference"),
    #: The poll's question: open payments past their expiry.
    Index("ix_payments_status_expires_at", "status", "expires_at"),
    Index("ix_payments_finished_at", "finished_at"),
)

refunds = Table(
    "refunds",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("payment_id", Uuid, ForeignKey("payments.id"), nullable=False),
    Column("amount", Integer, nullable=False),
    Column("available_before", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("requested_by", String(250), nullable=False),
    Column("reason", String(500), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("finished_at", UtcDateTime(), nullable=True),
    Column("provider_refund_id", String(64), nullable=True, unique=True),
    Index("ix_refunds_payment_id", "payment_id"),
    Index("ix_refunds_created_at", "created_at"),
)
