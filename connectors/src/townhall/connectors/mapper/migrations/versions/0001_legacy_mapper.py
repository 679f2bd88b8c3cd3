"""The legacy mapper: who each legacy person row is, and entries waiting for them.

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
        "legacy_people",
        sa.Column("system", sa.String(64), primary_key=True),
        sa.Column("tbl", sa.String(128), primary_key=True),
        sa.Column("legacy_key", sa.String(256), primary_key=True),
        sa.Column("holder", sa.Integer(), primary_key=True),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("resident_id", sa.Uuid(), nullable=True),
        sa.Column("review_id", sa.Uuid(), nullable=True),
        sa.Column("matched_at", UtcDateTime(), nullable=False),
    )
    op.create_table(
        "legacy_waiting",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("system", sa.String(64), nullable=False),
        sa.Column("person_table", sa.String(128), nullable=False),
        sa.Column("person_key", sa.String(256), nullable=False),
        sa.Column("holder", sa.Integer(), nullable=False),
        sa.Column("entry", sa.Text(), nullable=False),
        sa.Column("waiting_since", UtcDateTime(), nullable=False),
    )
    op.create_index(
        "ix_legacy_waiting_person", "legacy_waiting", ["system", "person_table", "person_key"]
    )


def downgrade() -> None:
    op.drop_table("legacy_waiting")
    op.drop_table("legacy_people")
    drop_runtime_table("th_dead_letters")
    drop_runtime_tables()
