"""The HTTP matcher against a fake identity: requests, token caching, failures."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import httpx
import pytest
from pydantic import SecretStr

from townhall.cases.adapters.identity_matcher import HttpResidentMatcher, postcode_in
from townhall.cases.domain.commands import Location, Reporter
from townhall.cases.service_layer.matching import ERASED, MatchUnavailableError

ADA = Reporter(given_name="Ada", family_name="Example", email="ada@example.org")
RESIDENT = uuid.uuid4()


class FakeIdentity:
    """Issues tokens that last ``ttl`` seconds and links every record to RESIDENT."""

    def __init__(self, ttl: int = 900, match_status: int = 200, outcome: str = "linked"):
        self.ttl, self.match_status, self.outcome = ttl, match_status, outcome
        self.tokens_issued = 0
        self.matched: list[dict[str, object]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/auth/service-token":
            self.tokens_issued += 1
            token = {"access_token": f"t{self.tokens_issued}", "token_type": "Bearer"}
            return httpx.Response(200, json={**token, "expires_in": self.ttl})
        assert request.url.path == "/records/match"
        if request.headers["Authorization"] != f"Bearer t{self.tokens_issued}":
            return httpx.Response(401)
        self.matched.append(json.loads(request.content))
        found: dict[str, object] = {"outcome": self.outcome}
        if self.outcome != "erased":
            found["resident_id"] = str(RESIDENT)
        return httpx.Response(self.match_status, json=found)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _refused_connection(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("connection refused", request=request)


def matcher_for(handler: object, clock: Clock | None = None) -> HttpResidentMatcher:
    return HttpResidentMatcher(
        "http://identity/",
        "cases",
        SecretStr("s3cret"),
        transport=httpx.MockTransport(handler),  # type: ignore[arg-type]
        clock=clock or Clock(),
    )


async def test_the_reporters_details_become_identitys_incoming_record() -> None:
    identity = FakeIdentity()
    location = Location(address="1 High Street, London sw1a1aa", uprn="100023336956")
    found = await matcher_for(identity).match(ADA, location, "case-1")
    assert found == RESIDENT
    assert identity.matched == [
        {
            "system": "cases",
            "reference": "case-1",
            "given_name": "Ada",
            "family_name": "Example",
            "email": "ada@example.org",
            "postcode": "SW1A 1AA",
        }
    ]


async def test_the_submission_time_is_sent_and_an_erased_answer_names_no_resident() -> None:
    identity = FakeIdentity(outcome="erased")
    submitted = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    found = await matcher_for(identity).match(ADA, None, "case-1", observed_at=submitted)
    assert found is ERASED
    assert identity.matched[0]["observed_at"] == "2026-03-02T09:30:00+00:00"


async def test_the_token_is_reused_until_shortly_before_it_expires() -> None:
    identity, clock = FakeIdentity(ttl=900), Clock()
    matcher = matcher_for(identity, clock)
    await matcher.match(ADA, None, "a")
    clock.now = 800.0
    await matcher.match(ADA, None, "b")
    assert identity.tokens_issued == 1
    clock.now = 841.0
    await matcher.match(ADA, None, "c")
    assert identity.tokens_issued == 2


async def test_a_refused_token_is_replaced_once() -> None:
    identity = FakeIdentity()
    matcher = matcher_for(identity)
    await matcher.match(ADA, None, "a")
    identity.tokens_issued += 1  # identity no longer accepts the cached token
    assert await matcher.match(ADA, None, "b") == RESIDENT
    assert identity.tokens_issued == 3


@pytest.mark.parametrize(
    "identity",
    [
        pytest.param(_refused_connection, id="connection refused"),
        pytest.param(lambda r: httpx.Response(503), id="503 while starting"),
        pytest.param(lambda r: httpx.Response(401), id="credentials refused"),
        pytest.param(FakeIdentity(match_status=403), id="scope missing"),
        pytest.param(lambda r: httpx.Response(200, text="?"), id="answer not understood"),
    ],
)
async def test_identity_unable_to_answer_means_ask_again_later(identity: object) -> None:
    with pytest.raises(MatchUnavailableError):
        await matcher_for(identity).match(ADA, None, "a")


async def test_a_record_identity_refuses_as_invalid_is_no_match() -> None:
    assert await matcher_for(FakeIdentity(match_status=422)).match(ADA, None, "b") is None


async def test_a_reporter_without_names_is_not_sent() -> None:
    identity = FakeIdentity()
    assert await matcher_for(identity).match(Reporter(email="x@example.org"), None, "a") is None
    assert identity.tokens_issued == 0 and identity.matched == []


def test_the_postcode_is_found_in_a_free_text_address() -> None:
    assert postcode_in("Flat 2, 10 Downing St, London SW1A 2AA") == "SW1A 2AA"
    assert postcode_in("1 High Street") is None
    assert postcode_in(None) is None
