"""Summary codes: each entry's summary also as a code and its facts, for a front door
to word in its reader's language. Entries stored before keep their English summary
(both columns null); a rebuild fills them.

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("timeline_entries") as batch:
        batch.add_column(sa.Column("summary_code", sa.String(64), nullable=True))
        batch.add_column(sa.Column("summary_params", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("timeline_entries") as batch:
        batch.drop_column("summary_params")
        batch.drop_column("summary_code")
