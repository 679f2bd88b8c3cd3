"""The work queue counts cases per status among the service types an officer may see:
an index on (service_code, status) answers that from the index alone.

Revision ID: 0005
Revises: 0004
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_cases_service_code_status", "cases", ["service_code", "status"])


def downgrade() -> None:
    op.drop_index("ix_cases_service_code_status", table_name="cases")
