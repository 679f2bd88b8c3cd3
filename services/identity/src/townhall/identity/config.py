"""Settings of the identity service (environment variables, see townhall.runtime.settings)."""

from townhall.runtime.settings import ServiceSettings


class IdentitySettings(ServiceSettings):
    service_name: str = "identity"
    port: int = 8001
    database_url: str = "sqlite+aiosqlite:///var/identity.db"
