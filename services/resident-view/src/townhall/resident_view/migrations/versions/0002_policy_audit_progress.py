"""Audience, case reference and channel on entries; consents; access audit; progress.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("timeline_entries") as batch:
        batch.add_column(sa.Column("audience", sa.String(20), nullable=False, server_default="all"))
        batch.add_column(sa.Column("case_reference", sa.String(64), nullable=True))
        batch.add_column(sa.Column("channel", sa.String(32), nullable=True))
        batch.create_index("ix_timeline_case_reference", ["case_reference"])
    op.create_table(
        "consents",
        sa.Column("resident_id", sa.String(64), nullable=False),
        sa.Column("domain", sa.String(64), nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("resident_id", "domain"),
    )
    op.create_table(
        "access_audit",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("viewer", sa.String(200), nullable=False),
        sa.Column("viewer_kind", sa.String(20), nullable=False),
        sa.Column("resident_id", sa.String(64), nullable=False),
        sa.Column("purpose", sa.String(500), nullable=False),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("entry_ids", sa.Text(), nullable=False),
        sa.Column("correlation_id", sa.String(128), nullable=True),
    )
    op.create_index("ix_access_audit_resident", "access_audit", ["resident_id", "at"])
    op.create_index("ix_access_audit_viewer", "access_audit", ["viewer", "at"])
    if op.get_bind().dialect.name == "postgresql":  # append-only, enforced by the database
        op.execute(
            "CREATE FUNCTION access_audit_append_only() RETURNS trigger AS $$ BEGIN "
            "RAISE EXCEPTION 'the access audit is append-only'; END $$ LANGUAGE plpgsql"
        )
        op.execute(
            "CREATE TRIGGER access_audit_append_only BEFORE UPDATE OR DELETE ON access_audit "
            "FOR EACH ROW EXECUTE FUNCTION access_audit_append_only()"
        )
    else:
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER access_audit_no_{action.lower()} BEFORE {action} ON access_audit "
                "BEGIN SELECT RAISE(ABORT, 'the access audit is append-only'); END"
            )
    op.create_table(
        "source_progress",
        sa.Column("source", sa.String(200), primary_key=True),
        sa.Column("watermark", sa.BigInteger(), nullable=False),
        sa.Column("max_seen", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "source_pending",
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("sequence", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("source", "sequence"),
    )


def downgrade() -> None:
    op.drop_table("source_pending")
    op.drop_table("source_progress")
    op.drop_table("access_audit")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS access_audit_append_only() CASCADE")
    op.drop_table("consents")
    with op.batch_alter_table("timeline_entries") as batch:
        batch.drop_index("ix_timeline_case_reference")
        batch.drop_column("channel")
        batch.drop_column("case_reference")
        batch.drop_column("audience")
