"""The other services' APIs as web calls them: over HTTP, never their databases.

Each client is a thin wrapper over one ``httpx.AsyncClient`` (a transport may be passed
in: tests run the services in-process). Every failure becomes one of the errors below,
so pages decide once what each means to the officer.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx
import structlog

log = structlog.get_logger(__name__)
Params = Sequence[tuple[str, str]]


class UpstreamError(Exception):
    """A service did not give what was asked for."""

    def __init__(self, status: int, detail: str = "", kind: str = "") -> None:
        super().__init__(f"{status}: {detail}")
        #: ``kind``: the last part of the problem's ``type`` (e.g. ``cut-off-passed``).
        self.status, self.detail, self.kind = status, detail, kind


class NotSignedInError(UpstreamError):
    """401: the token or the credentials were refused."""


class RefusedError(UpstreamError):
    """403: this officer may not do this."""


class NotFoundError(UpstreamError):
    """404."""


class ThrottledError(UpstreamError):
    """429: too many look-ups; ``retry_after`` seconds until the next is allowed."""

    def __init__(self, status: int, detail: str = "", retry_after: int | None = None) -> None:
        super().__init__(status, detail)
        self.retry_after = retry_after


class ConflictError(UpstreamError):
    """409: the thing has moved on (a case no longer in the state the change needs)."""


class InvalidError(UpstreamError):
    """400 or 422: the service refused what was sent (``detail`` says why)."""


class UnavailableError(UpstreamError):
    """The service could not be reached, or failed (5xx)."""


def _detail(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    if isinstance(body, dict):
        return str(body.get("detail") or body.get("title") or "")
    return ""


def _kind(response: httpx.Response) -> str:
    """The problem's type, its last path segment ("" when there is none)."""
    try:
        body = response.json()
    except ValueError:
        return ""
    return str(body.get("type") or "").rsplit("/", 1)[-1] if isinstance(body, dict) else ""


def _raise_for(response: httpx.Response) -> None:
    status = response.status_code
    if status < 400:
        return
    detail = _detail(response)
    if status == 401:
        raise NotSignedInError(status, detail)
    if status == 403:
        raise RefusedError(status, detail)
    if status == 404:
        raise NotFoundError(status, detail)
    if status == 429:
        after = response.headers.get("retry-after", "")
        raise ThrottledError(status, detail, int(after) if after.isdigit() else None)
    if status == 409:
        raise ConflictError(status, detail, _kind(response))
    if status in (400, 422):
        raise InvalidError(status, detail)
    raise UnavailableError(status, detail)


#: For callers that send a request themselves (a file upload, a streamed download).
raise_for = _raise_for


