"""Settings of the booking service (environment variables, see townhall.runtime.settings)."""

from townhall.runtime.settings import ServiceSettings


class BookingSettings(ServiceSettings):
    service_name: str = "booking"
    port: int = 8003
    database_url: str = "sqlite+aiosqlite:///var/booking.db"
