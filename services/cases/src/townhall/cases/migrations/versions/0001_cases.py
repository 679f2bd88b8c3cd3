"""Cases, notes, attachments, reference counters, Open311 tokens, contacts; runtime tables.

Revision ID: 0001
Revises:
"""

from alembic import op

from townhall.cases.adapters.orm import metadata
from townhall.runtime.migrations import create_runtime_tables, drop_runtime_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TABLES = (
    "cases",
    "case_notes",
    "case_attachments",
    "case_reference_counters",
    "open311_tokens",
    "contacts",
)


def upgrade() -> None:
    create_runtime_tables()
    bind = op.get_bind()
    for name in TABLES:
        metadata.tables[name].create(bind)


def downgrade() -> None:
    bind = op.get_bind()
    for name in reversed(TABLES):
        metadata.tables[name].drop(bind)
    drop_runtime_tables()
