"""Resident-view shows booking's events on the timeline in words, at the visit's local
time (its summaries live in resident-view; this proves them on booking's contracts)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from townhall.resident_view.projection.entries import summary
from townhall.schemas.events import booking
from townhall.schemas.events.base import DomainEvent

STARTS = datetime(2026, 3, 29, 8, tzinfo=UTC)  # 09:00 BST, the day the clocks change
FIELDS = {
    "case_reference": "PC-2026-000001",
    "case_id": uuid.uuid4(),
    "service_code": "pest_control",
    "domain": "pest_control",
    "sensitivity": "personal",
    "resource": "van-1",
    "starts_at": STARTS,
    "ends_at": STARTS,
    "appointment_id": uuid.uuid4(),
}


@pytest.mark.parametrize(
    ("event", "words"),
    [
        (booking.AppointmentConfirmed(**FIELDS, booked_by="resident:x"), "visit booked for"),
        (booking.AppointmentCancelled(**FIELDS, cancelled_by="x"), "cancelled"),
        (
            booking.AppointmentRescheduled(
                **FIELDS,
                replaces=uuid.uuid4(),
                previous_resource="van-1",
                previous_starts_at=STARTS,
                rescheduled_by="x",
            ),
            "visit moved to",
        ),
        (booking.VisitRecorded(**FIELDS, outcome="not_home", recorded_by="x"), "nobody was home"),
        (booking.ReminderDue(**FIELDS, days_before=1), "reminder of the visit"),
    ],
)
def test_each_booking_event_reads_in_words_at_local_time(event: DomainEvent, words: str) -> None:
    envelope = event.to_envelope(sequence=1, time=STARTS, correlation_id="c")
    text = summary(envelope)
    assert text.startswith("Request PC-2026-000001: ")
    assert words in text and "Sunday 29 March 2026 at 09:00" in text
