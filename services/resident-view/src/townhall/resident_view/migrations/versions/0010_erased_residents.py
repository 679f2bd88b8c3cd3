"""Residents erased, per generation: what arrives about them afterwards arrives blank.

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
        "erased_residents",
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("generation", "resident_id"),
    )


def downgrade() -> None:
    op.drop_table("erased_residents")
