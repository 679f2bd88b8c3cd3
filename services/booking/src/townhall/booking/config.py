"""Settings of the booking service (environment variables, see townhall.runtime.settings)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field

from townhall.runtime.settings import ServiceSettings


class BookingSettings(ServiceSettings):
    service_name: str = "booking"
    port: int = 8003
    database_url: str = "sqlite+aiosqlite:///var/booking.db"
    #: Folder of calendar files (``*.yaml``, one per service type); the bundled ones
    #: when unset.
    calendar_dir: Path | None = None
    #: How long a hold reserves a slot, unless a calendar file says otherwise (minutes).
    hold_minutes: float = Field(default=10, gt=0)
    #: Whose bank holidays close the calendars: ENG and WLS (the same days), SCT, NIR.
    bank_holidays: Literal["ENG", "WLS", "SCT", "NIR"] = "ENG"
    #: Learn cases from cases' events, and erasures from identity (consumer group "booking").
    consumers_enabled: bool = True
    #: How often reminders falling due and expired holds are looked for (0: never).
    timer_interval_s: float = 60.0
    #: How long a day's availability is kept at most (seconds; 0: not kept). This
    #: process's own bookings refresh it at once; another replica's show after this.
    availability_cache_s: float = Field(default=5.0, ge=0)
