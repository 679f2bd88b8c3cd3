"""Merged residents.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "merges",
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("merged_id", sa.String(64), nullable=False),
        sa.Column("survivor_id", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("generation", "merged_id"),
    )
    op.create_index("ix_merges_survivor", "merges", ["generation", "survivor_id"])


def downgrade() -> None:
    op.drop_table("merges")
