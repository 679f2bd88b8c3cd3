"""Booking learns a case's postcode sector from case.submitted (cases publishes the full
postcode only sealed), so availability needs no postcode from the resident.

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
    with op.batch_alter_table("booking_cases") as table:
        table.add_column(sa.Column("postcode_sector", sa.String(8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("booking_cases") as table:
        table.drop_column("postcode_sector")
