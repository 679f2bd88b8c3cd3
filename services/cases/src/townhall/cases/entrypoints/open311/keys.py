"""Open311's own checks of who is asking: the jurisdiction and the council's api_keys.

GeoReport v2, Errors: "403 - Missing or Invalid API Key"; "404 - jurisdiction_id
provided was not found".
"""

from __future__ import annotations

import hmac

from townhall.cases.config import CasesSettings
from townhall.cases.entrypoints.open311.parameters import Open311Error


def checked(settings: CasesSettings, fmt: str, jurisdiction_id: str | None) -> CasesSettings:
    if jurisdiction_id and jurisdiction_id != settings.open311_jurisdiction_id:
        raise Open311Error(404, [f"jurisdiction_id {jurisdiction_id!r} is not served here"], fmt)
    return settings


def keyed(settings: CasesSettings, api_key: str | None, fmt: str) -> bool:
    """Whether the caller holds an Open311 key; a key that is wrong is refused, never
    taken as no key (it would hide a misconfigured integrator behind public answers)."""
    if api_key is None:
        return False
    if not valid_key(settings, api_key):
        raise Open311Error(403, ["invalid api_key"], fmt)
    return True


def required_key(settings: CasesSettings, api_key: str | None, fmt: str) -> None:
    """Where the api_key is required: refused without one, and with a wrong one."""
    if not api_key:
        raise Open311Error(403, ["api_key is required"], fmt)
    if not valid_key(settings, api_key):
        raise Open311Error(403, ["invalid api_key"], fmt)


def valid_key(settings: CasesSettings, api_key: str | None) -> bool:
    given = (api_key or "").encode()
    return any(hmac.compare_digest(given, key.encode()) for key in settings.open311_api_keys)
