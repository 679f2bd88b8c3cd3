"""Dead letters kept in the service's own database (th_dead_letters).

Revision ID: 0008
Revises: 0007
"""

from townhall.runtime.migrations import create_runtime_table, drop_runtime_table

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_runtime_table("th_dead_letters")


def downgrade() -> None:
    drop_runtime_table("th_dead_letters")
