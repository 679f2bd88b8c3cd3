"""Erasure suppressions: keyed hashes of erased residents' contact points, and when.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "erasure_suppressions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("contact_hash", sa.String(64), nullable=False),
        sa.Column("master_key_id", sa.String(16), nullable=True),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(
        "ix_erasure_suppressions_contact_hash", "erasure_suppressions", ["contact_hash"]
    )


def downgrade() -> None:
    op.drop_index("ix_erasure_suppressions_contact_hash", table_name="erasure_suppressions")
    op.drop_table("erasure_suppressions")
