"""A resident's own payments (``GET /residents/me/payments``): their part of the front
door's subject access export. Only the caller's own, of every request, newest first."""

from __future__ import annotations

import httpx

from townhall.payments.testing import (
    CONTEXT,
    OTHER_RESIDENT,
    REFERENCE,
    RESIDENT,
    bearer,
    case_fee,
    counts,
    services,
)
from townhall.runtime.testkit.tokens import TestIssuer

MINE = "/residents/me/payments"
BODY = {"return_url": "https://council.example/requests/paid"}


async def _pay(http: httpx.AsyncClient, token: str, reference: str, key: str) -> str:
    headers = {**bearer(token), "Idempotency-Key": key}
    made = await http.post(f"/cases/{reference}/payments", json=BODY, headers=headers)
    assert made.status_code == 201, made.text
    return str(made.json()["payment_id"])


async def test_a_resident_lists_their_own_payments_of_every_request_and_nobody_elses(
    client: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    other_case = "PC-2026-000124"
    theirs = "PC-2026-000125"
    bus = services(client).bus
    await bus.handle(case_fee(other_case), CONTEXT)
    await bus.handle(case_fee(theirs, resident=OTHER_RESIDENT), CONTEXT)
    me = issuer.resident(str(RESIDENT))
    first = await _pay(client, me, REFERENCE, "k1")
    second = await _pay(client, me, other_case, "k2")
    await _pay(client, issuer.resident(str(OTHER_RESIDENT)), theirs, "k3")

    listed = await client.get(MINE, headers=bearer(me))

    assert listed.status_code == 200, listed.text
    assert [p["payment_id"] for p in listed.json()] == [second, first]
    assert {p["case_reference"] for p in listed.json()} == {REFERENCE, other_case}


async def test_a_bad_limit_is_a_problem_and_only_an_account_holder_has_a_list(
    http: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    me = issuer.resident(str(RESIDENT))
    await _pay(http, me, REFERENCE, "k1")
    before = await counts(http)
    for bad in ("0", "501", "all"):
        refused = await http.get(MINE, params={"limit": bad}, headers=bearer(me))
        assert refused.status_code == 422
    tracking = issuer.tracking(str(RESIDENT), REFERENCE)
    assert (await http.get(MINE, headers=bearer(tracking))).status_code == 403
    officer = issuer.officer(("environmental_health", "officer"))
    assert (await http.get(MINE, headers=bearer(officer))).status_code == 403
    assert (await http.get(MINE)).status_code == 401
    assert await counts(http) == before
