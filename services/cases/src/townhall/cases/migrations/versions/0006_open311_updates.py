"""Open311: FixMyStreet's own request attributes, and service request updates.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "open311_requests",
        sa.Column("case_id", sa.Uuid(), sa.ForeignKey("cases.id"), primary_key=True),
        sa.Column("fixmystreet_id", sa.String(32), nullable=True),
        sa.Column("easting", sa.Float(), nullable=True),
        sa.Column("northing", sa.Float(), nullable=True),
        sa.Column("title", sa.String(500), nullable=True),
        sa.Column("report_url", sa.String(2000), nullable=True),
        sa.Column("not_pinpointed", sa.Boolean(), nullable=False),
        sa.Column("media_urls", sa.JSON(), nullable=False),
    )
    op.create_table(
        "open311_updates",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.Uuid(), sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("note_id", sa.Uuid(), sa.ForeignKey("case_notes.id"), nullable=True),
        sa.Column("external_id", sa.String(64), nullable=True),
        sa.Column("media_urls", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("note_id"),
        sa.UniqueConstraint("case_id", "external_id", name="uq_open311_updates_external_id"),
    )
    op.create_index("ix_open311_updates_case_id", "open311_updates", ["case_id"])
    op.create_index("ix_open311_updates_created_at", "open311_updates", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_open311_updates_created_at", "open311_updates")
    op.drop_index("ix_open311_updates_case_id", "open311_updates")
    op.drop_table("open311_updates")
    op.drop_table("open311_requests")
