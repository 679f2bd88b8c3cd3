"""Settings of the cases service (environment variables, see townhall.runtime.settings)."""

from townhall.runtime.settings import ServiceSettings


class CasesSettings(ServiceSettings):
    service_name: str = "cases"
    port: int = 8002
    database_url: str = "sqlite+aiosqlite:///var/cases.db"
