"""Settings of the notifications service (environment variables, see townhall.runtime.settings)."""

from townhall.runtime.settings import ServiceSettings


class NotificationsSettings(ServiceSettings):
    service_name: str = "notifications"
    port: int = 8005
    database_url: str = "sqlite+aiosqlite:///var/notifications.db"
