"""Officers: administrators create them and grant and revoke roles; officers sign in."""

from __future__ import annotations

import pytest

from townhall.identity.adapters.orm import officer_roles, officers
from townhall.identity.domain.officers import CLEARANCES
from townhall.identity.seed import DEMO_OFFICERS, DEMO_PASSWORD, seed_demo
from townhall.identity.testing import PASSWORD, Harness, bearer
from townhall.schemas.envelope import Sensitivity

NEW = {"email": "new.officer@example.org", "display_name": "New Officer", "password": PASSWORD}


def test_clearances_are_exactly_the_event_sensitivities() -> None:
    assert tuple(s.value for s in Sensitivity) == CLEARANCES


async def test_an_administrator_grants_and_revokes_roles_as_events(identity: Harness) -> None:
    admin = bearer(await identity.admin_token())
    created = await identity.http.post("/officers", json=NEW, headers=admin)
    assert created.status_code == 201, created.text
    officer_id = created.json()["id"]
    grant = await identity.http.put(
        f"/officers/{officer_id}/roles/housing", json={"clearance": "sensitive"}, headers=admin
    )
    assert grant.status_code == 204, grant.text
    shown = await identity.http.get(f"/officers/{officer_id}", headers=admin)
    assert shown.json()["roles"] == {"housing": "sensitive"}
    token = (await identity.login(NEW["email"])).json()["access_token"]
    principal = await identity.services.verifier.verify(token)
    assert principal.clearances("housing") == ("sensitive",)
    revoke = await identity.http.delete(f"/officers/{officer_id}/roles/housing", headers=admin)
    assert revoke.status_code == 204
    types = [e["type"].split(".", 2)[2] for e in await identity.events()]
    assert types[-3:] == [
        "officer.created.v1",
        "officer.role_granted.v1",
        "officer.role_revoked.v1",
    ]
    last = (await identity.events())[-1]
    assert last["data"]["domain"] == "housing" and last["subject"] == f"officer/{officer_id}"


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("roles/unknown_domain", {"clearance": "personal"}, 422),
        ("roles/housing", {"clearance": "top-secret"}, 422),
        ("roles/housing", {}, 422),
    ],
)
async def test_bad_role_grants_are_refused_and_change_nothing(
    identity: Harness, path: str, body: dict[str, str], status: int
) -> None:
    admin = bearer(await identity.admin_token())
    officer_id = await identity.create_officer("someone@example.org")
    before = (await identity.count(officer_roles), len(await identity.events()))
    response = await identity.http.put(f"/officers/{officer_id}/{path}", json=body, headers=admin)
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == "application/problem+json"
    assert (await identity.count(officer_roles), len(await identity.events())) == before


async def test_revoking_a_role_not_held_or_of_an_unknown_officer_is_refused(
    identity: Harness,
) -> None:
    admin = bearer(await identity.admin_token())
    officer_id = await identity.create_officer("someone@example.org")
    assert (
        await identity.http.delete(f"/officers/{officer_id}/roles/waste", headers=admin)
    ).status_code == 409
    unknown = "00000000-0000-0000-0000-000000000000"
    assert (
        await identity.http.delete(f"/officers/{unknown}/roles/waste", headers=admin)
    ).status_code == 404


async def test_only_administrators_manage_officers(identity: Harness) -> None:
    token = await identity.officer_token("waste@example.org", ("waste", "special"))
    assert (
        await identity.http.post("/officers", json=NEW, headers=bearer(token))
    ).status_code == 403
    assert (await identity.http.post("/officers", json=NEW)).status_code == 401
    assert await identity.count(officers) == 1


async def test_a_second_officer_with_the_same_email_is_refused(identity: Harness) -> None:
    admin = bearer(await identity.admin_token())
    assert (await identity.http.post("/officers", json=NEW, headers=admin)).status_code == 201
    again = await identity.http.post(
        "/officers", json={**NEW, "email": NEW["email"].upper()}, headers=admin
    )
    assert again.status_code == 409
    assert await identity.count(officers) == 2


async def test_a_short_password_is_refused(identity: Harness) -> None:
    admin = bearer(await identity.admin_token())
    response = await identity.http.post(
        "/officers", json={**NEW, "password": "short"}, headers=admin
    )
    assert response.status_code == 422


async def test_demo_seeding_is_idempotent_and_its_officers_can_sign_in(identity: Harness) -> None:
    logins = await seed_demo(identity.services.bus)
    count = await identity.count(officers)
    await seed_demo(identity.services.bus)
    assert await identity.count(officers) == count == len(DEMO_OFFICERS)
    response = await identity.login(logins[0], DEMO_PASSWORD)
    assert response.status_code == 200
    assert all(email.endswith("@example.org") for email in logins)
