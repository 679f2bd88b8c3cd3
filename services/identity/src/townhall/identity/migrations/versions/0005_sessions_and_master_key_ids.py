"""Refresh-token families and tokens; which master key wrapped each key.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_WRAPPED = ("resident_data_keys", "signing_keys")


def upgrade() -> None:
    for table in _WRAPPED:
        op.add_column(table, sa.Column("master_key_id", sa.String(16), nullable=True))
    op.create_table(
        "refresh_families",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("refreshed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_refresh_families_expires_at", "refresh_families", ["expires_at"])
    op.create_index("ix_refresh_families_subject", "refresh_families", ["kind", "subject_id"])
    op.create_table(
        "refresh_tokens",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("family_id", sa.Uuid(), sa.ForeignKey("refresh_families.id"), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_refresh_tokens_family_id", "refresh_tokens", ["family_id"])


def downgrade() -> None:
    op.drop_table("refresh_tokens")
    op.drop_table("refresh_families")
    for table in _WRAPPED:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("master_key_id")
