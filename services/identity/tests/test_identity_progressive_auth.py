"""Progressive authentication: tracking codes (to report, or to follow one request),
accounts with a verified email, and answers that never tell whether an email is
registered."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import update

from townhall.identity.adapters.orm import one_time_codes, residents
from townhall.identity.adapters.repository import ResidentRepository
from townhall.identity.config import IdentitySettings
from townhall.identity.testing import PASSWORD, Harness
from townhall.runtime.auth import Principal

SIGN_UP = {
    "email": "ada@example.org",
    "password": PASSWORD,
    "given_name": "Ada",
    "family_name": "Example",
}
REQUEST = "PC-2026-000001"


@pytest.fixture
def identity_settings(identity_settings: IdentitySettings) -> IdentitySettings:
    return identity_settings.model_copy(update={"environment": "development"})


async def _track(identity: Harness, **body: str) -> str:
    response = await identity.http.post("/auth/tracking", json=body)
    assert response.status_code == 202, response.text
    reference: str = response.json()["reference"]
    return reference


async def _report(identity: Harness, **contact: str) -> str:
    return await _track(identity, given_name="Ada", family_name="Example", **contact)


async def _redeem(identity: Harness, reference: str, code: str) -> int:
    body = {"reference": reference, "code": code}
    return (await identity.http.post("/auth/codes/redeem", json=body)).status_code


async def _token(identity: Harness, reference: str) -> Principal:
    body = {"reference": reference, "code": await identity.code(reference)}
    response = await identity.http.post("/auth/codes/redeem", json=body)
    assert response.status_code == 200, response.text
    return await identity.services.verifier.verify(response.json()["access_token"])


async def _state(identity: Harness) -> tuple[int, int, int]:
    return (
        await identity.count(residents),
        await identity.count(one_time_codes),
        len(await identity.events()),
    )


async def test_a_code_to_report_gives_a_level_0_token_for_no_request_once(
    identity: Harness,
) -> None:
    reference = await _report(identity, phone="07700 900123")
    code = await identity.code(reference)
    principal = await _token(identity, reference)
    assert (principal.kind, principal.loa) == ("resident", 0)
    assert "ref" not in principal.claims, "it names no request: it can only report"
    assert await _redeem(identity, reference, code) == 401, "a replayed code is refused"


async def test_a_code_to_follow_a_request_gives_a_token_for_that_request(
    identity: Harness,
) -> None:
    reported = await _token(identity, await _report(identity, email="ada@example.org"))
    reference = await _track(identity, email="ADA@example.org", request_reference=REQUEST)
    principal = await _token(identity, reference)
    assert (principal.subject, principal.loa) == (reported.subject, 0)
    assert principal.claims["ref"] == REQUEST


async def test_following_a_request_from_an_unknown_contact_sends_and_creates_nothing(
    identity: Harness,
) -> None:
    await _report(identity, email="ada@example.org")
    before, sent = await _state(identity), len(await identity.sent())
    response = await identity.http.post(
        "/auth/tracking", json={"email": "bob@example.org", "request_reference": REQUEST}
    )
    assert response.status_code == 202
    assert set(response.json()) == {"reference", "expires_in"}
    assert (await _state(identity), len(await identity.sent())) == (before, sent)
    assert await _redeem(identity, response.json()["reference"], "123456") == 401


@pytest.mark.parametrize(
    "body",
    [
        {"email": "ada@example.org", "request_reference": "PC 2026 000001"},
        {"email": "ada@example.org", "request_reference": "../cases/PC-2026-000001"},
        {"email": "ada@example.org", "request_reference": "P" * 41},
        {"email": "ada@example.org", "request_reference": ""},
        {"email": "ada@example.org", "request_reference": "-PC-2026"},
        {"email": "ada@example.org"},
        {"given_name": "Ada", "family_name": "Example"},
        {
            "given_name": "Ada",
            "family_name": "Example",
            "email": "a@example.org",
            "phone": "07700900123",
        },
    ],
)
async def test_bad_tracking_requests_are_refused_and_change_nothing(
    identity: Harness, body: dict[str, str]
) -> None:
    response = await identity.http.post("/auth/tracking", json=body)
    assert response.status_code == 422, response.text
    assert response.headers["Content-Type"] == "application/problem+json"
    assert await _state(identity) == (0, 0, 0)


async def test_the_code_never_travels_or_rests_in_clear(identity: Harness) -> None:
    reference = await _report(identity, email="ada@example.org")
    code = await identity.code(reference)
    issued = (await identity.events())[-1]
    assert issued["type"] == "townhall.identity.one_time_code.issued.v1"
    assert code not in str(issued["data"]) and "ada@example.org" not in str(issued)
    async with identity.runtime.sessions() as session:
        stored = (await session.execute(one_time_codes.select())).one()
    assert code not in stored.code_hash


async def test_an_expired_code_is_refused(identity: Harness) -> None:
    reference = await _report(identity, email="ada@example.org")
    code = await identity.code(reference)
    past = datetime.now(UTC) - timedelta(seconds=1)
    async with identity.runtime.sessions() as session:
        await session.execute(update(one_time_codes).values(expires_at=past))
        await session.commit()
    assert await _redeem(identity, reference, code) == 401


async def test_a_code_dies_after_a_few_wrong_tries_and_a_new_one_works(
    identity: Harness,
) -> None:
    reference = await _report(identity, email="ada@example.org")
    code = await identity.code(reference)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    statuses = [await _redeem(identity, reference, wrong) for _ in range(5)]
    assert statuses == [401] * 5
    assert await _redeem(identity, reference, code) == 401, "dead even for the right code"
    fresh = await _report(identity, email="ada@example.org")
    assert await _redeem(identity, fresh, await identity.code(fresh)) == 200


async def test_codes_sent_to_one_contact_are_limited_whether_or_not_it_is_a_residents(
    identity: Harness,
) -> None:
    await _report(identity, email="ada@example.org")  # the first of ada's five codes

    async def follow(email: str) -> int:
        body = {"email": email, "request_reference": REQUEST}
        return (await identity.http.post("/auth/tracking", json=body)).status_code

    assert [await follow("ada@example.org") for _ in range(5)] == [202] * 4 + [429]
    assert [await follow("bob@example.org") for _ in range(6)] == [202] * 5 + [429]
    refused = await identity.http.post(
        "/auth/tracking", json={"email": "bob@example.org", "request_reference": REQUEST}
    )
    assert int(refused.headers["Retry-After"]) > 0


async def test_an_account_signs_in_only_after_its_email_is_verified(identity: Harness) -> None:
    created = await identity.http.post("/accounts", json=SIGN_UP)
    assert created.status_code == 202, created.text
    login = {"email": "ada@example.org", "password": PASSWORD}
    assert (await identity.http.post("/auth/resident-token", json=login)).status_code == 403
    verified = await _token(identity, created.json()["reference"])
    response = await identity.http.post("/auth/resident-token", json=login)
    assert response.status_code == 200
    principal = await identity.services.verifier.verify(response.json()["access_token"])
    assert (principal.subject, principal.loa) == (verified.subject, 1)
    assert "ref" not in principal.claims


async def test_signing_up_with_a_registered_email_tells_its_owner_and_creates_nothing(
    identity: Harness,
) -> None:
    first = await identity.http.post("/accounts", json=SIGN_UP)
    before = await _state(identity)
    again = await identity.http.post("/accounts", json={**SIGN_UP, "email": "ADA@example.org"})
    assert (again.status_code, set(again.json())) == (first.status_code, set(first.json()))
    residents_, codes, events = await _state(identity)
    assert (residents_, codes, events) == (before[0], before[1], before[2] + 1)
    notice = (await identity.sent())[0]
    assert (notice["type"], notice["to"], notice["code"]) == ("notice", "ada@example.org", None)
    assert notice["attempted"] == "sign_up"
    assert await _redeem(identity, again.json()["reference"], "123456") == 401


async def test_a_sign_up_that_loses_a_race_for_its_email_answers_as_any_other(
    identity: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = await identity.http.post("/accounts", json=SIGN_UP)
    before = await _state(identity)

    async def not_yet_taken(self: object, email: str) -> bool:
        return False  # as if the first sign-up committed between the check and the insert

    monkeypatch.setattr(ResidentRepository, "email_taken", not_yet_taken)
    raced = await identity.http.post("/accounts", json=SIGN_UP)

    assert (raced.status_code, set(raced.json())) == (first.status_code, set(first.json()))
    assert await _state(identity) == (before[0], before[1], before[2] + 1)
    notice = (await identity.sent())[0]
    assert (notice["type"], notice["to"]) == ("notice", "ada@example.org"), "owner told, no code"


async def test_no_answer_tells_whether_an_email_is_registered(identity: Harness) -> None:
    created = await identity.http.post("/accounts", json=SIGN_UP)
    await _token(identity, created.json()["reference"])

    async def answers(email: str) -> list[tuple[int, Any]]:
        sign_up = await identity.http.post("/accounts", json={**SIGN_UP, "email": email})
        follow = await identity.http.post(
            "/auth/tracking", json={"email": email, "request_reference": REQUEST}
        )
        login = await identity.http.post(
            "/auth/resident-token", json={"email": email, "password": "not the password"}
        )
        problem = {k: v for k, v in login.json().items() if k != "instance"}
        return [
            (sign_up.status_code, sorted(sign_up.json())),
            (follow.status_code, sorted(follow.json())),
            (login.status_code, problem),
        ]

    assert await answers("ada@example.org") == await answers("nobody@example.org")


@pytest.mark.parametrize(
    "body",
    [
        {**SIGN_UP, "password": "short"},
        {**SIGN_UP, "email": "nope"},
        {key: value for key, value in SIGN_UP.items() if key != "given_name"},
    ],
)
async def test_bad_sign_ups_are_refused(identity: Harness, body: dict[str, str]) -> None:
    response = await identity.http.post("/accounts", json=body)
    assert response.status_code == 422
    assert await identity.count(residents) == 0


@pytest.mark.parametrize(
    "body",
    [
        {"reference": "TH-NOTREAL1", "code": "123456"},
        {"reference": "nonsense", "code": "123456"},
        {"reference": "TH-ABCDEFGH", "code": "12"},
    ],
)
async def test_unknown_or_malformed_codes_are_refused(
    identity: Harness, body: dict[str, str]
) -> None:
    response = await identity.http.post("/auth/codes/redeem", json=body)
    assert response.status_code in (401, 422)
    assert response.headers["Content-Type"] == "application/problem+json"
