"""Calling a service as a service: the client-credentials token, cached and replaced."""

from __future__ import annotations

import json

import httpx
import pytest
from pydantic import SecretStr

from townhall.runtime.names import (
    canonical_given_name,
    canonical_given_names,
    name_tokens,
    normalise_name,
)
from townhall.runtime.service_client import ServiceClient, ServiceTokenError


class FakeIdentity:
    """Issues tokens lasting ``ttl`` seconds; answers /echo only with the latest token."""

    def __init__(self, ttl: int = 900):
        self.ttl = ttl
        self.issued = 0
        self.grants: list[dict[str, str]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/auth/service-token":
            self.issued += 1
            self.grants.append(json.loads(request.content))
            body = {"access_token": f"t{self.issued}", "token_type": "Bearer"}
            return httpx.Response(200, json={**body, "expires_in": self.ttl})
        if request.headers["Authorization"] != f"Bearer t{self.issued}":
            return httpx.Response(401)
        return httpx.Response(200, json={"trace": request.headers.get("X-Trace")})


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def client_for(handler: object, clock: Clock | None = None) -> ServiceClient:
    return ServiceClient(
        "http://identity/",
        "resident-view",
        SecretStr("s3cret"),
        transport=httpx.MockTransport(handler),  # type: ignore[arg-type]
        clock=clock or Clock(),
    )


async def test_the_client_credentials_grant_is_sent_and_the_token_reused() -> None:
    identity, clock = FakeIdentity(ttl=900), Clock()
    client = client_for(identity, clock)
    assert (await client.request("GET", "/echo")).status_code == 200
    clock.now = 800.0
    assert (await client.request("GET", "/echo")).status_code == 200
    assert identity.issued == 1
    assert identity.grants == [
        {
            "grant_type": "client_credentials",
            "client_id": "resident-view",
            "client_secret": "s3cret",
        }
    ]
    clock.now = 841.0  # within a minute of expiry: a fresh one
    await client.request("GET", "/echo")
    assert identity.issued == 2


async def test_a_refused_token_is_replaced_once_and_headers_survive_the_retry() -> None:
    identity = FakeIdentity()
    client = client_for(identity)
    await client.request("GET", "/echo")
    identity.issued += 1  # identity no longer accepts the cached token
    response = await client.request("GET", "/echo", headers={"X-Trace": "abc"})
    assert response.status_code == 200 and response.json() == {"trace": "abc"}
    assert identity.issued == 3


async def test_a_token_identity_will_not_issue_is_an_error() -> None:
    refused = client_for(lambda request: httpx.Response(401))
    with pytest.raises(ServiceTokenError):
        await refused.request("GET", "/echo")
    garbled = client_for(lambda request: httpx.Response(200, text="?"))
    with pytest.raises(ServiceTokenError):
        await garbled.request("GET", "/echo")


def test_names_normalise_and_fold_nicknames() -> None:
    assert normalise_name(" O'Brien-Smith ") == "obrien smith"
    assert name_tokens("Zoë  Ní Bhriain") == ("zoe", "ni", "bhriain")
    assert canonical_given_name("bill") == canonical_given_name("william") == "william"
    assert canonical_given_name("dai") == "david"
    assert canonical_given_name("zebedee") == "zebedee"


def test_a_nickname_two_names_share_stands_for_both() -> None:
    assert canonical_given_names("sammy") == ("samuel", "samantha")
    assert canonical_given_names("sam")[0] == canonical_given_name("sam")
    assert canonical_given_names("samantha") == ("samantha",)
    assert canonical_given_names("bill") == ("william",)
