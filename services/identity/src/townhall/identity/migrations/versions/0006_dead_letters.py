"""Dead letters kept in the service's own database (th_dead_letters).

Revision ID: 0006
Revises: 0005
"""

from townhall.runtime.migrations import create_runtime_table, drop_runtime_table

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_runtime_table("th_dead_letters")


def downgrade() -> None:
    drop_runtime_table("th_dead_letters")
