"""Settings of the web front door."""

from pydantic import Field

from townhall.runtime.settings import ServiceSettings


class WebSettings(ServiceSettings):
    service_name: str = "web"
    port: int = 8000
    database_url: str = "sqlite+aiosqlite:///var/web.db"
    #: Base URL of every service by name (``townhall up`` sets SERVICE_URLS_JSON).
    service_urls: dict[str, str] = Field(default_factory=dict, alias="SERVICE_URLS_JSON")
