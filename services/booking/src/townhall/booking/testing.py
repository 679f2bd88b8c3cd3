"""Helpers for the booking tests (and other packages' tests of booking): calendars made
through the real file reader, settings, and a case booking knows."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from townhall.booking.adapters.calendar_files import CalendarFile, bank_holidays
from townhall.booking.bootstrap import Booking
from townhall.booking.config import BookingSettings
from townhall.booking.domain import commands
from townhall.booking.domain.calendar import Calendar
from townhall.runtime.outbox import EventContext
from townhall.runtime.settings import KafkaSettings

#: A Monday morning, well away from bank holidays and clock changes.
MONDAY = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
CONTEXT = EventContext(correlation_id="test")
OFFICER = commands.Actor("officer-1", "officer", {"pest_control": ("personal",)}, 2)


def calendar(**overrides: Any) -> Calendar:
    """Pest control with one van, one visit an hour 09:00-12:00 every day, in N and E."""
    values: dict[str, Any] = {
        "service_type": "pest_control",
        "window_days": 28,
        "minimum_notice_hours": 0,
        "cutoff": {"days_before": 1, "at": "14:00"},
        "resources": [
            {
                "code": "van-1",
                "name": "Van 1",
                "kind": "van",
                "areas": ["N", "E1"],
                "hours": {"mon-sun": "09:00-12:00"},
                "slot_minutes": 60,
                "capacity": 1,
            }
        ],
        **overrides,
    }
    return CalendarFile.model_validate(values).to_calendar(10, bank_holidays(range(2025, 2029)))


def calendars(**overrides: Any) -> dict[str, Calendar]:
    found = calendar(**overrides)
    return {found.service_type: found}


def settings_for(database_url: str, **overrides: Any) -> BookingSettings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "kafka": KafkaSettings(),
        "relay_enabled": False,
        "consumers_enabled": False,
        "timer_interval_s": 0,
        **overrides,
    }
    return BookingSettings(**values)


async def known_case(
    booking: Booking,
    *,
    reference: str | None = None,
    service_code: str = "pest_control",
    resident_id: uuid.UUID | None = None,
    postcode: str | None = "N1 2AB",
    uprn: str | None = None,
    postcode_sector: str | None = None,
) -> commands.RecordCase:
    """A case as cases' ``case.submitted`` would tell booking of it (``postcode``: as a
    hold would have given it; cases itself publishes only ``postcode_sector``)."""
    case = commands.RecordCase(
        reference=reference or f"PC-2026-{uuid.uuid4().int % 1_000_000:06d}",
        case_id=uuid.uuid4(),
        service_code=service_code,
        domain=service_code,
        sensitivity="personal",
        resident_id=resident_id or uuid.uuid4(),
        postcode=postcode,
        uprn=uprn,
        postcode_sector=postcode_sector,
    )
    await booking.bus.handle(case, CONTEXT)
    return case


#: Wednesday 4 March 2026, 09:00 GMT: a slot of van-1 in the window from MONDAY.
SLOT = datetime(2026, 3, 4, 9, tzinfo=UTC)
#: A service client: books for any case.
SERVICE = commands.Actor("test", "service")