class ServiceClient:
    """One service's base URL and HTTP client."""

    def __init__(
        self,
        name: str,
        base_url: str | None,
        *,
        timeout_s: float,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.name = name
        self.configured = base_url is not None
        self.http = httpx.AsyncClient(
            base_url=(base_url or "http://unconfigured.invalid").rstrip("/"),
            transport=transport,
            timeout=timeout_s,
        )

    async def aclose(self) -> None:
        await self.http.aclose()

    async def call(
        self,
        method: str,
        path: str,
        *,
        token: str | None = None,
        params: Params = (),
        json: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        if not self.configured:
            raise UnavailableError(503, f"{self.name} is not configured")
        sent = dict(headers or {})
        if token:
            sent["Authorization"] = f"Bearer {token}"
        try:
            response = await self.http.request(
                method, path, params=list(params), json=json, headers=sent
            )
        except httpx.HTTPError as exc:
            log.warning("upstream_unreachable", service=self.name, error=type(exc).__name__)
            raise UnavailableError(503, f"{self.name} did not answer") from exc
        _raise_for(response)
        if response.status_code == 204 or not response.content:
            return None
        return response.json()


@dataclass(frozen=True)
class Issued:
    """Identity's answer to a sign-in or a refresh."""

    access_token: str
    refresh_token: str
    expires_in: int


def _issued(body: Mapping[str, Any]) -> Issued:
    return Issued(str(body["access_token"]), str(body["refresh_token"]), int(body["expires_in"]))


class Identity:
    """Officers' sign-in, refresh and sign-out; residents' records."""

    def __init__(self, client: ServiceClient) -> None:
        self.client = client

    async def sign_in(self, email: str, password: str, client_address: str) -> Issued:
        body = await self.client.call(
            "POST",
            "/auth/officer-token",
            json={"email": email, "password": password},
            headers={"X-Forwarded-For": client_address},
        )
        return _issued(body)

    async def refresh(self, refresh_token: str, client_address: str) -> Issued:
        body = await self.client.call(
            "POST",
            "/auth/refresh",
            json={"refresh_token": refresh_token},
            headers={"X-Forwarded-For": client_address},
        )
        return _issued(body)

    async def sign_out(self, refresh_token: str) -> None:
        await self.client.call("POST", "/auth/logout", json={"refresh_token": refresh_token})

    async def resident(self, token: str, resident_id: str) -> dict[str, Any]:
        record: dict[str, Any] = await self.client.call(
            "GET", f"/residents/{resident_id}", token=token
        )
        return record

    async def consents(self, token: str, resident_id: str) -> list[str]:
        """The service areas the resident shares their history with."""
        found = await self.client.call("GET", f"/residents/{resident_id}/consents", token=token)
        return [str(domain) for domain in found.get("domains", [])]

    async def unmerge(self, token: str, survivor_id: str, merged_id: str) -> None:
        """Undo a merge: ``merged_id`` is its own resident again (identity's event)."""
        path = f"/residents/{quote(survivor_id, safe='')}/unmerge"
        await self.client.call("POST", path, token=token, json={"merged_id": merged_id})


class Matches:
    """Identity's review queue of uncertain matches (officers of identity or the contact
    centre decide them)."""

    def __init__(self, client: ServiceClient) -> None:
        self.client = client

    async def open_items(self, token: str) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = await self.client.call(
            "GET", "/review-items", token=token, params=[("status", "open"), ("limit", "200")]
        )
        return found

    async def decide(self, token: str, review_id: str, accept: bool) -> dict[str, Any]:
        decision = "accept" if accept else "reject"
        path = f"/review-items/{quote(review_id, safe='')}/{decision}"
        outcome: dict[str, Any] = await self.client.call("POST", path, token=token)
        return outcome


class ResidentView:
    """Search and the joined-up timeline; resident-view audits both with the purpose."""

    def __init__(self, client: ServiceClient) -> None:
        self.client = client

    async def search(self, token: str, purpose: str, criteria: Params) -> dict[str, Any]:
        params = [("purpose", purpose), *criteria]
        found: dict[str, Any] = await self.client.call(
            "GET", "/residents/search", token=token, params=params
        )
        return found

    async def audit(
        self, token: str, kind: str, filters: Params = (), limit: int = 50
    ) -> list[dict[str, Any]]:
        """``kind``: ``""`` (reads of histories) or ``"lookups"`` (searches, tracking);
        ``filters``: resident-view's (``resident_id``, ``viewer``, ``since``, ``until``,
        ``purpose``, ``offset``, and ``action`` for look-ups)."""
        path = "/audit/lookups" if kind == "lookups" else "/audit"
        found: list[dict[str, Any]] = await self.client.call(
            "GET", path, token=token, params=[("limit", str(limit)), *filters]
        )
        return found

    async def tracking(self, token: str, reference: str, purpose: str) -> dict[str, Any]:
        """One request's steps, state and due date, as the token's holder may see them."""
        path = f"/tracking/{quote(reference, safe='')}"
        found: dict[str, Any] = await self.client.call(
            "GET", path, token=token, params=[("purpose", purpose)]
        )
        return found

    async def timeline(
        self, token: str, resident_id: str, purpose: str, filters: Params = ()
    ) -> dict[str, Any]:
        params = [("purpose", purpose), ("limit", "25"), *filters]
        page: dict[str, Any] = await self.client.call(
            "GET", f"/residents/{resident_id}/timeline", token=token, params=params
        )
        return page


#: How long the public catalogue (read without a token) is kept, per language: a council
#: changes it by editing files and restarting cases, and every tracking page names the
#: service types of its steps.
CATALOGUE_KEPT_S = 60.0


class Cases:
    """The catalogue, requests, the officer's work queue and cases."""

    def __init__(
        self, client: ServiceClient, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.client = client
        self._clock = clock
        self._catalogue: dict[str, tuple[float, list[dict[str, Any]]]] = {}

    async def case(self, token: str, reference: str) -> dict[str, Any]:
        found: dict[str, Any] = await self.client.call(
            "GET", f"/cases/{quote(reference, safe='')}", token=token
        )
        return found

    async def move(self, token: str, reference: str, to: str, reason: str) -> None:
        path = f"/cases/{quote(reference, safe='')}/transitions"
        await self.client.call("POST", path, token=token, json={"to": to, "reason": reason})

    async def assign(self, token: str, reference: str, team: str, officer: str | None) -> None:
        path = f"/cases/{quote(reference, safe='')}/assignment"
        body = {"team": team, **({"officer": officer} if officer else {})}
        await self.client.call("PUT", path, token=token, json=body)

    async def write(self, token: str, reference: str, kind: str, text: str) -> None:
        """``kind``: ``updates`` (the resident sees it) or ``notes`` (officers only)."""
        path = f"/cases/{quote(reference, safe='')}/{kind}"
        await self.client.call("POST", path, token=token, json={"text": text})

    async def service_types(self, token: str | None, language: str = "en") -> list[dict[str, Any]]:
        """The catalogue, its names, questions and choices in ``language`` (the public
        one kept for :data:`CATALOGUE_KEPT_S`; each caller gets its own copy)."""
        kept = self._catalogue.get(language) if token is None else None
        if kept is not None and self._clock() < kept[0]:
            return copy.deepcopy(kept[1])
        found: list[dict[str, Any]] = await self.client.call(
            "GET", "/service-types", token=token, params=[("language", language)]
        )
        if token is None:
            self._catalogue[language] = (self._clock() + CATALOGUE_KEPT_S, copy.deepcopy(found))
        return found

    async def service_type(
        self, token: str | None, code: str, language: str = "en"
    ) -> dict[str, Any]:
        path = f"/service-types/{quote(code, safe='')}"
        found: dict[str, Any] = await self.client.call(
            "GET", path, token=token, params=[("language", language)]
        )
        return found

    async def submit(self, token: str | None, case: Mapping[str, Any]) -> str:
        """Raise a request (``token`` None: a resident reporting anonymously); its
        reference."""
        created = await self.client.call("POST", "/cases", token=token, json=case)
        return str(created["reference"])

    async def log_contact(self, token: str, contact: Mapping[str, Any]) -> None:
        await self.client.call("POST", "/contacts", token=token, json=contact)

    async def queue(self, token: str, params: Params = ()) -> dict[str, Any]:
        page: dict[str, Any] = await self.client.call("GET", "/queue", token=token, params=params)
        return page

    async def queue_counts(self, token: str, params: Params = ()) -> dict[str, Any]:
        """How many of the cases this officer may work are in each status."""
        found: dict[str, Any] = await self.client.call(
            "GET", "/queue/counts", token=token, params=params
        )
        return found
