"""Settings of the cases service (environment variables, see townhall.runtime.settings)."""

from __future__ import annotations

import os
from pathlib import Path

from townhall.runtime.settings import OptionalSecret, OptionalText, ServiceSettings


class CasesSettings(ServiceSettings):
    service_name: str = "cases"
    port: int = 8002
    database_url: str = "sqlite+aiosqlite:///var/cases.db"
    #: Folder of service type files (``*.yaml``); the bundled catalogue when unset.
    catalogue_dir: Path | None = None
    #: Identity's base URL, for resident matching and residents' data keys; unset: cases
    #: keep the details given, and refuse (503) to publish free text about a resident,
    #: which it could not seal.
    identity_url: OptionalText = None
    #: This service's client of identity (scopes ``residents:match`` and ``pii:read``),
    #: registered with ``python -m townhall.identity add-service-client --client-id cases
    #: --scope residents:match --scope pii:read``.
    identity_client_id: str = "cases"
    identity_client_secret: OptionalSecret = None
    #: How long a case submission waits for identity before recording no resident id,
    #: and a write waits for a resident's data key before answering 503.
    identity_timeout_s: float = 2.0
    #: Residents' data keys kept in memory: how many, and for how long (a resident's is
    #: dropped at once when their erasure reaches cases).
    data_key_cache_size: int = 10_000
    data_key_cache_ttl_s: float = 300.0
    #: React to payments and booking events (consumer group "cases").
    consumers_enabled: bool = True
    #: How often to look for cases past their SLA (0 turns the check off).
    sla_check_interval_s: float = 60.0
    #: Cases identity could not match at submission (it was down): how often to look
    #: for those due to be asked about again (0 turns the retries off), the wait after
    #: the first unanswered ask, and the longest wait between two (doubling up to it).
    resident_match_retry_interval_s: float = 2.0
    resident_match_first_retry_s: float = 2.0
    resident_match_longest_wait_s: float = 600.0
    #: Open311: the keys allowed to POST requests, and this council's jurisdiction id.
    open311_api_keys: list[str] = []
    open311_jurisdiction_id: str = "townhall.example"
    open311_contact: str = "Townhall council, contact@townhall.example"
    #: Look-ups that could sweep (``limits`` notation, moving window): reading cases,
    #: per caller (officer, resident, service client)…
    case_lookup_limit: str = "120/minute"
    #: … and Open311's requests and tokens, per client address.
    open311_lookup_limit: str = "60/minute"
    #: Evidence (files added to cases): where the embedded store keeps them (default:
    #: ``cases-evidence`` under ``TOWNHALL_VAR_DIR``, else ``var/``), the largest file
    #: accepted (bytes, refused while it is read) and how many one case may have.
    evidence_dir: Path | None = None
    evidence_max_bytes: int = 10 * 1024 * 1024
    evidence_max_files: int = 10

    def evidence_folder(self) -> Path:
        var = Path(os.environ.get("TOWNHALL_VAR_DIR") or "var")
        return self.evidence_dir or var / "cases-evidence"
