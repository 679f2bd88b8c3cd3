"""Settings of the web front door."""

from townhall.runtime.settings import ServiceSettings


class WebSettings(ServiceSettings):
    service_name: str = "web"
    port: int = 8000
    database_url: str = "sqlite+aiosqlite:///var/web.db"
