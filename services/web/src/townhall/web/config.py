"""Settings of the web front door."""

from pathlib import Path
from typing import Literal

from pydantic import Field

from townhall.runtime.settings import ServiceSettings

#: Where ``make web-assets`` puts GOV.UK Frontend's built files (gitignored).
DEFAULT_ASSETS_DIR = Path(__file__).resolve().parents[3] / "build" / "assets"


class WebSettings(ServiceSettings):
    service_name: str = "web"
    port: int = 8000
    database_url: str = "sqlite+aiosqlite:///var/web.db"
    #: GOV.UK Frontend's stylesheet, scripts and images, served under /assets.
    web_assets_dir: Path = DEFAULT_ASSETS_DIR
    #: The council's name in the header of every page.
    web_council_name: str = "Townhall Council"
    #: An idle officer session ends after this long (identity ends it sooner when it
    #: refuses a refresh: a revoked role, sign-out elsewhere, the end of the shift).
    web_session_idle_s: float = Field(default=30 * 60, gt=0)
    #: Sessions kept at most (anonymous ones, holding only a language and a CSRF token,
    #: are dropped first when the store is full).
    web_session_limit: int = Field(default=10_000, gt=0)
    #: Where sessions live: in this process (one web process, or sticky routing), or in
    #: web's database (``DATABASE_URL``: SQLite or PostgreSQL), shared by every replica.
    web_session_store: Literal["memory", "database"] = "memory"
    #: How long a call to another service may take before the page says it is unavailable.
    web_upstream_timeout_s: float = Field(default=10.0, gt=0)
    #: The largest "Upload evidence" post (several files at once; each file's own limit
    #: and how many a request may have are cases'). Every other form keeps
    #: ``HTTP_MAX_BODY_BYTES``.
    web_evidence_max_body_bytes: int = Field(default=50 * 1024 * 1024, gt=0)
