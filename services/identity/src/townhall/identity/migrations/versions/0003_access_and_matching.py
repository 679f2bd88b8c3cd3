"""Residents' accounts and one-time codes; merges and the match review queue.

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
    with op.batch_alter_table("residents") as batch:
        batch.add_column(sa.Column("password_hash", sa.String(200), nullable=True))
        batch.add_column(sa.Column("merged_into", sa.Uuid(), nullable=True))
        batch.create_foreign_key("fk_residents_merged_into", "residents", ["merged_into"], ["id"])
    op.create_table(
        "one_time_codes",
        sa.Column("reference", sa.String(16), primary_key=True),
        sa.Column("resident_id", sa.Uuid(), sa.ForeignKey("residents.id"), nullable=False),
        sa.Column("purpose", sa.String(16), nullable=False),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("destination", sa.String(320), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_one_time_codes_resident_id", "one_time_codes", ["resident_id"])
    op.create_table(
        "review_items",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("record", sa.JSON(), nullable=False),
        sa.Column("resident_id", sa.Uuid(), sa.ForeignKey("residents.id"), nullable=False),
        sa.Column("probability", sa.Float(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("decided_by", sa.Uuid(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_resident_id", sa.Uuid(), nullable=True),
    )
    op.create_index("ix_review_items_status", "review_items", ["status"])


def downgrade() -> None:
    op.drop_table("review_items")
    op.drop_table("one_time_codes")
    with op.batch_alter_table("residents") as batch:
        batch.drop_constraint("fk_residents_merged_into", type_="foreignkey")
        batch.drop_column("merged_into")
        batch.drop_column("password_hash")
