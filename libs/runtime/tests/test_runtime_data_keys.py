"""Residents' data keys from identity: cached, forgotten on erasure, gone after erasure,
and unavailable (never guessed) when identity cannot answer."""

from __future__ import annotations

import uuid

import httpx
import pytest
from pydantic import SecretStr

from townhall.runtime.crypto import encode_key, generate_key, open_sealed, seal
from townhall.runtime.data_keys import (
    DataKeyUnavailableError,
    IdentityDataKeys,
    NoDataKeys,
    UnavailableDataKeys,
    data_keys,
    resident_context,
)
from townhall.runtime.errors import Failure, RetryableError, classify
from townhall.runtime.service_client import ServiceClient
from townhall.runtime.testkit.data_keys import FakeDataKeys


class KeyIdentity:
    """Identity's token and data-key endpoints; erased residents answer 410."""

    def __init__(self) -> None:
        self.keys: dict[str, bytes] = {}
        self.erased: set[str] = set()
        self.calls = {"token": 0, "data-key": 0}
        self.status: int | None = None  # answer every data-key request with this

    def key(self, resident_id: str) -> bytes:
        return self.keys.setdefault(resident_id, generate_key())

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/auth/service-token":
            self.calls["token"] += 1
            return httpx.Response(200, json={"access_token": "t", "expires_in": 900})
        self.calls["data-key"] += 1
        resident_id = request.url.path.split("/")[2]
        if self.status is not None:
            return httpx.Response(self.status)
        if resident_id in self.erased:
            return httpx.Response(410)
        if resident_id not in self.keys:
            return httpx.Response(404)
        return httpx.Response(200, json={"key": encode_key(self.keys[resident_id])})


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def keys_of(identity: KeyIdentity, **options: object) -> IdentityDataKeys:
    transport = httpx.MockTransport(identity)
    client = ServiceClient("http://identity", "cases", SecretStr("s"), transport=transport)
    return IdentityDataKeys(client, **options)  # type: ignore[arg-type]


async def test_a_key_is_fetched_once_then_served_from_the_cache() -> None:
    identity, resident = KeyIdentity(), uuid.uuid4()
    expected = identity.key(str(resident))
    keys = keys_of(identity)
    assert await keys.get(resident) == expected
    assert await keys.get(str(resident)) == expected, "a UUID and its text are one resident"
    assert identity.calls == {"token": 1, "data-key": 1}


async def test_an_erased_or_unknown_resident_has_no_key_and_that_is_remembered() -> None:
    identity, erased, unknown = KeyIdentity(), str(uuid.uuid4()), str(uuid.uuid4())
    identity.key(erased)
    identity.erased.add(erased)
    keys = keys_of(identity)
    assert await keys.get(erased) is None
    assert await keys.get(unknown) is None
    assert await keys.get(erased) is None
    assert identity.calls["data-key"] == 2
    identity.key(unknown)
    keys.forget(unknown)
    assert await keys.get(unknown) == identity.keys[unknown]


async def test_cached_keys_expire_and_the_least_recently_used_go_first() -> None:
    identity, clock = KeyIdentity(), Clock()
    residents = [str(uuid.uuid4()) for _ in range(3)]
    for resident in residents:
        identity.key(resident)
    keys = keys_of(identity, cache_size=2, cache_ttl_s=60, clock=clock)
    for resident in residents:  # the first is pushed out by the third
        await keys.get(resident)
    await keys.get(residents[2])
    assert identity.calls["data-key"] == 3
    await keys.get(residents[0])
    assert identity.calls["data-key"] == 4
    clock.now = 61
    await keys.get(residents[0])
    assert identity.calls["data-key"] == 5


@pytest.mark.parametrize("status", [401, 403, 500, 503])
async def test_identity_refusing_means_unavailable_and_a_consumer_retries(status: int) -> None:
    identity, resident = KeyIdentity(), str(uuid.uuid4())
    identity.key(resident)
    identity.status = status
    keys = keys_of(identity)
    with pytest.raises(DataKeyUnavailableError) as raised:
        await keys.get(resident)
    assert classify(raised.value) is Failure.TRANSIENT
    identity.status = None
    assert await keys.get(resident) == identity.keys[resident], "a refusal is not cached"


async def test_identity_unreachable_means_unavailable() -> None:
    def unreachable(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    client = ServiceClient(
        "http://identity", "cases", SecretStr("s"), transport=httpx.MockTransport(unreachable)
    )
    with pytest.raises(RetryableError):
        await IdentityDataKeys(client).get(uuid.uuid4())


async def test_without_identity_a_reader_opens_nothing_and_a_writer_seals_nothing() -> None:
    resident = uuid.uuid4()
    reader = data_keys(None, "resident-view", SecretStr("s"))
    assert isinstance(reader, NoDataKeys) and await reader.get(resident) is None
    assert isinstance(data_keys("http://identity", "resident-view", None), NoDataKeys)
    writer = data_keys(None, "cases", SecretStr("s"), unconfigured=UnavailableDataKeys)
    with pytest.raises(DataKeyUnavailableError):
        await writer.get(resident)


async def test_the_fake_seals_and_opens_until_the_resident_is_erased() -> None:
    keys, resident = FakeDataKeys(), uuid.uuid4()
    key = await keys.get(resident)
    assert key is not None
    blob = seal({"text": "Dear Ada"}, key, context=resident_context(resident))
    assert open_sealed(blob, key, context=f"resident/{resident}") == {"text": "Dear Ada"}
    keys.erase(resident)
    assert await keys.get(resident) is None
    keys.down = True
    with pytest.raises(DataKeyUnavailableError):
        await keys.get(resident)
