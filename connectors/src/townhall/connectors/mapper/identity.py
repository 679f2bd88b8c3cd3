"""Identity's ``POST /records/match``, as the mapper asks it.

Identity away, or answering with a server error, is :class:`RetryableError`: the
consumer tries the batch again later and nothing is lost. A record identity refuses
(400, 422: a malformed NI number or postcode) is :class:`RefusedRecordError`, a
``ValueError``, so that change goes to the dead-letter topic with identity's reason.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import httpx
from pydantic import SecretStr

from townhall.runtime.errors import RetryableError
from townhall.runtime.service_client import ServiceClient, ServiceTokenError

#: ``erased``: the person's email or phone was a resident's erased after the change was
#: observed (``observed_at``); identity created and linked nothing.
Outcome = Literal["linked", "created", "review", "erased"]


class RefusedRecordError(ValueError):
    """Identity refused the record as malformed; its problem detail says which field."""

    def __init__(self, message: str, fields: tuple[str, ...] = ()):
        super().__init__(message)
        #: The fields identity named (``postcode``, ``ni_number``...), where it named any.
        self.fields = fields


@dataclass(frozen=True)
class Answer:
    outcome: Outcome
    resident_id: uuid.UUID | None
    review_id: uuid.UUID | None


@dataclass(frozen=True)
class Decision:
    """What became of a record sent for review: still ``open``, decided with the
    resident it became (the proposed one if accepted, a new one if rejected), or closed
    unanswered because the resident it was about was ``erased`` (no resident)."""

    status: Literal["open", "accepted", "rejected", "erased"]
    resident_id: uuid.UUID | None


class Matcher(Protocol):
    async def match(self, body: dict[str, Any]) -> Answer: ...

    async def decision(self, review_id: uuid.UUID) -> Decision: ...


class IdentityMatcher:
    def __init__(
        self,
        base_url: str,
        client_id: str,
        client_secret: SecretStr,
        *,
        timeout_s: float = 5.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ):
        self._client = ServiceClient(
            base_url, client_id, client_secret, timeout_s=timeout_s, transport=transport
        )

    async def match(self, body: dict[str, Any]) -> Answer:
        try:
            response = await self._client.request("POST", "/records/match", json=body)
        except (httpx.HTTPError, ServiceTokenError) as error:
            raise RetryableError(f"identity is unavailable: {error!r}") from error
        if response.status_code in (400, 422):
            raise RefusedRecordError(
                f"identity refused the record: {_detail(response)}", _fields(response)
            )
        if response.status_code != 200:
            raise RetryableError(f"identity answered HTTP {response.status_code}")
        try:
            found = response.json()
            return Answer(
                outcome=found["outcome"],
                resident_id=_uuid(found.get("resident_id")),
                review_id=_uuid(found.get("review_id")),
            )
        except (ValueError, KeyError, TypeError) as error:
            raise RetryableError(f"identity's answer was not understood: {error!r}") from error

    async def decision(self, review_id: uuid.UUID) -> Decision:
        """Identity's ``GET /review-items/{id}/outcome``; away or failing: RetryableError."""
        try:
            response = await self._client.request("GET", f"/review-items/{review_id}/outcome")
        except (httpx.HTTPError, ServiceTokenError) as error:
            raise RetryableError(f"identity is unavailable: {error!r}") from error
        if response.status_code != 200:
            raise RetryableError(f"identity answered HTTP {response.status_code}")
        try:
            found = response.json()
            return Decision(found["status"], _uuid(found.get("resident_id")))
        except (ValueError, KeyError, TypeError) as error:
            raise RetryableError(f"identity's answer was not understood: {error!r}") from error

    async def aclose(self) -> None:
        await self._client.aclose()


def _uuid(value: str | None) -> uuid.UUID | None:
    return None if value is None else uuid.UUID(value)


def _detail(response: httpx.Response) -> str:
    try:
        problem = response.json()
    except ValueError:
        return f"HTTP {response.status_code}"
    errors = problem.get("errors") if isinstance(problem, dict) else None
    if isinstance(errors, list) and errors:
        return "; ".join(_where(e) + ": " + str(e.get("msg", "")) for e in errors)
    return str(problem.get("detail", response.status_code)) if isinstance(problem, dict) else ""


def _where(error: dict[str, Any]) -> str:
    loc = error.get("loc", [])
    return ".".join(str(part) for part in loc if part != "body") if isinstance(loc, list) else ""


def _fields(response: httpx.Response) -> tuple[str, ...]:
    try:
        errors = response.json().get("errors") or []
        return tuple(_where(e) for e in errors if isinstance(e, dict))
    except (ValueError, AttributeError):
        return ()
