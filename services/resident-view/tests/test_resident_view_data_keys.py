"""Data keys from identity over HTTP (a stand-in serving keys made with townhall.runtime.crypto):
cached, forgotten on erasure, and retried when identity cannot answer."""

from __future__ import annotations

import uuid

import pytest
from pydantic import SecretStr

from townhall.resident_view.adapters.data_keys import IdentityDataKeys, NoDataKeys, data_keys
from townhall.resident_view.testing_identity import CLIENT_ID, SECRET, KeyServer
from townhall.runtime.broker import free_port
from townhall.runtime.errors import RetryableError
from townhall.runtime.service_client import ServiceClient


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def client_of(url: str, secret: SecretStr = SECRET) -> IdentityDataKeys:
    return IdentityDataKeys(ServiceClient(url, CLIENT_ID, secret, timeout_s=1.0))


async def test_a_key_is_fetched_once_then_served_from_the_cache(key_server: KeyServer) -> None:
    resident = str(uuid.uuid4())
    expected = key_server.key(resident)
    keys = client_of(key_server.url)
    try:
        assert await keys.get(resident) == expected
        assert await keys.get(resident) == expected
    finally:
        await keys.aclose()
    assert key_server.calls == {"token": 1, "data-key": 1}


async def test_an_erased_or_unknown_resident_has_no_key(key_server: KeyServer) -> None:
    erased, unknown = str(uuid.uuid4()), str(uuid.uuid4())
    key_server.key(erased)
    key_server.erase(erased)
    keys = client_of(key_server.url)
    try:
        assert await keys.get(erased) is None
        assert await keys.get(unknown) is None
        assert await keys.get(erased) is None
        assert key_server.calls["data-key"] == 2, "gone is remembered too"
        key_server.key(unknown)
        keys.forget(unknown)
        assert await keys.get(unknown) == key_server.keys[unknown]
    finally:
        await keys.aclose()


async def test_cached_keys_expire_and_the_least_recently_used_go_first(
    key_server: KeyServer,
) -> None:
    clock = Clock()
    residents = [str(uuid.uuid4()) for _ in range(3)]
    for resident in residents:
        key_server.key(resident)
    client = ServiceClient(key_server.url, CLIENT_ID, SECRET)
    keys = IdentityDataKeys(client, cache_size=2, cache_ttl_s=60, clock=clock)
    try:
        for resident in residents:  # the first is pushed out by the third
            await keys.get(resident)
        await keys.get(residents[2])
        assert key_server.calls["data-key"] == 3
        await keys.get(residents[0])
        assert key_server.calls["data-key"] == 4
        clock.now = 61
        await keys.get(residents[0])
        assert key_server.calls["data-key"] == 5
    finally:
        await keys.aclose()


async def test_identity_unreachable_or_refusing_means_try_again_later(
    key_server: KeyServer,
) -> None:
    resident = str(uuid.uuid4())
    key_server.key(resident)
    for keys in (
        client_of(f"http://127.0.0.1:{free_port()}"),
        client_of(key_server.url, SecretStr("wrong secret")),
    ):
        try:
            with pytest.raises(RetryableError):
                await keys.get(resident)
        finally:
            await keys.aclose()


async def test_without_identity_configured_nobody_has_a_key() -> None:
    keys = data_keys(None, CLIENT_ID, SECRET)
    assert isinstance(keys, NoDataKeys)
    assert await keys.get(str(uuid.uuid4())) is None
    assert isinstance(data_keys("http://identity", CLIENT_ID, None), NoDataKeys)
