"""Identity's matcher over HTTP: ``POST /records/match`` with a client-credentials token.

Cases is a service client of identity with scope ``residents:match``. Its token comes
from ``POST /auth/service-token`` and is cached until shortly before it expires. Any
failure (identity down, slow, refusing the record or the credentials) is logged and
answered with None: the case is still recorded, without a resident id.
"""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import structlog
from pydantic import SecretStr

from townhall.cases.domain.commands import Location, Reporter

log = structlog.get_logger(__name__)

#: The system identity records this record under; the reference is the case id.
SYSTEM = "cases"
SCOPE = "residents:match"
_POSTCODE = re.compile(r"\b([A-Z]{1,2}[0-9][0-9A-Z]?)\s*([0-9][A-Z]{2})\b", re.IGNORECASE)


class IdentityUnavailableError(Exception):
    """Identity did not give a usable answer (the matcher turns this into None)."""


def postcode_in(address: str | None) -> str | None:
    """The last UK-postcode-shaped text in a free-text address, e.g. "SW1A 1AA"."""
    found = _POSTCODE.findall(address or "")
    return f"{found[-1][0]} {found[-1][1]}".upper() if found else None


def match_request(reporter: Reporter, location: Location | None, reference: str) -> dict[str, Any]:
    """Identity's ``IncomingRecordRequest``: names, contact points and the postcode.

    Identity matches on postcode only; the UPRN and the rest of the address stay in cases.
    """
    body: dict[str, Any] = {
        "system": SYSTEM,
        "reference": reference,
        "given_name": reporter.given_name,
        "family_name": reporter.family_name,
        "email": reporter.email,
        "phone": reporter.phone,
        "postcode": postcode_in(location.address) if location else None,
    }
    return {key: value for key, value in body.items() if value is not None}


class TokenCache:
    """One service token, fetched on first use and again ``margin_s`` before it expires."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        client_id: str,
        client_secret: SecretStr,
        *,
        margin_s: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ):
        self._http, self._client_id, self._secret = http, client_id, client_secret
        self._margin_s, self._clock = margin_s, clock
        self._token: str | None = None
        self._refresh_at = 0.0
        self._lock = asyncio.Lock()

    async def token(self) -> str:
        async with self._lock:
            if self._token is None or self._clock() >= self._refresh_at:
                await self._fetch()
            assert self._token is not None
            return self._token

    def forget(self) -> None:
        """Drop the token (identity refused it), so the next call fetches a new one."""
        self._token = None

    async def _fetch(self) -> None:
        body = {
            "grant_type": "client_credentials",
            "client_id": self._client_id,
            "client_secret": self._secret.get_secret_value(),
        }
        started = self._clock()
        response = await self._http.post("/auth/service-token", json=body)
        if response.status_code != 200:
            raise IdentityUnavailableError(f"service token refused: HTTP {response.status_code}")
        issued = response.json()
        lifetime = float(issued["expires_in"])
        self._token = str(issued["access_token"])
        self._refresh_at = started + max(lifetime - self._margin_s, lifetime / 2)


class HttpResidentMatcher:
    """Asks identity's ``POST /records/match``; any failure means "no match yet"."""

    def __init__(
        self,
        base_url: str,
        client_id: str,
        client_secret: SecretStr,
        *,
        timeout_s: float = 2.0,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
    ):
        self._http = httpx.AsyncClient(
            base_url=base_url.rstrip("/"), timeout=timeout_s, transport=transport
        )
        self.tokens = TokenCache(self._http, client_id, client_secret, clock=clock)

    async def match(
        self, reporter: Reporter, location: Location | None, reference: str
    ) -> uuid.UUID | None:
        if not (reporter.given_name and reporter.family_name):
            log.info("resident_match_skipped", reason="no name given", reference=reference)
            return None
        body = match_request(reporter, location, reference)
        try:
            return await self._match(body)
        except (httpx.HTTPError, IdentityUnavailableError, KeyError, ValueError) as exc:
            log.warning("resident_match_failed", reference=reference, error=repr(exc))
            return None

    async def _match(self, body: dict[str, Any]) -> uuid.UUID | None:
        response = await self._post(body)
        if response.status_code == 401:  # revoked or rotated early: one fresh token
            self.tokens.forget()
            response = await self._post(body)
        if response.status_code != 200:
            raise IdentityUnavailableError(f"match refused: HTTP {response.status_code}")
        found = response.json()
        log.info("resident_matched", reference=body["reference"], outcome=found["outcome"])
        return uuid.UUID(found["resident_id"]) if found.get("resident_id") else None

    async def _post(self, body: dict[str, Any]) -> httpx.Response:
        token = await self.tokens.token()
        headers = {"Authorization": f"Bearer {token}"}
        return await self._http.post("/records/match", json=body, headers=headers)

    async def aclose(self) -> None:
        await self._http.aclose()
