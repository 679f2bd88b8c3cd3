"""Service types' names in each language, learnt from cases' submitted requests.

Frozen: the table as it was at this revision, not read from the ORM metadata.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "service_names",
        sa.Column("service_code", sa.String(64), primary_key=True),
        sa.Column("language", sa.String(2), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("service_names")
