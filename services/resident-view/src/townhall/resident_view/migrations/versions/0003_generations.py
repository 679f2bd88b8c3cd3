"""Generations: a rebuild writes a new generation beside the one being served.

The projection's tables are derived data, so they are recreated empty and rebuilt
from the topics (the service does so on start: an empty store is generation 1).

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _timeline() -> None:
    op.create_table(
        "timeline_entries",
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(128), nullable=False),
        sa.Column("resident_id", sa.String(64), nullable=False),
        sa.Column("time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("type", sa.String(200), nullable=False),
        sa.Column("domain", sa.String(64), nullable=False),
        sa.Column("sensitivity", sa.String(20), nullable=False),
        sa.Column("sensitivity_rank", sa.Integer(), nullable=False),
        sa.Column("summary", sa.String(500), nullable=False),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("sequence", sa.BigInteger(), nullable=False),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("correlation_id", sa.String(128), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("audience", sa.String(20), nullable=False, server_default="all"),
        sa.Column("case_reference", sa.String(64), nullable=True),
        sa.Column("channel", sa.String(32), nullable=True),
        sa.PrimaryKeyConstraint("generation", "event_id"),
    )
    op.create_index(
        "ix_timeline_resident_time",
        "timeline_entries",
        ["generation", "resident_id", "time", "event_id"],
    )
    op.create_index(
        "ix_timeline_case_reference", "timeline_entries", ["generation", "case_reference"]
    )


def upgrade() -> None:
    for table in ("source_pending", "source_progress", "consents", "timeline_entries"):
        op.drop_table(table)
    _timeline()
    op.create_table(
        "consents",
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.String(64), nullable=False),
        sa.Column("domain", sa.String(64), nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("generation", "resident_id", "domain"),
    )
    op.create_table(
        "source_progress",
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("watermark", sa.BigInteger(), nullable=False),
        sa.Column("max_seen", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("generation", "source"),
    )
    op.create_table(
        "source_pending",
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("sequence", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("generation", "source", "sequence"),
    )
    # The consumer's dedupe records refer to entries that are gone: start afresh.
    op.execute("DELETE FROM th_processed_events")


def downgrade() -> None:
    raise NotImplementedError("the projection is derived data: rebuild instead of downgrading")
