"""A code to report names the request made with it: the reporter follows and pays for
it without a second code, once, for no longer than the code's token lives, and nothing
but that token can do it. And a code goes in the language it was asked in."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from townhall.identity.adapters.orm import one_time_codes
from townhall.identity.config import IdentitySettings
from townhall.identity.testing import PASSWORD, Harness, bearer
from townhall.runtime.auth import Principal

REQUEST = "PC-2026-000001"
NAME = "/auth/tracking/request"
ACCOUNT = {"password": PASSWORD, "given_name": "Bo", "family_name": "Example"}


@pytest.fixture
def identity_settings(identity_settings: IdentitySettings) -> IdentitySettings:
    return identity_settings.model_copy(update={"environment": "development"})


async def _code(identity: Harness, **body: str) -> str:
    response = await identity.http.post("/auth/tracking", json=body)
    assert response.status_code == 202, response.text
    reference: str = response.json()["reference"]
    return reference


async def _redeemed(identity: Harness, reference: str) -> dict[str, Any]:
    body = {"reference": reference, "code": await identity.code(reference)}
    response = await identity.http.post("/auth/codes/redeem", json=body)
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


async def _reported(identity: Harness, email: str = "ada@example.org") -> str:
    """The token a reporter gets for their code (before the request is made)."""
    reference = await _code(identity, given_name="Ada", family_name="Example", email=email)
    token: str = (await _redeemed(identity, reference))["access_token"]
    return token


async def _verify(identity: Harness, token: str) -> Principal:
    return await identity.services.verifier.verify(token)


async def _named(identity: Harness) -> list[str | None]:
    async with identity.runtime.sessions() as session:
        query = select(one_time_codes.c.request_reference).order_by(one_time_codes.c.reference)
        return list((await session.execute(query)).scalars())


async def test_the_token_of_a_code_to_report_names_the_request_made_with_it(
    identity: Harness,
) -> None:
    token = await _reported(identity)
    reporter = await _verify(identity, token)
    named = await identity.http.post(
        NAME, json={"request_reference": REQUEST}, headers=bearer(token)
    )
    assert named.status_code == 200, named.text
    assert "refresh_token" not in named.json(), "a visit, not a session"
    principal = await _verify(identity, named.json()["access_token"])
    assert (principal.subject, principal.kind, principal.loa) == (reporter.subject, "resident", 0)
    assert principal.claims["ref"] == REQUEST and "rpt" not in principal.claims
    assert principal.claims["exp"] <= reporter.claims["exp"], "it outlives nothing"
    assert named.json()["expires_in"] <= reporter.claims["exp"] - reporter.claims["iat"]
    assert await _named(identity) == [REQUEST]


async def test_a_code_to_report_names_one_request_and_a_retry_names_it_again(
    identity: Harness,
) -> None:
    token = await _reported(identity)
    headers = bearer(token)
    first = await identity.http.post(NAME, json={"request_reference": REQUEST}, headers=headers)
    again = await identity.http.post(NAME, json={"request_reference": REQUEST}, headers=headers)
    other = await identity.http.post(
        NAME, json={"request_reference": "PC-2026-000002"}, headers=headers
    )
    assert (first.status_code, again.status_code, other.status_code) == (200, 200, 409)
    assert other.headers["Content-Type"] == "application/problem+json"
    assert await _named(identity) == [REQUEST], "the refusal changed nothing"


async def test_only_the_token_of_a_code_to_report_names_a_request(identity: Harness) -> None:
    await _reported(identity)
    follow = await _code(identity, email="ada@example.org", request_reference=REQUEST)
    following = (await _redeemed(identity, follow))["access_token"]
    created = await identity.http.post(
        "/accounts",
        json={**ACCOUNT, "email": "bo@example.org"},
    )
    account = (await _redeemed(identity, created.json()["reference"]))["access_token"]
    before = await _named(identity)
    body = {"request_reference": "PC-2026-000002"}
    statuses = [
        (await identity.http.post(NAME, json=body, headers=headers)).status_code
        for headers in (bearer(following), bearer(account), {})
    ]
    assert statuses == [403, 403, 401]
    assert await _named(identity) == before


@pytest.mark.parametrize(
    "body",
    [{}, {"request_reference": "../cases/PC-2026-000001"}, {"request_reference": "P" * 41}],
)
async def test_a_bad_request_reference_is_refused_and_names_nothing(
    identity: Harness, body: dict[str, str]
) -> None:
    token = await _reported(identity)
    refused = await identity.http.post(NAME, json=body, headers=bearer(token))
    assert refused.status_code == 422
    assert await _named(identity) == [None]


async def test_a_code_goes_in_the_language_it_was_asked_in(identity: Harness) -> None:
    await _code(identity, given_name="Ada", family_name="Example", email="a@example.org")
    await _code(identity, email="a@example.org", request_reference=REQUEST, language="cy")
    issued = [e for e in await identity.events() if e["type"].endswith("one_time_code.issued.v1")]
    assert [e["data"].get("language") for e in issued] == [None, "cy"]


async def test_a_code_in_an_unknown_language_is_refused_and_sends_nothing(
    identity: Harness,
) -> None:
    body = {"given_name": "Ada", "family_name": "Example", "email": "a@example.org"}
    refused = await identity.http.post("/auth/tracking", json={**body, "language": "fr"})
    assert refused.status_code == 422
    assert await identity.events() == []


async def _preferred_languages(identity: Harness) -> dict[str, str]:
    """The language each new resident's record prefers, by email, as an officer reads it."""
    registered = [e for e in await identity.events() if e["type"].endswith("registered.v1")]
    officer = await identity.officer_token("cc@example.org", ("contact_centre", "personal"))
    found = {}
    for event in registered:
        url = f"/residents/{event['data']['resident_id']}"
        record = (await identity.http.get(url, headers=bearer(officer))).json()
        for point in record["contact_points"]:
            found[point["value"]] = record["preferred_language"]
    return found


async def test_a_new_resident_who_reports_in_welsh_is_registered_preferring_welsh(
    identity: Harness,
) -> None:
    """What the council sends later (a booking's confirmation) follows the record's
    language, so the language the resident reported in is the record's from the start."""
    report = {"given_name": "Ada", "family_name": "Example"}
    await _code(identity, **report, email="cymraeg@example.org", language="cy")
    await _code(identity, **report, email="english@example.org", language="en")
    await _code(identity, **report, email="unsaid@example.org")
    assert await _preferred_languages(identity) == {
        "cymraeg@example.org": "cy",
        "english@example.org": "en",
        "unsaid@example.org": "en",
    }


async def test_a_code_asked_in_welsh_leaves_an_existing_residents_language_as_it_was(
    identity: Harness,
) -> None:
    report = {"given_name": "Ada", "family_name": "Example", "email": "a@example.org"}
    await _code(identity, **report, language="en")
    await _code(identity, **report, language="cy")
    await _code(identity, email="a@example.org", request_reference=REQUEST, language="cy")
    assert await _preferred_languages(identity) == {"a@example.org": "en"}
