"""A resident's own appointments (``GET /residents/me/appointments``): their part of the
front door's subject access export. Only the caller's own, of every request."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx

from townhall.booking.bootstrap import Booking
from townhall.booking.testing import known_case
from townhall.runtime.clock import ManualClock
from townhall.runtime.testkit.tokens import TestIssuer

MINE = "/residents/me/appointments"


def _booking(http: httpx.AsyncClient) -> Booking:
    built: Booking = http.booking  # type: ignore[attr-defined]
    return built


async def _book(http: httpx.AsyncClient, token: str, resident: uuid.UUID) -> str:
    """A visit for a new case of ``resident``'s, at the first slot still free."""
    case = await known_case(_booking(http), resident_id=resident)
    me = {"Authorization": f"Bearer {token}"}
    path = f"/cases/{case.reference}"
    free = (await http.get(f"{path}/availability", headers=me)).json()["slots"][0]
    slot = {"resource": free["resource"], "starts_at": free["starts_at"]}
    held = await http.post(f"{path}/holds", json=slot, headers=me)
    assert held.status_code == 201, held.text
    confirmed = await http.post(f"{path}/holds/{held.json()['id']}/confirm", headers=me)
    assert confirmed.status_code == 200, confirmed.text
    return str(confirmed.json()["id"])


async def test_a_resident_lists_their_own_appointments_of_every_request_and_nobody_elses(
    http: httpx.AsyncClient, issuer: TestIssuer, clock: ManualClock
) -> None:
    me, someone = uuid.uuid4(), uuid.uuid4()
    mine = issuer.resident(str(me))
    first = await _book(http, mine, me)
    clock.advance(timedelta(minutes=1))
    second = await _book(http, mine, me)
    await _book(http, issuer.resident(str(someone)), someone)

    listed = await http.get(MINE, headers={"Authorization": f"Bearer {mine}"})

    assert listed.status_code == 200, listed.text
    assert [a["id"] for a in listed.json()] == [second, first]
    assert {a["status"] for a in listed.json()} == {"confirmed"}


async def test_a_bad_limit_is_a_problem_and_only_an_account_holder_has_a_list(
    http: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    me = uuid.uuid4()
    mine = {"Authorization": f"Bearer {issuer.resident(str(me))}"}
    for bad in ("0", "501", "all"):
        assert (await http.get(MINE, params={"limit": bad}, headers=mine)).status_code == 422
    tracking = issuer.tracking(str(me), "PC-2026-000001")
    officer = issuer.officer(("pest_control", "personal"))
    for token in (tracking, officer):
        refused = await http.get(MINE, headers={"Authorization": f"Bearer {token}"})
        assert refused.status_code == 403
    assert (await http.get(MINE)).status_code == 401
    service = issuer.token("not-a-uuid", "resident", loa=1)
    answered = await http.get(MINE, headers={"Authorization": f"Bearer {service}"})
    assert answered.json() == []
