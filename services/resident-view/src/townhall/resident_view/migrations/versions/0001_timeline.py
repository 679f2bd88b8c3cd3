"""The timeline store and the runtime's tables.

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


def upgrade() -> None:
    create_runtime_tables()
    op.create_table(
        "timeline_entries",
        sa.Column("event_id", sa.String(128), primary_key=True),
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
    )
    op.create_index(
        "ix_timeline_resident_time", "timeline_entries", ["resident_id", "time", "event_id"]
    )


def downgrade() -> None:
    op.drop_table("timeline_entries")
    drop_runtime_tables()
