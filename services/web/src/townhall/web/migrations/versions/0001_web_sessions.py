"""Web's sessions, shared by every replica (``WEB_SESSION_STORE=database``).

Frozen: the table as it was at this revision, not read from the ORM metadata.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "web_sessions",
        sa.Column("id_hash", sa.String(64), primary_key=True),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("last_seen", sa.Float(), nullable=False),
    )
    op.create_index("ix_web_sessions_last_seen", "web_sessions", ["last_seen"])


def downgrade() -> None:
    op.drop_index("ix_web_sessions_last_seen", table_name="web_sessions")
    op.drop_table("web_sessions")
