"""Cases whose resident identity could not say at submission are asked about again.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as table:
        table.add_column(sa.Column("match_due_at", sa.DateTime(timezone=True), nullable=True))
        table.add_column(
            sa.Column("match_attempts", sa.Integer(), nullable=False, server_default="0")
        )
        table.create_index("ix_cases_match_due_at", ["match_due_at"])


def downgrade() -> None:
    with op.batch_alter_table("cases") as table:
        table.drop_index("ix_cases_match_due_at")
        table.drop_column("match_attempts")
        table.drop_column("match_due_at")
