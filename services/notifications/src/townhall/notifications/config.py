"""Settings of the notifications service (environment variables, see townhall.runtime.settings)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from townhall.runtime.settings import OptionalSecret, OptionalText, ServiceSettings


class NotificationsSettings(ServiceSettings):
    service_name: str = "notifications"
    port: int = 8005
    database_url: str = "sqlite+aiosqlite:///var/notifications.db"
    #: A folder with ``rules/`` and ``templates/`` (the council's); the bundled ones when unset.
    rules_dir: Path | None = None
    #: ``mailbox``: the development mailbox (the embedded default, development only);
    #: ``notify``: GOV.UK Notify with NOTIFY_API_KEY (and NOTIFY_BASE_URL).
    sender: Literal["mailbox", "notify"] = "mailbox"
    notify_api_key: OptionalSecret = None
    notify_base_url: str = "https://api.notifications.service.gov.uk"
    notify_per_minute: int = 3000
    #: The bearer token Notify sends with delivery receipts (set the same in Notify).
    notify_callback_token: OptionalSecret = None
    #: Identity: residents' data keys (scope ``pii:read``), registered with ``python -m
    #: townhall.identity add-service-client --client-id notifications --scope pii:read``.
    identity_url: OptionalText = None
    identity_client_id: str = "notifications"
    identity_client_secret: OptionalSecret = None
    identity_timeout_s: float = 2.0
    data_key_cache_size: int = 10_000
    data_key_cache_ttl_s: float = 300.0
    #: Consume cases' and identity's events (consumer group "notifications").
    consumers_enabled: bool = True
    #: How often to send what is due (0: never; tests dispatch by hand).
    dispatch_interval_s: float = 1.0
    dispatch_batch: int = 100
