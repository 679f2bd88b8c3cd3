"""A case's reporter may be only a claim, until its resident confirms it.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as table:
        table.add_column(
            sa.Column("reporter_claimed", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        table.add_column(
            sa.Column("reporter_confirmed_at", sa.DateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("cases") as table:
        table.drop_column("reporter_confirmed_at")
        table.drop_column("reporter_claimed")
