"""Residents and their search keys (per generation); the look-up audit (append-only).

The residents are derived data: existing stores fill them on their next rebuild
(``python -m townhall.resident_view rebuild``).

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _residents() -> None:
    op.create_table(
        "residents",
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.String(64), nullable=False),
        sa.Column("given_name", sa.String(200), nullable=True),
        sa.Column("family_name", sa.String(200), nullable=True),
        sa.Column("former_names", sa.Text(), nullable=False),
        sa.Column("date_of_birth", sa.Date(), nullable=True),
        sa.Column("postcode", sa.String(10), nullable=True),
        sa.Column("uprn", sa.String(12), nullable=True),
        sa.Column("former_addresses", sa.Text(), nullable=False),
        sa.Column("emails", sa.Text(), nullable=False),
        sa.Column("phones", sa.Text(), nullable=False),
        sa.Column("identifiers", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("generation", "resident_id"),
    )
    op.create_table(
        "search_terms",
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("term", sa.String(200), nullable=False),
        sa.Column("resident_id", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("generation", "kind", "term", "resident_id"),
    )
    op.create_index("ix_search_terms_resident", "search_terms", ["generation", "resident_id"])


def _lookup_audit() -> None:
    op.create_table(
        "lookup_audit",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("viewer", sa.String(200), nullable=False),
        sa.Column("viewer_kind", sa.String(20), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("purpose", sa.String(500), nullable=False),
        sa.Column("query", sa.String(500), nullable=False),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("resident_ids", sa.Text(), nullable=False),
        sa.Column("correlation_id", sa.String(128), nullable=True),
    )
    op.create_index("ix_lookup_audit_viewer", "lookup_audit", ["viewer", "at"])
    op.create_index("ix_lookup_audit_at", "lookup_audit", ["at"])
    if op.get_bind().dialect.name == "postgresql":  # append-only, enforced by the database
        op.execute(
            "CREATE FUNCTION lookup_audit_append_only() RETURNS trigger AS $$ BEGIN "
            "RAISE EXCEPTION 'the look-up audit is append-only'; END $$ LANGUAGE plpgsql"
        )
        op.execute(
            "CREATE TRIGGER lookup_audit_append_only BEFORE UPDATE OR DELETE ON lookup_audit "
            "FOR EACH ROW EXECUTE FUNCTION lookup_audit_append_only()"
        )
    else:
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER lookup_audit_no_{action.lower()} BEFORE {action} ON lookup_audit "
                "BEGIN SELECT RAISE(ABORT, 'the look-up audit is append-only'); END"
            )


def upgrade() -> None:
    _residents()
    _lookup_audit()


def downgrade() -> None:
    op.drop_table("lookup_audit")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS lookup_audit_append_only() CASCADE")
    op.drop_index("ix_search_terms_resident", "search_terms")
    op.drop_table("search_terms")
    op.drop_table("residents")
