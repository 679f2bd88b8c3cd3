"""Residents' data keys from identity: to seal personal data into events, or open it.

Identity holds each resident's data key and destroys it on erasure (crypto-shredding,
:mod:`townhall.runtime.crypto`). A service that seals or opens personal data is a
service client of identity with scope ``pii:read`` and asks ``GET
/residents/{id}/data-key`` with a client-credentials token
(:mod:`townhall.runtime.service_client`). Keys are kept in memory, least recently used
first out, for a limited time, and dropped at once when the resident is erased
(:meth:`DataKeys.forget`, from the consumer of ``resident.erased``)::

    keys = data_keys(settings.identity_url, "cases", secret, cache_ttl_s=300)
    key = await keys.get(resident_id)  # bytes, or None: the resident has no key
    blob = seal({"text": "…"}, key, context=resident_context(resident_id))

* identity answers with the key: the key;
* identity says the resident or key is gone (410: erased; 404: unknown): None,
  remembered too;
* anything else (identity down, slow, refusing the credentials):
  :class:`DataKeyUnavailableError`, a :class:`~townhall.runtime.errors.RetryableError`:
  a consumer retries the batch later, an API answers 503. Never carry on in clear.

Without identity's URL and credentials, :class:`NoDataKeys` answers None for everyone
(a reader: nobody's sealed data opens) and :class:`UnavailableDataKeys` always raises
(a writer: nothing is sealed, so nothing personal is written).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Protocol
from uuid import UUID

import httpx
import structlog
from pydantic import SecretStr

from townhall.runtime.crypto import decode_key
from townhall.runtime.errors import RetryableError
from townhall.runtime.service_client import ServiceClient, ServiceTokenError

__all__ = [
    "SCOPE",
    "DataKeyUnavailableError",
    "DataKeys",
    "IdentityDataKeys",
    "NoDataKeys",
    "UnavailableDataKeys",
    "data_keys",
    "resident_context",
]

log = structlog.get_logger(__name__)

#: The scope identity requires of a service client that reads data keys.
SCOPE = "pii:read"
GONE = (404, 410)


def resident_context(resident_id: str | UUID) -> str:
    """The context a resident's personal data is sealed in (bound into every blob)."""
    return f"resident/{resident_id}"


class DataKeyUnavailableError(RetryableError):
    """Identity did not give the key (down, slow, refusing): try again later."""


class DataKeys(Protocol):
    async def get(self, resident_id: str | UUID) -> bytes | None:
        """The resident's data key; None when they have none (erased, or unknown).

        Raises :class:`DataKeyUnavailableError` when identity cannot say."""
        ...

    def forget(self, resident_id: str | UUID) -> None:
        """Drop what is cached about the resident (they were erased)."""
        ...

    async def aclose(self) -> None: ...


class NoDataKeys:
    """No identity configured, for a reader: nobody's personal data can be opened."""

    def __init__(self, reason: str = "IDENTITY_URL is not set") -> None:
        log.warning("data_keys_off", reason=reason)

    async def get(self, resident_id: str | UUID) -> bytes | None:
        return None

    def forget(self, resident_id: str | UUID) -> None:
        return None

    async def aclose(self) -> None:
        return None


class UnavailableDataKeys:
    """No identity configured, for a writer: every key is unavailable, so whatever
    needs sealing is refused rather than written in clear."""

    def __init__(self, reason: str = "IDENTITY_URL is not set") -> None:
        self.reason = reason
        log.warning("data_keys_off", reason=reason, effect="personal data is refused")

    async def get(self, resident_id: str | UUID) -> bytes | None:
        raise DataKeyUnavailableError(f"no data keys: {self.reason}")

    def forget(self, resident_id: str | UUID) -> None:
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

    async def get(self, resident_id: str | UUID) -> bytes | None:
        cached, key = self._cache.get(str(resident_id))
        if cached:
            return key
        key = await self._fetch(str(resident_id))
        self._cache.put(str(resident_id), key)
        return key

    def forget(self, resident_id: str | UUID) -> None:
        self._cache.drop(str(resident_id))

    async def aclose(self) -> None:
        await self.client.aclose()

    async def _fetch(self, resident_id: str) -> bytes | None:
        try:
            response = await self.client.request("GET", f"/residents/{resident_id}/data-key")
        except (httpx.HTTPError, ServiceTokenError) as exc:
            raise DataKeyUnavailableError(f"identity did not give the data key: {exc!r}") from exc
        if response.status_code in GONE:
            log.info("data_key_gone", resident_id=resident_id, status=response.status_code)
            return None
        if response.status_code != 200:
            raise DataKeyUnavailableError(
                f"identity refused the data key: HTTP {response.status_code}"
            )
        try:
            return decode_key(str(response.json()["key"]))
        except (ValueError, KeyError, TypeError) as exc:
            raise DataKeyUnavailableError("identity's data-key answer is not a key") from exc


def data_keys(
    identity_url: str | None,
    client_id: str,
    client_secret: SecretStr | None,
    *,
    timeout_s: float = 5.0,
    cache_size: int = 10_000,
    cache_ttl_s: float = 900.0,
    transport: httpx.AsyncBaseTransport | None = None,
    unconfigured: Callable[[str], DataKeys] = NoDataKeys,
) -> DataKeys:
    """Identity's keys when its URL and this service's credentials are configured;
    otherwise ``unconfigured(reason)``: :class:`NoDataKeys` for a reader,
    :class:`UnavailableDataKeys` for a writer."""
    if identity_url is None:
        return unconfigured("IDENTITY_URL is not set")
    if client_secret is None:
        return unconfigured("IDENTITY_CLIENT_SECRET is not set")
    client = ServiceClient(
        identity_url, client_id, client_secret, timeout_s=timeout_s, transport=transport
    )
    return IdentityDataKeys(client, cache_size=cache_size, cache_ttl_s=cache_ttl_s)
