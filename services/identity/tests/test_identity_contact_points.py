"""Adding an email or phone to a record: officers directly, and told when another
resident holds it; residents only by proving it with a code, in answers that never
tell whether someone else holds it."""

from __future__ import annotations

from typing import Any

import pytest

from townhall.identity.testing import Harness, bearer


async def _officer(identity: Harness) -> dict[str, str]:
    return bearer(await identity.officer_token("cc@example.org", ("contact_centre", "personal")))


async def _record(identity: Harness, resident_id: str, officer: dict[str, str]) -> dict[str, Any]:
    response = await identity.http.get(f"/residents/{resident_id}", headers=officer)
    assert response.status_code == 200, response.text
    record: dict[str, Any] = response.json()
    return record


async def test_an_officer_adds_a_contact_point_directly_unverified(identity: Harness) -> None:
    rid = await identity.register(email="ada@example.org")
    officer = await _officer(identity)
    url = f"/residents/{rid}/contact-points"
    response = await identity.http.post(url, json={"phone": "07700 900123"}, headers=officer)
    assert response.status_code == 204, response.text
    points = (await _record(identity, rid, officer))["contact_points"]
    assert {"kind": "phone", "value": "07700900123", "verified": False} in points


@pytest.mark.parametrize(
    "body", [{"email": "BEA@example.org"}, {"phone": "+44 7700 900456"}], ids=["email", "phone"]
)
async def test_an_officer_is_told_when_another_resident_holds_the_contact_point(
    identity: Harness, body: dict[str, str]
) -> None:
    ada = await identity.register(email="ada@example.org")
    bea = await identity.register(email="bea@example.org", phone="07700900456")
    officer = await _officer(identity)
    before = [await _record(identity, rid, officer) for rid in (ada, bea)]
    response = await identity.http.post(
        f"/residents/{ada}/contact-points", json=body, headers=officer
    )
    assert response.status_code == 409, response.text
    assert response.headers["Content-Type"] == "application/problem+json"
    assert [await _record(identity, rid, officer) for rid in (ada, bea)] == before
