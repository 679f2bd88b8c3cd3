"""Residents' data keys from identity, to open the personal data sealed in its events.

resident-view is a service client of identity with scope ``pii:read``: it asks
``GET /residents/{id}/data-key`` with a client-credentials token
(townhall.runtime.service_client). Keys are kept in memory, least recently used first
out, for a limited time, and dropped at once when the resident is erased.

* identity answers with the key: the key;
* identity says the resident or key is gone (404, 410: erased): None, remembered too;
* anything else (identity down, slow, refusing the credentials): RetryableError, so the
  consumer retries the batch later and no name is lost.

Without identity's URL and credentials :class:`NoDataKeys` answers None for everyone
(the projection runs on; residents just have no names).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Protocol

import httpx
import structlog
from pydantic import SecretStr

from townhall.runtime.crypto import decode_key
from townhall.runtime.errors import RetryableError
from townhall.runtime.service_client import ServiceClient, ServiceTokenError

log = structlog.get_logger(__name__)

SCOPE = "pii:read"
GONE = (404, 410)


class DataKeys(Protocol):
    async def get(self, resident_id: str) -> bytes | None:
        """The resident's data key; None when it is gone (erased) or cannot be had."""
        ...

    def forget(self, resident_id: str) -> None:
        """Drop what is cached about the resident (they were erased)."""
        ...

    async def aclose(self) -> None: ...


class NoDataKeys:
    """No identity configured: nobody's personal data can be opened."""

    def __init__(self, reason: str = "IDENTITY_URL is not set") -> None:
        log.warning("resident_names_off", reason=reason)

    async def get(self, resident_id: str) -> bytes | None:
        return None

    def forget(self, resident_id: str) -> None:
        return None

    async def aclose(self) -> None:
        return None


class _Cache:
    """resident id → key (or None: gone), least recently used out, entries expire."""

    def __init__(self, size: int, ttl_s: float, clock: Callable[[], float]):
        self.size, self.ttl_s, self.clock = size, ttl_s, clock
        self._entries: OrderedDict[str, tuple[float, bytes | None]] = OrderedDict()

    def get(self, resident_id: str) -> tuple[bool, bytes | None]:
        found = self._entries.get(resident_id)
        if found is None or found[0] <= self.clock():
            self._entries.pop(resident_id, None)
            return False, None
        self._entries.move_to_end(resident_id)
        return True, found[1]

    def put(self, resident_id: str, key: bytes | None) -> None:
        self._entries[resident_id] = (self.clock() + self.ttl_s, key)
        self._entries.move_to_end(resident_id)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)

    def drop(self, resident_id: str) -> None:
        self._entries.pop(resident_id, None)


class IdentityDataKeys:
    """Keys from identity's ``GET /residents/{id}/data-key``, cached in memory."""

    def __init__(
        self,
        client: ServiceClient,
        *,
        cache_size: int = 10_000,
        cache_ttl_s: float = 900.0,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.client = client
        self._cache = _Cache(cache_size, cache_ttl_s, clock)

    async def get(self, resident_id: str) -> bytes | None:
        cached, key = self._cache.get(resident_id)
        if cached:
            return key
        key = await self._fetch(resident_id)
        self._cache.put(resident_id, key)
        return key

    def forget(self, resident_id: str) -> None:
        self._cache.drop(resident_id)

    async def aclose(self) -> None:
        await self.client.aclose()

    async def _fetch(self, resident_id: str) -> bytes | None:
        try:
            response = await self.client.request("GET", f"/residents/{resident_id}/data-key")
        except (httpx.HTTPError, ServiceTokenError) as exc:
            raise RetryableError(f"identity did not give the data key: {exc!r}") from exc
        if response.status_code in GONE:
            log.info("data_key_gone", resident_id=resident_id, status=response.status_code)
            return None
        if response.status_code != 200:
            raise RetryableError(f"identity refused the data key: HTTP {response.status_code}")
        try:
            return decode_key(str(response.json()["key"]))
        except (ValueError, KeyError, TypeError) as exc:
            raise RetryableError("identity's data-key answer is not a key") from exc


def data_keys(
    identity_url: str | None,
    client_id: str,
    client_secret: SecretStr | None,
    *,
    timeout_s: float = 5.0,
    cache_size: int = 10_000,
    cache_ttl_s: float = 900.0,
    transport: httpx.AsyncBaseTransport | None = None,
) -> DataKeys:
    """Identity's keys when its URL and this service's credentials are configured."""
    if identity_url is None:
        return NoDataKeys()
    if client_secret is None:
        return NoDataKeys("IDENTITY_CLIENT_SECRET is not set")
    client = ServiceClient(
        identity_url, client_id, client_secret, timeout_s=timeout_s, transport=transport
    )
    return IdentityDataKeys(client, cache_size=cache_size, cache_ttl_s=cache_ttl_s)
