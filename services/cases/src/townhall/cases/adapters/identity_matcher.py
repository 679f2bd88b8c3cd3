"""Identity's matcher over HTTP: ``POST /records/match`` with a client-credentials token.

Cases is a service client of identity with scope ``residents:match``; its token comes
from ``POST /auth/service-token`` (townhall.runtime.service_client) and is cached until
shortly before it expires. When identity cannot answer (down, slow, overloaded, or
refusing this service's credentials or scope, which an administrator can put right) the
matcher raises :class:`MatchUnavailableError`: the case is recorded without a resident
and asked about again later. A record identity refuses as invalid (400, 422) will not
become valid by asking again: that is "no match", logged.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

import httpx
import structlog
from pydantic import SecretStr

from townhall.cases.domain.commands import Location, Reporter
from townhall.cases.service_layer.matching import ERASED, Match, MatchUnavailableError
from townhall.runtime.service_client import ServiceClient, ServiceTokenError

log = structlog.get_logger(__name__)

#: The system identity records this record under; the reference is the case id.
SYSTEM = "cases"
SCOPE = "residents:match"
_POSTCODE = re.compile(r"\b([A-Z]{1,2}[0-9][0-9A-Z]?)\s*([0-9][A-Z]{2})\b", re.IGNORECASE)


#: Identity refused the record itself: asking again will not change the answer.
REFUSED_RECORD = frozenset({400, 422})


def postcode_in(address: str | None) -> str | None:
    """The last UK-postcode-shaped text in a free-text address, e.g. "SW1A 1AA"."""
    found = _POSTCODE.findall(address or "")
    return f"{found[-1][0]} {found[-1][1]}".upper() if found else None


def match_request(
    reporter: Reporter,
    location: Location | None,
    reference: str,
    observed_at: datetime | None = None,
) -> dict[str, Any]:
    """Identity's ``IncomingRecordRequest``: names, contact points and the postcode, and
    when the case was submitted (``observed_at``: a record observed before its person's
    erasure is answered ``erased``).

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
        "observed_at": observed_at.isoformat() if observed_at else None,
    }
    return {key: value for key, value in body.items() if value is not None}


class HttpResidentMatcher:
    """Asks identity's ``POST /records/match``; identity unable to answer raises
    :class:`MatchUnavailableError` ("ask again later")."""

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
        self._client = ServiceClient(
            base_url,
            client_id,
            client_secret,
            timeout_s=timeout_s,
            transport=transport,
            clock=clock,
        )

    async def match(
        self,
        reporter: Reporter,
        location: Location | None,
        reference: str,
        *,
        observed_at: datetime | None = None,
    ) -> Match:
        if not (reporter.given_name and reporter.family_name):
            log.info("resident_match_skipped", reason="no name given", reference=reference)
            return None
        body = match_request(reporter, location, reference, observed_at)
        try:
            response = await self._client.request("POST", "/records/match", json=body)
        except (httpx.HTTPError, ServiceTokenError) as exc:
            log.warning("resident_match_unavailable", reference=reference, error=repr(exc))
            raise MatchUnavailableError(repr(exc)) from exc
        if response.status_code in REFUSED_RECORD:
            log.warning("resident_match_refused", reference=reference, status=response.status_code)
            return None
        if response.status_code != 200:
            log.warning(
                "resident_match_unavailable", reference=reference, status=response.status_code
            )
            raise MatchUnavailableError(f"identity answered HTTP {response.status_code}")
        try:
            found = response.json()
            if found.get("outcome") == "erased":
                log.info("resident_match_erased", reference=reference)
                return ERASED
            resident_id = found.get("resident_id")
            matched = uuid.UUID(resident_id) if resident_id else None
        except (ValueError, AttributeError) as exc:
            raise MatchUnavailableError(f"identity's answer was not understood: {exc!r}") from exc
        log.info("resident_matched", reference=reference, outcome=found.get("outcome"))
        return matched

    async def aclose(self) -> None:
        await self._client.aclose()
