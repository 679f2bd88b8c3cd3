"""Finding the resident a case is about, through identity's matcher (a port).

Identity's matcher has not landed yet. :class:`HttpResidentMatcher` calls it when
``IDENTITY_URL`` is configured; otherwise :class:`NoMatcher` leaves the case with the
details given and no resident id, for the matcher to link later.
"""

from __future__ import annotations

import logging
import uuid
from typing import Protocol

import httpx

from townhall.cases.domain.commands import Location, Reporter

log = logging.getLogger(__name__)


class ResidentMatcher(Protocol):
    async def match(self, reporter: Reporter, location: Location | None) -> uuid.UUID | None:
        """The resident these details belong to, if one is certain enough; else None."""
        ...


class NoMatcher:
    async def match(self, reporter: Reporter, location: Location | None) -> uuid.UUID | None:
        return None


class HttpResidentMatcher:
    """Asks identity's ``POST /residents/match``; any failure means "no match yet"."""

    def __init__(self, base_url: str, timeout_s: float = 2.0):
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s

    async def match(self, reporter: Reporter, location: Location | None) -> uuid.UUID | None:
        body = {
            "given_name": reporter.given_name,
            "family_name": reporter.family_name,
            "email": reporter.email,
            "phone": reporter.phone,
            "uprn": location.uprn if location else None,
        }
        try:
            async with httpx.AsyncClient(timeout=self.timeout_s) as client:
                response = await client.post(f"{self.base_url}/residents/match", json=body)
            response.raise_for_status()
            found = response.json().get("resident_id")
            return uuid.UUID(found) if found else None
        except (httpx.HTTPError, ValueError) as exc:
            log.warning("resident matching unavailable", extra={"error": repr(exc)})
            return None
