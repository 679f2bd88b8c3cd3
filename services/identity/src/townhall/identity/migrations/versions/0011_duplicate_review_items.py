"""Review items about two residents (the duplicate pass's questions), beside those about
an incoming record: the item's kind and the second resident it names.

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
    with op.batch_alter_table("review_items") as table:
        table.add_column(sa.Column("kind", sa.String(10), nullable=False, server_default="record"))
        table.add_column(sa.Column("other_resident_id", sa.Uuid, nullable=True))
        table.create_foreign_key(
            "fk_review_items_other_resident_id", "residents", ["other_resident_id"], ["id"]
        )
        table.create_index("ix_review_items_resident_id", ["resident_id"])
        table.create_index("ix_review_items_other_resident_id", ["other_resident_id"])


def downgrade() -> None:
    with op.batch_alter_table("review_items") as table:
        table.drop_index("ix_review_items_other_resident_id")
        table.drop_index("ix_review_items_resident_id")
        table.drop_constraint("fk_review_items_other_resident_id", type_="foreignkey")
        table.drop_column("other_resident_id")
        table.drop_column("kind")
