"""Calling another service as a service: OAuth 2.0 client credentials against identity.

A service registered with identity as a client (``python -m townhall.identity
add-service-client``) gets a short-lived token from ``POST /auth/service-token`` and
presents it as a bearer token. :class:`ServiceTokens` fetches it on first use and again
shortly before it expires; :class:`ServiceClient` adds it to each request and, when a
token is refused (revoked, or identity's keys rotated early), fetches one fresh token
and tries once more::

    client = ServiceClient("http://identity:8001", "resident-view", secret)
    response = await client.request("GET", f"/residents/{rid}/data-key")

Failures are the caller's to interpret: transport errors are ``httpx.HTTPError``, a
token identity will not issue is :class:`ServiceTokenError`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import httpx
from pydantic import SecretStr

__all__ = ["TOKEN_PATH", "ServiceClient", "ServiceTokenError", "ServiceTokens"]

TOKEN_PATH = "/auth/service-token"


class ServiceTokenError(Exception):
    """Identity did not issue a service token (wrong credentials, or not a token)."""


class ServiceTokens:
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
        """Drop the token (it was refused), so the next call fetches a new one."""
        self._token = None

    async def _fetch(self) -> None:
        body = {
            "grant_type": "client_credentials",
            "client_id": self._client_id,
            "client_secret": self._secret.get_secret_value(),
        }
        started = self._clock()
        response = await self._http.post(TOKEN_PATH, json=body)
        if response.status_code != 200:
            raise ServiceTokenError(f"service token refused: HTTP {response.status_code}")
        try:
            issued = response.json()
            lifetime = float(issued["expires_in"])
            token = str(issued["access_token"])
        except (ValueError, KeyError, TypeError) as exc:
            raise ServiceTokenError("the service token response is not a token") from exc
        self._token = token
        self._refresh_at = started + max(lifetime - self._margin_s, lifetime / 2)


class ServiceClient:
    """An HTTP client of another service that authenticates as this service."""

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
        self.http = httpx.AsyncClient(
            base_url=base_url.rstrip("/"), timeout=timeout_s, transport=transport
        )
        self.tokens = ServiceTokens(self.http, client_id, client_secret, clock=clock)

    async def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """The response to ``method path`` with this service's token; a refused token
        (401) is replaced once."""
        response = await self._send(method, path, **kwargs)
        if response.status_code == 401:
            self.tokens.forget()
            response = await self._send(method, path, **kwargs)
        return response

    async def _send(
        self, method: str, path: str, *, headers: dict[str, str] | None = None, **kwargs: Any
    ) -> httpx.Response:
        bearer = {"Authorization": f"Bearer {await self.tokens.token()}"}
        return await self.http.request(
            method, path, headers={**(headers or {}), **bearer}, **kwargs
        )

    async def aclose(self) -> None:
        await self.http.aclose()
