"""Settings of the cases service (environment variables, see townhall.runtime.settings)."""

from __future__ import annotations

from pathlib import Path

from townhall.runtime.settings import ServiceSettings


class CasesSettings(ServiceSettings):
    service_name: str = "cases"
    port: int = 8002
    database_url: str = "sqlite+aiosqlite:///var/cases.db"
    #: Folder of service type files (``*.yaml``); the bundled catalogue when unset.
    catalogue_dir: Path | None = None
    #: Identity's base URL, for resident matching; unset: cases keep the details given.
    identity_url: str | None = None
    #: React to payments and booking events (consumer group "cases").
    consumers_enabled: bool = True
    #: How often to look for cases past their SLA (0 turns the check off).
    sla_check_interval_s: float = 60.0
    #: Open311: the keys allowed to POST requests, and this council's jurisdiction id.
    open311_api_keys: list[str] = []
    open311_jurisdiction_id: str = "townhall.example"
    open311_contact: str = "Townhall council, contact@townhall.example"
