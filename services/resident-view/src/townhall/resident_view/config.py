"""Settings of resident-view (environment variables, see townhall.runtime.settings)."""

from townhall.runtime.settings import ServiceSettings


class ResidentViewSettings(ServiceSettings):
    service_name: str = "resident-view"
    port: int = 8006
    database_url: str = "sqlite+aiosqlite:///var/resident-view.db"
