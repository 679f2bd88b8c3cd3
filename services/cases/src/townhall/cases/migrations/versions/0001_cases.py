"""Cases, notes, attachments, reference counters, Open311 tokens, contacts; runtime tables.

Frozen: the tables as they were at this revision, not read from the ORM metadata, so
later changes to the models need a migration of their own (the drift test checks).

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

from townhall.runtime.migrations import create_runtime_tables, drop_runtime_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _timestamp(name: str, nullable: bool = False) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _cases() -> None:
    op.create_table(
        "cases",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("reference", sa.String(32), nullable=False, unique=True),
        sa.Column("service_code", sa.String(64), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("resident_id", sa.Uuid(), nullable=True),
        sa.Column("given_name", sa.String(200), nullable=True),
        sa.Column("family_name", sa.String(200), nullable=True),
        sa.Column("email", sa.String(320), nullable=True),
        sa.Column("phone", sa.String(64), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("address", sa.String(500), nullable=True),
        sa.Column("uprn", sa.String(16), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("team", sa.String(100), nullable=True),
        sa.Column("officer", sa.String(200), nullable=True),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        _timestamp("due_at"),
        _timestamp("breached_at", nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    for column in ("resident_id", "due_at", "created_at"):
        op.create_index(f"ix_cases_{column}", "cases", [column])


def _case_children() -> None:
    op.create_table(
        "case_notes",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("case_id", sa.Uuid(), sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("author", sa.String(200), nullable=False),
        _timestamp("created_at"),
    )
    op.create_index("ix_case_notes_case_id", "case_notes", ["case_id"])
    op.create_table(
        "case_attachments",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("case_id", sa.Uuid(), sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("content_type", sa.String(127), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("added_by", sa.String(200), nullable=False),
        _timestamp("created_at"),
    )
    op.create_index("ix_case_attachments_case_id", "case_attachments", ["case_id"])
    op.create_table(
        "case_reference_counters",
        sa.Column("prefix", sa.String(8), primary_key=True),
        sa.Column("year", sa.Integer(), primary_key=True),
        sa.Column("value", sa.Integer(), nullable=False),
    )
    op.create_table(
        "open311_tokens",
        sa.Column("token", sa.String(64), primary_key=True),
        sa.Column("case_id", sa.Uuid(), sa.ForeignKey("cases.id"), nullable=False, unique=True),
    )


def _contacts() -> None:
    op.create_table(
        "contacts",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("resident_id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), sa.ForeignKey("cases.id"), nullable=True),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("outcome", sa.String(32), nullable=False),
        sa.Column("duration_seconds", sa.Integer(), nullable=False),
        sa.Column("failure_demand", sa.Boolean(), nullable=False),
        sa.Column("officer", sa.String(200), nullable=False),
        _timestamp("created_at"),
    )
    op.create_index("ix_contacts_resident_id", "contacts", ["resident_id"])
    op.create_index("ix_contacts_case_id", "contacts", ["case_id"])


def upgrade() -> None:
    create_runtime_tables()
    _cases()
    _case_children()
    _contacts()


def downgrade() -> None:
    for table in (
        "contacts",
        "open311_tokens",
        "case_reference_counters",
        "case_attachments",
        "case_notes",
        "cases",
    ):
        op.drop_table(table)
    drop_runtime_tables()
