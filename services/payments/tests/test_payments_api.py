"""The payments API: paying a case's fee, the sandbox's card page, refunds."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from structlog.testing import capture_logs

from townhall.payments.testing import (
    CONTEXT,
    FEE,
    OTHER_RESIDENT,
    REFERENCE,
    RESIDENT,
    SUCCEEDS,
    bearer,
    case_fee,
    counts,
    envelopes,
    services,
)
from townhall.runtime.testkit.tokens import TestIssuer

BODY = {"return_url": "https://council.example/requests/PC-2026-000123/paid"}
FINANCE_AREA = ("environmental_health", "officer")


def resident_headers(issuer: TestIssuer, key: str = "key-1") -> dict[str, str]:
    return {**bearer(issuer.resident(str(RESIDENT))), "Idempotency-Key": key}


async def create(http: httpx.AsyncClient, issuer: TestIssuer, **body: Any) -> httpx.Response:
    return await http.post(
        f"/cases/{REFERENCE}/payments", json={**BODY, **body}, headers=resident_headers(issuer)
    )


async def test_a_resident_pays_their_cases_fee_on_any_database(
    client: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    made = await create(client, issuer)
    assert made.status_code == 201, made.text
    payment = made.json()
    assert payment["amount"] == FEE and payment["state"]["status"] == "created"
    assert payment["next_url"].startswith("http://payments/sandbox/card/")
    shown = await client.get(
        made.headers["Location"], headers=bearer(issuer.resident(str(RESIDENT)))
    )
    assert shown.json()["payment_id"] == payment["payment_id"]
    again = await create(client, issuer)
    assert again.json()["payment_id"] == payment["payment_id"]
    assert [e.type for e in await envelopes(client)] == ["townhall.payments.payment.created.v1"]


async def test_the_same_key_with_another_body_is_refused(
    http: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    await create(http, issuer)
    before = await counts(http)
    refused = await create(http, issuer, language="cy")
    assert refused.status_code == 422
    assert refused.json()["title"] == "Idempotency-Key reused"
    assert await counts(http) == before


async def _paid(http: httpx.AsyncClient, issuer: TestIssuer) -> dict[str, Any]:
    payment = (await create(http, issuer)).json()
    page = payment["next_url"].removeprefix("http://payments")
    assert (
        await http.post(page, data={"card_number": SUCCEEDS, "action": "pay"})
    ).status_code == 200
    return payment


BAD_INPUT = [
    ("unknown case", "/cases/PC-2026-999999/payments", BODY, {}, 404),
    ("wrong amount", None, {**BODY, "amount": 100}, {}, 422),
    ("no Idempotency-Key", None, BODY, {"Idempotency-Key": None}, 422),
    ("card details sent to Townhall", None, {**BODY, "card_number": SUCCEEDS}, {}, 422),
    ("unknown language", None, {**BODY, "language": "fr"}, {}, 422),
    ("not a URL to return to", None, {"return_url": "javascript:alert(1)"}, {}, 422),
    ("a malformed reference", "/cases/not-a-ref/payments", BODY, {}, 422),
    ("a body that is not JSON", None, "not json", {}, 400),
]


@pytest.mark.parametrize(
    ("name", "path", "body", "headers", "status"), BAD_INPUT, ids=[b[0] for b in BAD_INPUT]
)
async def test_bad_input_is_a_clear_problem_and_changes_nothing(
    http: httpx.AsyncClient,
    issuer: TestIssuer,
    name: str,
    path: str | None,
    body: Any,
    headers: dict[str, str | None],
    status: int,
) -> None:
    before = await counts(http)
    sent = {k: v for k, v in {**resident_headers(issuer), **headers}.items() if v is not None}
    url = path or f"/cases/{REFERENCE}/payments"
    if isinstance(body, str):
        sent["Content-Type"] = "application/json"
        answer = await http.post(url, content=body, headers=sent)
    else:
        answer = await http.post(url, json=body, headers=sent)
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert SUCCEEDS not in answer.text
    assert await counts(http) == before


async def test_a_case_with_no_fee_and_a_paid_case_are_refused(
    http: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    await services(http).bus.handle(case_fee("PC-2026-000200", fee=None), CONTEXT)
    no_fee = await http.post(
        "/cases/PC-2026-000200/payments", json=BODY, headers=resident_headers(issuer)
    )
    assert (no_fee.status_code, no_fee.json()["title"]) == (422, "No fee to pay")
    await _paid(http, issuer)
    before = await counts(http)
    again = await http.post(
        f"/cases/{REFERENCE}/payments", json=BODY, headers=resident_headers(issuer, "key-2")
    )
    assert again.status_code == 409
    assert await counts(http) == before


async def test_another_residents_case_is_not_found(
    http: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    headers = {**bearer(issuer.resident(str(OTHER_RESIDENT))), "Idempotency-Key": "k"}
    answer = await http.post(f"/cases/{REFERENCE}/payments", json=BODY, headers=headers)
    assert answer.status_code == 404


async def test_an_officer_takes_a_payment_on_the_residents_behalf(
    http: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    headers = {**bearer(issuer.officer(FINANCE_AREA)), "Idempotency-Key": "phone-1"}
    made = await http.post(f"/cases/{REFERENCE}/payments", json=BODY, headers=headers)
    assert made.status_code == 201
    listed = await http.get(
        f"/cases/{REFERENCE}/payments", headers=bearer(issuer.tracking(str(RESIDENT), REFERENCE))
    )
    assert [p["payment_id"] for p in listed.json()] == [made.json()["payment_id"]]


async def test_the_card_page_takes_a_test_card_and_never_keeps_the_number(
    http: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    payment = (await create(http, issuer)).json()
    page = payment["next_url"].removeprefix("http://payments")
    shown = await http.get(page)
    assert shown.status_code == 200 and "4444333322221111" in shown.text
    assert "form-action 'self'" in shown.headers["content-security-policy"]
    with capture_logs() as logs:
        unknown = await http.post(
            page, data={"card_number": "4111 1111 1111 1111", "action": "pay"}
        )
        done = await http.post(page, data={"card_number": SUCCEEDS, "action": "pay"})
    assert unknown.status_code == 422 and "4111 1111" not in unknown.text
    assert done.status_code == 200 and "successful" in done.text
    assert BODY["return_url"] in done.text
    assert not any("4111" in str(line) or SUCCEEDS in str(line) for line in logs)
    types = [e.type.removeprefix("townhall.payments.") for e in await envelopes(http)]
    assert types == ["payment.created.v1", "payment.succeeded.v1"]
    assert SUCCEEDS not in str([e.model_dump() for e in await envelopes(http)])


async def test_cancelling_on_the_card_page_cancels_the_payment(
    http: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    payment = (await create(http, issuer)).json()
    page = payment["next_url"].removeprefix("http://payments")
    done = await http.post(page, data={"action": "cancel"})
    assert "cancelled" in done.text
    assert (await envelopes(http))[-1].type == "townhall.payments.payment.failed.v1"
    assert (await http.get("/sandbox/card/no-such-page")).status_code == 404


async def test_an_officer_refunds_part_then_is_refused_a_stale_available_amount(
    http: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    payment = await _paid(http, issuer)
    url = f"/payments/{payment['payment_id']}/refunds"
    officer = bearer(issuer.officer(FINANCE_AREA))
    first = await http.post(
        url, json={"amount": 1500, "refund_amount_available": FEE}, headers=officer
    )
    assert (first.status_code, first.json()["status"]) == (202, "success")
    before = await counts(http)
    stale = await http.post(
        url, json={"amount": 100, "refund_amount_available": FEE}, headers=officer
    )
    assert stale.status_code == 412 and stale.json()["amount_available"] == FEE - 1500
    too_much = await http.post(
        url, json={"amount": FEE, "refund_amount_available": FEE - 1500}, headers=officer
    )
    assert too_much.status_code == 422
    assert await counts(http) == before
    resident = await http.post(
        url,
        json={"amount": 1, "refund_amount_available": 1},
        headers=bearer(issuer.resident(str(RESIDENT))),
    )
    assert resident.status_code == 403
    shown = await http.get(f"/payments/{payment['payment_id']}", headers=officer)
    assert shown.json()["refund_summary"] == {
        "status": "available",
        "amount_available": FEE - 1500,
        "amount_submitted": 1500,
    }
