"""Notifications (deduped by event, rule and recipient), preferences, contacts, mailbox.

Frozen: the tables as they were at this revision, not read from the ORM metadata.

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
from townhall.runtime.types import UtcDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_runtime_tables()
    create_runtime_table("th_dead_letters")
    op.create_table(
        "notifications",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("event_id", sa.String(128), nullable=False),
        sa.Column("rule", sa.String(64), nullable=False),
        sa.Column("resident_id", sa.Uuid(), nullable=False),
        sa.Column("cause_type", sa.String(200), nullable=False),
        sa.Column("domain", sa.String(64), nullable=False),
        sa.Column("sensitivity", sa.String(16), nullable=False),
        sa.Column("case_reference", sa.String(64), nullable=True),
        sa.Column("sealed", sa.Text(), nullable=True),
        sa.Column("not_before", UtcDateTime(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("channel", sa.String(16), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.String(64), nullable=True),
        sa.UniqueConstraint(
            "event_id", "rule", "resident_id", name="uq_notifications_event_rule_recipient"
        ),
    )
    op.create_index("ix_notifications_due", "notifications", ["status", "not_before"])
    op.create_index("ix_notifications_resident", "notifications", ["resident_id"])
    op.create_table(
        "preferences",
        sa.Column("resident_id", sa.Uuid(), primary_key=True),
        sa.Column("channels", sa.String(64), nullable=False),
        sa.Column("language", sa.String(2), nullable=True),
        sa.Column("non_essential", sa.Boolean(), nullable=False),
    )
    op.create_table(
        "contacts",
        sa.Column("resident_id", sa.Uuid(), primary_key=True),
        sa.Column("sealed", sa.Text(), nullable=False),
    )
    op.create_table(
        "mailbox",
        sa.Column("reference", sa.String(64), primary_key=True),
        sa.Column("resident_id", sa.Uuid(), nullable=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("to", sa.String(400), nullable=False),
        sa.Column("subject", sa.String(400), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("sent_at", UtcDateTime(), nullable=False),
    )


def downgrade() -> None:
    for table in ("mailbox", "contacts", "preferences", "notifications"):
        op.drop_table(table)
    drop_runtime_table("th_dead_letters")
    drop_runtime_tables()
