"""The request a tracking code is for: redeeming it gives a token good for that request.

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
    op.add_column("one_time_codes", sa.Column("request_reference", sa.String(40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("one_time_codes") as batch:
        batch.drop_column("request_reference")
