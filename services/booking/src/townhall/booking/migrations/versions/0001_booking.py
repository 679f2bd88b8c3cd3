"""Cases booking knows, places taken, holds, appointments, reminders; runtime tables.

Frozen: the tables as they were at this revision, not read from the ORM metadata, so
later changes to the models need a migration of their own (the drift test checks).

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

from townhall.runtime.migrations import (
    create_runtime_table,
    create_runtime_tables,
    drop_runtime_table,
    drop_runtime_tables,
)

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _timestamp(name: str, nullable: bool = False) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _cases_and_places() -> None:
    op.create_table(
        "booking_cases",
        sa.Column("reference", sa.String(32), primary_key=True),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("service_code", sa.String(64), nullable=False),
        sa.Column("domain", sa.String(64), nullable=False),
        sa.Column("sensitivity", sa.String(16), nullable=False),
        sa.Column("resident_id", sa.Uuid(), nullable=True),
        sa.Column("postcode", sa.String(10), nullable=True),
        sa.Column("uprn", sa.String(16), nullable=True),
    )
    op.create_index("ix_booking_cases_resident_id", "booking_cases", ["resident_id"])
    op.create_table(
        "booking_places",
        sa.Column("pool", sa.String(200), primary_key=True),
        sa.Column("place", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("resource", sa.String(64), nullable=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("holder_id", sa.Uuid(), nullable=False),
        _timestamp("expires_at", nullable=True),
    )
    op.create_index("ix_booking_places_holder_id", "booking_places", ["holder_id"])
    op.create_index("ix_booking_places_resource_day", "booking_places", ["resource", "day"])


def _holds_and_appointments() -> None:
    op.create_table(
        "booking_holds",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("case_reference", sa.String(32), nullable=False),
        sa.Column("resource", sa.String(64), nullable=False),
        _timestamp("starts_at"),
        _timestamp("ends_at"),
        sa.Column("property_key", sa.String(64), nullable=False),
        sa.Column("pools", sa.Integer(), nullable=False),
        _timestamp("expires_at"),
        sa.Column("held_by", sa.String(200), nullable=False),
        _timestamp("created_at"),
    )
    op.create_index("ix_booking_holds_case_reference", "booking_holds", ["case_reference"])
    op.create_index("ix_booking_holds_expires_at", "booking_holds", ["expires_at"])
    op.create_table(
        "booking_appointments",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("hold_id", sa.Uuid(), nullable=True, unique=True),
        sa.Column("replaces", sa.Uuid(), nullable=True, unique=True),
        sa.Column("replaced_by", sa.Uuid(), nullable=True),
        sa.Column("case_reference", sa.String(32), nullable=False),
        sa.Column("resource", sa.String(64), nullable=False),
        _timestamp("starts_at"),
        _timestamp("ends_at"),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("property_key", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=True),
        sa.Column("booked_by", sa.String(200), nullable=False),
        _timestamp("created_at"),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_index(
        "ix_booking_appointments_case_reference", "booking_appointments", ["case_reference"]
    )
    op.create_index(
        "ix_booking_appointments_resource_day", "booking_appointments", ["resource", "day"]
    )
    op.create_index(
        "ix_booking_appointments_status_starts_at", "booking_appointments", ["status", "starts_at"]
    )
    op.create_table(
        "booking_reminders",
        sa.Column("appointment_id", sa.Uuid(), primary_key=True),
        sa.Column("days_before", sa.Integer(), primary_key=True, autoincrement=False),
        _timestamp("due_at"),
    )


def upgrade() -> None:
    create_runtime_tables()
    create_runtime_table("th_dead_letters")
    _cases_and_places()
    _holds_and_appointments()


def downgrade() -> None:
    for table in (
        "booking_reminders",
        "booking_appointments",
        "booking_holds",
        "booking_places",
        "booking_cases",
    ):
        op.drop_table(table)
    drop_runtime_table("th_dead_letters")
    drop_runtime_tables()
