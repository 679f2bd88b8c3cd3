"""Settings of the payments service (environment variables, see townhall.runtime.settings)."""

from townhall.runtime.settings import ServiceSettings


class PaymentsSettings(ServiceSettings):
    service_name: str = "payments"
    port: int = 8004
    database_url: str = "sqlite+aiosqlite:///var/payments.db"
