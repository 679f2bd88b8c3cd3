"""Case fees, payments, refunds; runtime tables (outbox, dedupe, state, dead letters).

Frozen: the tables as they were at this revision, not read from the ORM metadata, so
later changes need a migration of their own.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

from townhall.runtime.migrations import (
    create_runtime_table,
    create_runtime_tables,
    drop_runtime_table,
    drop_runtime_tables,
)

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _timestamp(name: str, nullable: bool = False) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    create_runtime_tables()
    create_runtime_table("th_dead_letters")
    op.create_table(
        "case_fees",
        sa.Column("reference", sa.String(32), primary_key=True),
        sa.Column("service_code", sa.String(64), nullable=False),
        sa.Column("domain", sa.String(64), nullable=False),
        sa.Column("sensitivity", sa.String(16), nullable=False),
        sa.Column("fee_pence", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("resident_id", sa.Uuid(), nullable=True),
    )
    op.create_table(
        "payments",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("case_reference", sa.String(32), nullable=False),
        sa.Column("resident_id", sa.Uuid(), nullable=True),
        sa.Column("service_code", sa.String(64), nullable=False),
        sa.Column("domain", sa.String(64), nullable=False),
        sa.Column("sensitivity", sa.String(16), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("description", sa.String(255), nullable=False),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("return_url", sa.String(2000), nullable=False),
        sa.Column("provider", sa.String(32), nullable=False),
        sa.Column("created_by", sa.String(250), nullable=False),
        _timestamp("created_at"),
        _timestamp("expires_at"),
        sa.Column("idempotency_key", sa.String(400), nullable=False, unique=True),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("code", sa.String(16), nullable=True),
        sa.Column("message", sa.String(500), nullable=True),
        sa.Column("provider_id", sa.String(64), nullable=True, unique=True),
        sa.Column("next_url", sa.String(2000), nullable=True),
        _timestamp("finished_at", nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_index("ix_payments_case_reference", "payments", ["case_reference"])
    op.create_index("ix_payments_status_expires_at", "payments", ["status", "expires_at"])
    op.create_index("ix_payments_finished_at", "payments", ["finished_at"])
    op.create_table(
        "refunds",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("payment_id", sa.Uuid(), sa.ForeignKey("payments.id"), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("available_before", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("requested_by", sa.String(250), nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        _timestamp("created_at"),
        _timestamp("finished_at", nullable=True),
        sa.Column("provider_refund_id", sa.String(64), nullable=True, unique=True),
    )
    op.create_index("ix_refunds_payment_id", "refunds", ["payment_id"])
    op.create_index("ix_refunds_created_at", "refunds", ["created_at"])


def downgrade() -> None:
    op.drop_table("refunds")
    op.drop_table("payments")
    op.drop_table("case_fees")
    drop_runtime_table("th_dead_letters")
    drop_runtime_tables()
