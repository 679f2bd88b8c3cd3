"""Sessions: refresh tokens issued at sign-in, rotated, revoked, and refused when spent."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import structlog
from sqlalchemy import select, update

from townhall.identity.adapters.orm import refresh_families, refresh_tokens
from townhall.identity.config import IdentitySettings
from townhall.identity.testing import ADMIN_EMAIL, PASSWORD, Harness, bearer
from townhall.runtime.auth import JWKSVerifier, Principal, Role

OFFICER = "pest@example.org"


@pytest.fixture
def identity_settings(identity_settings: IdentitySettings) -> IdentitySettings:
    return identity_settings.model_copy(
        update={
            "environment": "development",
            "identity_address_free_failures": 8,
            "identity_backoff_first_s": 600,  # a delay no slow machine outlasts
        }
    )


async def _verify(identity: Harness, token: str) -> Principal:
    """As another service verifies it: the runtime verifier, fetching identity's JWKS."""
    verifier = JWKSVerifier(
        "http://identity/.well-known/jwks.json",
        issuer="townhall-identity",
        audience="townhall",
        http_client=identity.http,
        min_refetch_seconds=0,
    )
    return await verifier.verify(token)


async def _sign_in(identity: Harness, email: str = OFFICER) -> dict[str, Any]:
    response = await identity.login(email)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def _refresh(identity: Harness, token: object) -> httpx.Response:
    return await identity.http.post("/auth/refresh", json={"refresh_token": token})


async def _stored(identity: Harness) -> list[str]:
    async with identity.runtime.sessions() as session:
        families = (await session.execute(select(refresh_families))).all()
        tokens = (await session.execute(select(refresh_tokens))).all()
    return sorted(str(tuple(row)) for row in [*families, *tokens])


def _refused(response: httpx.Response) -> None:
    assert response.status_code == 401, response.text
    assert response.headers["Content-Type"] == "application/problem+json"
    assert "sign in again" in response.json()["detail"]


async def test_a_refresh_rotates_and_the_new_token_verifies_as_another_service_would(
    identity: Harness,
) -> None:
    officer_id = await identity.create_officer(OFFICER, ("pest_control", "personal"))
    signed_in = await _sign_in(identity)
    assert signed_in["refresh_expires_in"] == 12 * 3600
    admin = bearer(await identity.admin_token())
    grant = {"clearance": "sensitive"}
    path = f"/officers/{officer_id}/roles/housing"
    assert (await identity.http.put(path, json=grant, headers=admin)).status_code == 204

    response = await _refresh(identity, signed_in["refresh_token"])

    assert response.status_code == 200, response.text
    assert response.headers["Cache-Control"] == "no-store"
    body = response.json()
    assert body["refresh_token"] != signed_in["refresh_token"]
    assert 0 < body["refresh_expires_in"] <= signed_in["refresh_expires_in"], "never extended"
    principal = await _verify(identity, body["access_token"])
    assert (principal.kind, principal.subject, principal.loa) == ("officer", officer_id, 2)
    assert set(principal.roles) == {Role("pest_control", "personal"), Role("housing", "sensitive")}
    again = await _refresh(identity, body["refresh_token"])
    assert again.status_code == 200, "the rotated-to token works, once"


async def test_a_reused_refresh_token_revokes_the_whole_family(identity: Harness) -> None:
    await identity.create_officer(OFFICER, ("pest_control", "personal"))
    first = (await _sign_in(identity))["refresh_token"]
    other_device = (await _sign_in(identity))["refresh_token"]
    second = (await _refresh(identity, first)).json()["refresh_token"]

    with structlog.testing.capture_logs() as logs:
        _refused(await _refresh(identity, first))

    assert [e["log_level"] for e in logs if e["event"] == "refresh_token_reused"] == ["warning"]
    _refused(await _refresh(identity, second))
    assert (await _refresh(identity, other_device)).status_code == 200, "other sign-ins live on"


async def test_two_refreshes_racing_with_one_token_end_the_session(identity: Harness) -> None:
    await identity.create_officer(OFFICER)
    token = (await _sign_in(identity))["refresh_token"]
    responses = await asyncio.gather(*(_refresh(identity, token) for _ in range(2)))
    assert sorted(r.status_code for r in responses) == [200, 401]
    winner = next(r for r in responses if r.status_code == 200).json()["refresh_token"]
    _refused(await _refresh(identity, winner))


async def test_signing_out_ends_the_session_and_is_idempotent(identity: Harness) -> None:
    await identity.create_officer(OFFICER)
    token = (await _sign_in(identity))["refresh_token"]
    for body in ({"refresh_token": token}, {"refresh_token": token}, {"refresh_token": "unknown"}):
        assert (await identity.http.post("/auth/logout", json=body)).status_code == 204
    _refused(await _refresh(identity, token))
    assert (await identity.http.post("/auth/logout", json={})).status_code == 422


async def test_revoking_a_role_stops_the_officers_refresh(identity: Harness) -> None:
    officer_id = await identity.create_officer(OFFICER, ("pest_control", "personal"))
    token = (await _sign_in(identity))["refresh_token"]
    admin = bearer(await identity.admin_token())
    path = f"/officers/{officer_id}/roles/pest_control"
    assert (await identity.http.delete(path, headers=admin)).status_code == 204
    _refused(await _refresh(identity, token))
    signed_in_again = await _sign_in(identity)
    principal = await _verify(identity, signed_in_again["access_token"])
    assert principal.roles == ()


