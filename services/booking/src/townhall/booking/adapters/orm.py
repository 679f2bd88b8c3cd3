"""Booking's tables (its own database; no other service reads them)."""

from sqlalchemy import (
    Column,
    Date,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Uuid,
)

from townhall.runtime.types import UtcDateTime

metadata = MetaData()

#: What booking knows of each case it may book for (from cases' case.submitted).
booking_cases = Table(
    "booking_cases",
    metadata,
    Column("reference", String(32), primary_key=True),
    Column("case_id", Uuid, nullable=False),
    Column("service_code", String(64), nullable=False),
    Column("domain", String(64), nullable=False),
    Column("sensitivity", String(16), nullable=False),
    Column("resident_id", Uuid, nullable=True, index=True),
    Column("postcode", String(10), nullable=True),
    Column("uprn", String(16), nullable=True),
    Column("postcode_sector", String(8), nullable=True),
)

#: One row per place taken. The primary key (pool, place) is the double-booking guard:
#: two bookings can never take the same place, whatever runs at once. A hold's rows
#: carry its expiry (past it they are free and the next writer reclaims them); an
#: appointment's have none.
places = Table(
    "booking_places",
    metadata,
    Column("pool", String(200), primary_key=True),
    Column("place", Integer, primary_key=True, autoincrement=False),
    Column("kind", String(16), nullable=False),
    Column("resource", String(64), nullable=True),
    Column("day", Date, nullable=False),
    Column("holder_id", Uuid, nullable=False, index=True),
    Column("expires_at", UtcDateTime(), nullable=True),
    Index("ix_booking_places_resource_day", "resource", "day"),
)

holds = Table(
    "booking_holds",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("case_reference", String(32), nullable=False, index=True),
    Column("resource", String(64), nullable=False),
    Column("starts_at", UtcDateTime(), nullable=False),
    Column("ends_at", UtcDateTime(), nullable=False),
    Column("property_key", String(64), nullable=False),
    Column("pools", Integer, nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False, index=True),
    Column("held_by", String(200), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
)

appointments = Table(
    "booking_appointments",
    metadata,
    Column("id", Uuid, primary_key=True),
    #: Confirming a hold twice gives the same appointment: one per hold, in the database.
    Column("hold_id", Uuid, nullable=True, unique=True),
    #: Rescheduling one appointment twice at once cannot give two replacements.
    Column("replaces", Uuid, nullable=True, unique=True),
    Column("replaced_by", Uuid, nullable=True),
    Column("case_reference", String(32), nullable=False, index=True),
    Column("resource", String(64), nullable=False),
    Column("starts_at", UtcDateTime(), nullable=False),
    Column("ends_at", UtcDateTime(), nullable=False),
    Column("day", Date, nullable=False),
    Column("property_key", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("outcome", String(16), nullable=True),
    Column("booked_by", String(200), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("version", Integer, nullable=False),
    Index("ix_booking_appointments_resource_day", "resource", "day"),
    Index("ix_booking_appointments_status_starts_at", "status", "starts_at"),
)

#: Reminders already due: one row per appointment and days-before, so each is sent once.
reminders = Table(
    "booking_reminders",
    metadata,
    Column("appointment_id", Uuid, primary_key=True),
    Column("days_before", Integer, primary_key=True, autoincrement=False),
    Column("due_at", UtcDateTime(), nullable=False),
)
