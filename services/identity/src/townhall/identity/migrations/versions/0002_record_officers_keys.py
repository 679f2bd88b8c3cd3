"""The full resident record, data keys, officers and roles, token signing keys.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _child(name: str, *columns: sa.Column) -> None:  # type: ignore[type-arg]
    op.create_table(
        name,
        sa.Column("resident_id", sa.Uuid(), sa.ForeignKey("residents.id"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        *columns,
        sa.PrimaryKeyConstraint("resident_id", "position"),
    )
    op.create_index(f"ix_{name}_resident_id", name, ["resident_id"])


def _resident_tables() -> None:
    op.add_column(
        "residents",
        sa.Column("preferred_language", sa.String(2), nullable=False, server_default="en"),
    )
    op.add_column("residents", sa.Column("loa", sa.Integer(), nullable=False, server_default="0"))
    op.add_column(
        "residents", sa.Column("erased", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    _child(
        "resident_names",
        sa.Column("given", sa.String(200), nullable=False),
        sa.Column("family", sa.String(200), nullable=False),
        sa.Column("since", sa.Date(), nullable=True),
        sa.Column("until", sa.Date(), nullable=True),
    )
    _child(
        "resident_addresses",
        sa.Column("line1", sa.String(200), nullable=False),
        sa.Column("line2", sa.String(200), nullable=True),
        sa.Column("town", sa.String(100), nullable=False),
        sa.Column("postcode", sa.String(8), nullable=False),
        sa.Column("uprn", sa.String(12), nullable=True),
        sa.Column("moved_in", sa.Date(), nullable=True),
        sa.Column("moved_out", sa.Date(), nullable=True),
    )
    op.create_index("ix_resident_addresses_postcode", "resident_addresses", ["postcode"])
    op.create_index("ix_resident_addresses_uprn", "resident_addresses", ["uprn"])
    _child(
        "resident_contact_points",
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("value", sa.String(320), nullable=False),
        sa.Column("verified", sa.Boolean(), nullable=False),
    )
    op.create_table(
        "resident_identifiers",
        sa.Column("system", sa.String(64), nullable=False),
        sa.Column("value", sa.String(128), nullable=False),
        sa.Column("resident_id", sa.Uuid(), sa.ForeignKey("residents.id"), nullable=False),
        sa.PrimaryKeyConstraint("system", "value"),
        sa.UniqueConstraint("resident_id", "system"),
    )
    op.create_table(
        "resident_consents",
        sa.Column("resident_id", sa.Uuid(), sa.ForeignKey("residents.id"), nullable=False),
        sa.Column("domain", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("resident_id", "domain"),
    )
    op.create_table(
        "resident_data_keys",
        sa.Column("resident_id", sa.Uuid(), primary_key=True),
        sa.Column("wrapped_key", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def _officer_and_key_tables() -> None:
    op.create_table(
        "officers",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("email", sa.String(320), nullable=False, unique=True),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
    )
    op.create_table(
        "officer_roles",
        sa.Column("officer_id", sa.Uuid(), sa.ForeignKey("officers.id"), nullable=False),
        sa.Column("domain", sa.String(64), nullable=False),
        sa.Column("clearance", sa.String(16), nullable=False),
        sa.PrimaryKeyConstraint("officer_id", "domain"),
    )
    op.create_table(
        "signing_keys",
        sa.Column("kid", sa.String(64), primary_key=True),
        sa.Column("public_jwk", sa.Text(), nullable=False),
        sa.Column("private_key_wrapped", sa.LargeBinary(), nullable=False),
        sa.Column("activates_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def upgrade() -> None:
    _resident_tables()
    _officer_and_key_tables()


def downgrade() -> None:
    for table in (
        "signing_keys",
        "officer_roles",
        "officers",
        "resident_data_keys",
        "resident_consents",
        "resident_identifiers",
        "resident_contact_points",
        "resident_addresses",
        "resident_names",
    ):
        op.drop_table(table)
    with op.batch_alter_table("residents") as batch:
        for column in ("erased", "loa", "preferred_language"):
            batch.drop_column(column)
