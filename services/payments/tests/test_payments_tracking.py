"""A resident following a request with a tracking token (identity's one-time code):
they pay for it, list its payments and read one as it stands when they come back from
the provider's page, for that request only and only if it is theirs."""

from __future__ import annotations

import httpx

from townhall.payments.testing import (
    CONTEXT,
    OTHER_RESIDENT,
    REFERENCE,
    RESIDENT,
    SUCCEEDS,
    bearer,
    case_fee,
    counts,
    services,
)
from townhall.runtime.testkit.tokens import TestIssuer

BODY = {"return_url": "https://council.example/track/PC-2026-000123/paid"}
OTHER = "PC-2026-000124"


def _tracking(
    issuer: TestIssuer, reference: str = REFERENCE, resident: object = RESIDENT
) -> dict[str, str]:
    return bearer(issuer.tracking(str(resident), reference))


async def _pay(
    http: httpx.AsyncClient, headers: dict[str, str], reference: str = REFERENCE
) -> httpx.Response:
    return await http.post(
        f"/cases/{reference}/payments",
        json=BODY,
        headers={**headers, "Idempotency-Key": f"key-{reference}"},
    )


async def test_a_tracking_token_reads_its_payment_as_it_stands_after_the_card_page(
    client: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    made = await _pay(client, _tracking(issuer))
    assert made.status_code == 201, made.text
    payment = made.json()
    page = payment["next_url"].removeprefix("http://payments")
    await client.post(page, data={"card_number": SUCCEEDS, "action": "pay"})
    url = f"/cases/{REFERENCE}/payments/{payment['payment_id']}"
    shown = await client.get(url, headers=_tracking(issuer))
    assert shown.status_code == 200, shown.text
    assert (shown.json()["payment_id"], shown.json()["state"]["status"]) == (
        payment["payment_id"],
        "success",
    )


async def test_a_tracking_token_reads_no_payment_of_another_request(
    http: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    await services(http).bus.handle(case_fee(OTHER), CONTEXT)
    theirs = (await _pay(http, _tracking(issuer, OTHER), OTHER)).json()["payment_id"]
    mine = (await _pay(http, _tracking(issuer))).json()["payment_id"]
    headers = _tracking(issuer)
    elsewhere = await http.get(f"/cases/{OTHER}/payments/{theirs}", headers=headers)
    smuggled = await http.get(f"/cases/{REFERENCE}/payments/{theirs}", headers=headers)
    by_id = await http.get(f"/payments/{mine}", headers=headers)
    assert (elsewhere.status_code, smuggled.status_code, by_id.status_code) == (403, 404, 403)
    assert smuggled.headers["Content-Type"] == "application/problem+json"


async def test_a_tracking_token_for_someone_elses_request_is_answered_as_for_none(
    http: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    """A ``ref`` claim proves only that someone read one message: naming another
    resident's request (or an unmatched one) opens nothing, and changes nothing."""
    await services(http).bus.handle(case_fee(OTHER, resident=None), CONTEXT)
    mine = (await _pay(http, _tracking(issuer))).json()["payment_id"]
    before = await counts(http)
    stranger = _tracking(issuer, resident=OTHER_RESIDENT)
    unmatched = _tracking(issuer, OTHER)
    statuses = [
        (await _pay(http, stranger)).status_code,
        (await http.get(f"/cases/{REFERENCE}/payments", headers=stranger)).status_code,
        (await http.get(f"/cases/{REFERENCE}/payments/{mine}", headers=stranger)).status_code,
        (await _pay(http, unmatched, OTHER)).status_code,
    ]
    assert statuses == [404] * 4
    assert await counts(http) == before


async def test_a_bad_payment_id_is_a_clear_problem(
    http: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    found = await http.get(f"/cases/{REFERENCE}/payments/not-a-uuid", headers=_tracking(issuer))
    assert found.status_code == 422
    assert found.headers["Content-Type"] == "application/problem+json"
