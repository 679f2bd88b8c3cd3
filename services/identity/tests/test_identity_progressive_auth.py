"""Progressive authentication: tracking codes, accounts, verified email, lockout."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from townhall.identity.adapters.orm import one_time_codes, residents
from townhall.identity.config import IdentitySettings
from townhall.identity.testing import PASSWORD, Harness

SIGN_UP = {
    "email": "ada@example.org",
    "password": PASSWORD,
    "given_name": "Ada",
    "family_name": "Example",
}


@pytest.fixture
def identity_settings(identity_settings: IdentitySettings) -> IdentitySettings:
    return identity_settings.model_copy(update={"identity_dev_mailbox": True})


async def _code(identity: Harness, reference: str) -> str:
    messages = (await identity.http.get("/dev/mailbox")).json()["messages"]
    code: str = next(m["code"] for m in messages if m["reference"] == reference)
    return code


async def _track(identity: Harness, **contact: str) -> str:
    body = {"given_name": "Ada", "family_name": "Example", **contact}
    response = await identity.http.post("/auth/tracking", json=body)
    assert response.status_code == 202, response.text
    reference: str = response.json()["reference"]
    return reference


async def _redeem(identity: Harness, reference: str, code: str) -> int:
    body = {"reference": reference, "code": code}
    return (await identity.http.post("/auth/codes/redeem", json=body)).status_code


async def test_a_tracking_code_gives_a_level_0_token_once(identity: Harness) -> None:
    reference = await _track(identity, phone="07700 900123")
    code = await _code(identity, reference)
    response = await identity.http.post(
        "/auth/codes/redeem", json={"reference": reference, "code": code}
    )
    assert response.status_code == 200, response.text
    principal = await identity.services.verifier.verify(response.json()["access_token"])
    assert (principal.kind, principal.loa, principal.claims["ref"]) == ("resident", 0, reference)
    assert await _redeem(identity, reference, code) == 401, "a replayed code is refused"


async def test_the_code_never_travels_or_rests_in_clear(identity: Harness) -> None:
    reference = await _track(identity, email="ada@example.org")
    code = await _code(identity, reference)
    issued = (await identity.events())[-1]
    assert issued["type"] == "townhall.identity.one_time_code.issued.v1"
    assert code not in str(issued["data"]) and "ada@example.org" not in str(issued)
    async with identity.runtime.sessions() as session:
        stored = (await session.execute(one_time_codes.select())).one()
    assert code not in stored.code_hash


async def test_an_expired_code_is_refused(identity: Harness) -> None:
    reference = await _track(identity, email="ada@example.org")
    code = await _code(identity, reference)
    past = datetime.now(UTC) - timedelta(seconds=1)
    async with identity.runtime.sessions() as session:
        await session.execute(update(one_time_codes).values(expires_at=past))
        await session.commit()
    assert await _redeem(identity, reference, code) == 401


async def test_wrong_codes_exhaust_the_reference(identity: Harness) -> None:
    reference = await _track(identity, email="ada@example.org")
    code = await _code(identity, reference)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    statuses = [await _redeem(identity, reference, wrong) for _ in range(5)]
    assert statuses == [401] * 5
    assert await _redeem(identity, reference, code) == 429, "locked even for the right code"


async def test_an_account_signs_in_only_after_its_email_is_verified(identity: Harness) -> None:
    created = await identity.http.post("/accounts", json=SIGN_UP)
    assert created.status_code == 201, created.text
    login = {"email": "ada@example.org", "password": PASSWORD}
    assert (await identity.http.post("/auth/resident-token", json=login)).status_code == 403
    reference = created.json()["reference"]
    assert await _redeem(identity, reference, await _code(identity, reference)) == 200
    response = await identity.http.post("/auth/resident-token", json=login)
    assert response.status_code == 200
    principal = await identity.services.verifier.verify(response.json()["access_token"])
    assert (principal.subject, principal.loa) == (created.json()["id"], 1)
    wrong = {**login, "password": "not the password"}
    assert (await identity.http.post("/auth/resident-token", json=wrong)).status_code == 401


async def test_a_duplicate_sign_up_is_refused_and_changes_nothing(identity: Harness) -> None:
    assert (await identity.http.post("/accounts", json=SIGN_UP)).status_code == 201
    before = (await identity.count(residents), len(await identity.events()))
    again = await identity.http.post("/accounts", json={**SIGN_UP, "email": "ADA@example.org"})
    assert again.status_code == 409
    assert (await identity.count(residents), len(await identity.events())) == before


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


async def test_the_dev_mailbox_exists_only_when_enabled(
    identity_settings: IdentitySettings,
) -> None:
    from townhall.identity.entrypoints.api.app import create

    app = create(identity_settings.model_copy(update={"identity_dev_mailbox": False}))
    assert "/dev/mailbox" not in {getattr(r, "path", "") for r in app.routes}