async def test_an_administrator_revokes_every_session_of_an_officer(identity: Harness) -> None:
    officer_id = await identity.create_officer(OFFICER, ("waste", "special"))
    officer = await _sign_in(identity)
    laptop = (await _sign_in(identity))["refresh_token"]
    path = f"/officers/{officer_id}/sessions/revoke"
    assert (
        await identity.http.post(path, headers=bearer(officer["access_token"]))
    ).status_code == 403
    assert (await identity.http.post(path)).status_code == 401
    admin = bearer(await identity.admin_token())
    admins_own = (await _sign_in(identity, ADMIN_EMAIL))["refresh_token"]

    assert (await identity.http.post(path, headers=admin)).status_code == 204

    _refused(await _refresh(identity, officer["refresh_token"]))
    _refused(await _refresh(identity, laptop))
    assert (await _refresh(identity, admins_own)).status_code == 200, "only that officer's"
    unknown = "/officers/00000000-0000-0000-0000-000000000000/sessions/revoke"
    assert (await identity.http.post(unknown, headers=admin)).status_code == 404
    fresh = (await _sign_in(identity))["refresh_token"]
    assert (await _refresh(identity, fresh)).status_code == 200, "signing in again works"


async def test_an_expired_refresh_token_is_refused_and_changes_nothing(identity: Harness) -> None:
    await identity.create_officer(OFFICER)
    token = (await _sign_in(identity))["refresh_token"]
    async with identity.runtime.sessions() as session:
        past = datetime.now(UTC) - timedelta(seconds=1)
        await session.execute(update(refresh_families).values(expires_at=past))
        await session.commit()
    before = await _stored(identity)
    _refused(await _refresh(identity, token))
    assert await _stored(identity) == before


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({}, 422),
        ({"refresh_token": ""}, 422),
        ({"refresh_token": 12345}, 422),
        ({"refresh_token": "x" * 300}, 422),
        ({"refresh_token": "ok", "extra": 1}, 422),
        ({"refresh_token": "not a token we issued"}, 401),
        ({"refresh_token": "a" * 43}, 401),
    ],
)
async def test_bad_refresh_requests_are_refused_and_write_nothing(
    identity: Harness, body: dict[str, Any], status: int
) -> None:
    await identity.create_officer(OFFICER)
    token = (await _sign_in(identity))["refresh_token"]
    before = await _stored(identity)
    response = await identity.http.post("/auth/refresh", json=body)
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == "application/problem+json"
    assert await _stored(identity) == before
    assert (await _refresh(identity, token)).status_code == 200, "the real token is untouched"


async def test_an_address_guessing_refresh_tokens_is_made_to_wait(identity: Harness) -> None:
    await identity.create_officer(OFFICER)
    token = (await _sign_in(identity))["refresh_token"]
    statuses = [(await _refresh(identity, f"guess-{n}")).status_code for n in range(9)]
    assert statuses == [401] * 9, "a few failures from one address cost nothing"
    waiting = await _refresh(identity, token)
    assert waiting.status_code == 429, "then the address waits, even with a good token"
    assert int(waiting.headers["Retry-After"]) > 0


async def _account(identity: Harness) -> tuple[str, dict[str, Any]]:
    """Sign up and verify the email: the redemption opens the first session."""
    body = {"email": "ada@example.org", "password": PASSWORD, "given_name": "Ada"}
    created = await identity.http.post("/accounts", json={**body, "family_name": "Example"})
    reference = created.json()["reference"]
    code = await identity.code(reference)
    redeemed = await identity.http.post(
        "/auth/codes/redeem", json={"reference": reference, "code": code}
    )
    assert redeemed.status_code == 200, redeemed.text
    resident = await _verify(identity, redeemed.json()["access_token"])
    return resident.subject, redeemed.json()


async def test_a_resident_session_carries_the_current_level_of_assurance(
    identity: Harness,
) -> None:
    resident_id, verified = await _account(identity)
    assert verified["refresh_expires_in"] == 30 * 24 * 3600
    login = {"email": "ada@example.org", "password": PASSWORD}
    signed_in = (await identity.http.post("/auth/resident-token", json=login)).json()
    assert (await _verify(identity, signed_in["access_token"])).loa == 1
    officer = bearer(await identity.officer_token("cc@example.org", ("contact_centre", "special")))
    evidence = {"loa": 2, "evidence": "passport"}
    path = f"/residents/{resident_id}/assurance"
    assert (await identity.http.post(path, json=evidence, headers=officer)).status_code == 204

    response = await _refresh(identity, signed_in["refresh_token"])

    principal = await _verify(identity, response.json()["access_token"])
    assert (principal.kind, principal.subject, principal.loa) == ("resident", resident_id, 2)
    assert (await _refresh(identity, verified["refresh_token"])).status_code == 200


async def test_a_tracking_code_opens_no_session(identity: Harness) -> None:
    body = {"given_name": "Ada", "family_name": "Example", "phone": "07700 900123"}
    reference = (await identity.http.post("/auth/tracking", json=body)).json()["reference"]
    redeem = {"reference": reference, "code": await identity.code(reference)}
    response = await identity.http.post("/auth/codes/redeem", json=redeem)
    assert response.status_code == 200
    assert "refresh_token" not in response.json()
    assert await identity.count(refresh_families) == 0


async def test_erasing_a_resident_ends_their_sessions(identity: Harness) -> None:
    resident_id, verified = await _account(identity)
    admin = bearer(await identity.admin_token())
    assert (
        await identity.http.delete(f"/residents/{resident_id}", headers=admin)
    ).status_code == 204
    _refused(await _refresh(identity, verified["refresh_token"]))
