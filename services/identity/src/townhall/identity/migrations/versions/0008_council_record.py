"""The record councils hold: title, initials, middle names and suffix on names; flat,
house name and number on addresses (every part optional); NI numbers; several
identifiers in one system; and the log of links with their evidence.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_NAME_PARTS = (("title", 20), ("initials", 20), ("middle_names", 200), ("suffix", 8))
_ADDRESS_PARTS = (("flat", 50), ("house_name", 100), ("house_number", 20))
_OPTIONAL_ADDRESS = (("line1", 200), ("town", 100), ("postcode", 8))


def upgrade() -> None:
    with op.batch_alter_table("residents") as batch:
        batch.add_column(sa.Column("ni_number", sa.String(9), nullable=True))
    op.create_index("ix_residents_ni_number", "residents", ["ni_number"])
    with op.batch_alter_table("resident_names") as batch:
        for name, length in _NAME_PARTS:
            batch.add_column(sa.Column(name, sa.String(length), nullable=True))
    with op.batch_alter_table("resident_addresses") as batch:
        for name, length in _OPTIONAL_ADDRESS:
            batch.alter_column(name, existing_type=sa.String(length), nullable=True)
        for name, length in _ADDRESS_PARTS:
            batch.add_column(sa.Column(name, sa.String(length), nullable=True))
    _identifiers_without_one_per_system()
    op.create_table(
        "resident_links",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("resident_id", sa.Uuid(), sa.ForeignKey("residents.id"), nullable=False),
        sa.Column("system", sa.String(64), nullable=False),
        sa.Column("reference", sa.String(128), nullable=False),
        sa.Column("decided_by", sa.String(10), nullable=False),
        sa.Column("probability", sa.Float(), nullable=True),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("officer_id", sa.Uuid(), nullable=True),
        sa.Column("review_id", sa.Uuid(), nullable=True),
    )
    op.create_index("ix_resident_links_resident_id", "resident_links", ["resident_id"])


def _identifiers_without_one_per_system() -> None:
    """A resident may hold two accounts in one system: the (resident, system) unique
    constraint goes (the table is rebuilt: SQLite cannot drop an unnamed constraint)."""
    op.create_table(
        "resident_identifiers_0008",
        sa.Column("system", sa.String(64), nullable=False),
        sa.Column("value", sa.String(128), nullable=False),
        sa.Column("resident_id", sa.Uuid(), sa.ForeignKey("residents.id"), nullable=False),
        sa.PrimaryKeyConstraint("system", "value"),
    )
    op.execute(
        "INSERT INTO resident_identifiers_0008 (system, value, resident_id) "
        "SELECT system, value, resident_id FROM resident_identifiers"
    )
    op.drop_table("resident_identifiers")
    op.rename_table("resident_identifiers_0008", "resident_identifiers")
    op.create_index("ix_resident_identifiers_resident_id", "resident_identifiers", ["resident_id"])


def downgrade() -> None:
    op.drop_table("resident_links")
    op.drop_index("ix_resident_identifiers_resident_id", "resident_identifiers")
    with op.batch_alter_table("resident_identifiers") as batch:
        batch.create_unique_constraint("uq_resident_identifiers_system", ["resident_id", "system"])
    with op.batch_alter_table("resident_addresses") as batch:
        for name, _ in _ADDRESS_PARTS:
            batch.drop_column(name)
    with op.batch_alter_table("resident_names") as batch:
        for name, _ in _NAME_PARTS:
            batch.drop_column(name)
    op.drop_index("ix_residents_ni_number", "residents")
    with op.batch_alter_table("residents") as batch:
        batch.drop_column("ni_number")
