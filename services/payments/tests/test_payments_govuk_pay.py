"""Taking payments through GOV.UK Pay (its stub): signed webhooks, delivered at least
once and in no order, and the poll that catches up when they are late."""

from __future__ import annotations

import hashlib
import hmac
import json
import random
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from townhall.payments.bootstrap import bootstrap
from townhall.payments.domain.commands import CatchUp
from townhall.payments.domain.model import EXPIRY
from townhall.payments.entrypoints.api.app import create
from townhall.payments.entrypoints.api.dependencies import services_of
from townhall.payments.entrypoints.poller import Poller
from townhall.payments.testing import (
    CONTEXT,
    FEE,
    REFERENCE,
    RESIDENT,
    bearer,
    case_fee,
    counts,
    envelopes,
    services,
    settings_for,
)
from townhall.payments.testing_govuk_pay import GovukPayStub
from townhall.runtime.clock import ManualClock
from townhall.runtime.testkit.tokens import TestIssuer

API_KEY = "api_test_stub_key"
SECRET = "webhook-signing-secret"
BODY = {"return_url": "https://council.example/paid"}


@pytest.fixture
async def pay(tmp_path: Path) -> AsyncIterator[tuple[httpx.AsyncClient, GovukPayStub, TestIssuer]]:
    """The payments app with GOV.UK Pay as its provider, Pay being the local stub."""
    clock = ManualClock()
    stub = GovukPayStub(API_KEY, clock=clock)
    issuer = TestIssuer(tmp_path)
    settings = settings_for(
        f"sqlite+aiosqlite:///{tmp_path / 'payments.db'}",
        auth_jwks_url=issuer.jwks_url,
        payment_provider="govuk_pay",
        govuk_pay_base_url="http://pay",
        govuk_pay_api_key=API_KEY,
        govuk_pay_webhook_signing_secret=SECRET,
    )
    built = bootstrap(settings, clock=clock, provider_transport=httpx.ASGITransport(app=stub.app))
    app = create(services=built)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://payments"
        ) as http,
    ):
        http.app = app  # type: ignore[attr-defined]
        await services_of(app).bus.handle(case_fee(), CONTEXT)
        yield http, stub, issuer


async def _created(
    http: httpx.AsyncClient, stub: GovukPayStub, issuer: TestIssuer
) -> dict[str, Any]:
    headers = {**bearer(issuer.resident(str(RESIDENT))), "Idempotency-Key": "k"}
    made = await http.post(f"/cases/{REFERENCE}/payments", json=BODY, headers=headers)
    assert made.status_code == 201, made.text
    return made.json()


def _provider_id(stub: GovukPayStub) -> str:
    [provider_id] = stub.payments
    return provider_id


def sign(body: bytes) -> str:
    """Pay-Signature: the lower-case hex HMAC-SHA256 of the body under the secret."""
    return hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()


async def deliver(http: httpx.AsyncClient, body: bytes, signature: str) -> httpx.Response:
    headers = {"Pay-Signature": signature, "Content-Type": "application/json"}
    return await http.post("/webhooks/govuk-pay", content=body, headers=headers)


async def test_a_payment_is_created_at_pay_and_its_page_is_pays(pay: Any) -> None:
    http, stub, issuer = pay
    payment = await _created(http, stub, issuer)
    provider_id = _provider_id(stub)
    assert payment["next_url"] == f"http://pay/secure/{provider_id}"
    assert stub.payments[provider_id].body["amount"] == FEE
    assert stub.payments[provider_id].body["reference"] == REFERENCE


async def test_an_officer_taking_a_payment_by_phone_makes_it_a_moto_payment_at_pay(
    pay: Any,
) -> None:
    """GOV.UK Pay: "include "moto": true in the request body" for a payment taken over
    the phone: the officer types the caller's card on Pay's page, with no 3-D Secure
    step the caller could not complete. A resident paying online is not MOTO."""
    http, stub, issuer = pay
    officer = {
        **bearer(issuer.officer(("environmental_health", "officer"))),
        "Idempotency-Key": "p",
    }
    by_phone = await http.post(f"/cases/{REFERENCE}/payments", json=BODY, headers=officer)
    assert by_phone.status_code == 201, by_phone.text
    [phone_payment] = stub.payments.values()
    assert phone_payment.body["moto"] is True

    online = await _created(http, stub, issuer)  # another attempt, by the resident online
    assert online["payment_id"] != by_phone.json()["payment_id"]
    [online_payment] = [p for p in stub.payments.values() if p is not phone_payment]
    assert "moto" not in online_payment.body


async def test_webhooks_delivered_three_times_in_any_order_have_one_effect(pay: Any) -> None:
    http, stub, issuer = pay
    await _created(http, stub, issuer)
    provider_id = _provider_id(stub)
    messages = []
    for status in ("started", "submitted", "success"):
        stub.finish(provider_id, status)
        messages += [stub.webhook(provider_id, SECRET)] * 3
    random.Random(3).shuffle(messages)
    outcomes = [(await deliver(http, *m)).json()["outcome"] for m in messages]
    assert outcomes.count("applied") <= 3 and "applied" in outcomes
    types = [e.type for e in await envelopes(http)]
    assert types.count("townhall.payments.payment.succeeded.v1") == 1


async def test_a_bad_signature_is_refused_and_changes_nothing(pay: Any) -> None:
    http, stub, issuer = pay
    await _created(http, stub, issuer)
    provider_id = _provider_id(stub)
    stub.finish(provider_id, "success")
    body, signature = stub.webhook(provider_id, SECRET)
    before = await counts(http)
    for wrong in ("", "0" * 64, signature.upper(), stub.webhook(provider_id, "another secret")[1]):
        answer = await deliver(http, body, wrong)
        assert (
            answer.status_code == 401
            and answer.headers["content-type"] == "application/problem+json"
        )
    tampered = body.replace(b'"success"', b'"failed"')
    assert (await deliver(http, tampered, signature)).status_code == 401
    assert await counts(http) == before


async def test_a_webhook_for_an_unknown_payment_or_a_malformed_one_is_refused(pay: Any) -> None:
    http, stub, issuer = pay
    await _created(http, stub, issuer)
    before = await counts(http)
    provider_id = _provider_id(stub)
    body, _ = stub.webhook(provider_id, SECRET)
    body = body.replace(provider_id.encode(), b"unknown-to-townhall")
    assert (await deliver(http, body, sign(body))).status_code == 404
    junk = json.dumps({"hello": "world"}).encode()
    assert (await deliver(http, junk, sign(junk))).status_code == 422
    odd, _ = stub.webhook(provider_id, SECRET)
    odd = odd.replace(b'"created"', b'"paid"')
    assert (await deliver(http, odd, sign(odd))).status_code == 422
    assert await counts(http) == before


async def test_a_refund_is_submitted_at_pay_and_settled_by_its_webhook(pay: Any) -> None:
    http, stub, issuer = pay
    payment = await _created(http, stub, issuer)
    provider_id = _provider_id(stub)
    stub.finish(provider_id, "success")
    await deliver(http, *stub.webhook(provider_id, SECRET))
    officer = bearer(issuer.officer(("environmental_health", "officer")))
    url = f"/payments/{payment['payment_id']}/refunds"
    refund = await http.post(
        url, json={"amount": 2000, "refund_amount_available": FEE}, headers=officer
    )
    assert (refund.status_code, refund.json()["status"]) == (202, "submitted")
    [stub_refund] = stub.payments[provider_id].refunds
    stub_refund["status"] = "success"
    message = {
        "id": "m-1",
        "resource_id": stub_refund["refund_id"],
        "resource_type": "REFUND",
        "event_type": "CARD_PAYMENT_REFUNDED",
        "resource": stub_refund,
    }
    body = json.dumps(message).encode()
    for _ in range(3):
        assert (await deliver(http, body, sign(body))).status_code == 200
    types = [e.type.removeprefix("townhall.payments.") for e in await envelopes(http)]
    assert types[-2:] == ["refund.requested.v1", "refund.refunded.v1"]


async def test_the_poll_asks_pay_about_a_payment_open_past_its_expiry(pay: Any) -> None:
    http, stub, issuer = pay
    payment = await _created(http, stub, issuer)
    provider_id = _provider_id(stub)
    stub.finish(provider_id, "failed", "P0020")  # Pay expired it; its webhook never came
    built = services(http)
    assert await built.bus.handle(CatchUp(), CONTEXT) == 0  # not yet past expiry: not asked
    assert ("GET", f"/v1/payments/{provider_id}") not in stub.requests
    built.clock.advance(EXPIRY + timedelta(seconds=1))  # type: ignore[attr-defined]
    assert await built.bus.handle(CatchUp(), CONTEXT) == 1
    shown = await http.get(
        f"/payments/{payment['payment_id']}", headers=bearer(issuer.resident(str(RESIDENT)))
    )
    assert shown.json()["state"] == {
        "status": "failed",
        "finished": True,
        "code": "P0020",
        "message": "stub outcome P0020",
    }
    assert (await envelopes(http))[-1].type == "townhall.payments.payment.expired.v1"


async def test_when_pay_cannot_be_reached_the_payment_is_an_error_and_the_caller_told(
    tmp_path: Path,
) -> None:
    issuer = TestIssuer(tmp_path)

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused")

    settings = settings_for(
        f"sqlite+aiosqlite:///{tmp_path / 'p.db'}",
        auth_jwks_url=issuer.jwks_url,
        payment_provider="govuk_pay",
        govuk_pay_api_key=API_KEY,
    )
    app = create(settings, provider_transport=httpx.MockTransport(refuse))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://p") as http,
    ):
        await services_of(app).bus.handle(case_fee(), CONTEXT)
        headers = {**bearer(issuer.resident(str(RESIDENT))), "Idempotency-Key": "k"}
        answer = await http.post(f"/cases/{REFERENCE}/payments", json=BODY, headers=headers)
        assert answer.status_code == 502
        listed = await http.get(
            f"/cases/{REFERENCE}/payments", headers=bearer(issuer.resident(str(RESIDENT)))
        )
        assert listed.json()[0]["state"]["status"] == "error"


async def test_reading_an_open_payment_asks_pay_so_a_returning_payer_sees_the_outcome(
    pay: Any,
) -> None:
    http, stub, issuer = pay
    payment = await _created(http, stub, issuer)
    stub.finish(_provider_id(stub), "success")  # the payer paid; no webhook yet
    mine = bearer(issuer.resident(str(RESIDENT)))
    shown = await http.get(f"/payments/{payment['payment_id']}", headers=mine)
    assert shown.json()["state"]["status"] == "success"
    assert (await envelopes(http))[-1].type == "townhall.payments.payment.succeeded.v1"
    asked = len(stub.requests)
    await http.get(f"/payments/{payment['payment_id']}", headers=mine)
    assert len(stub.requests) == asked  # finished: not asked again


async def test_the_poll_settles_a_refund_whose_webhook_never_came(pay: Any) -> None:
    http, stub, issuer = pay
    payment = await _created(http, stub, issuer)
    provider_id = _provider_id(stub)
    stub.finish(provider_id, "success")
    await deliver(http, *stub.webhook(provider_id, SECRET))
    officer = bearer(issuer.officer(("environmental_health", "officer")))
    url = f"/payments/{payment['payment_id']}/refunds"
    await http.post(url, json={"amount": FEE, "refund_amount_available": FEE}, headers=officer)
    stub.payments[provider_id].refunds[0]["status"] = "success"
    built = services(http)
    assert await built.bus.handle(CatchUp(), CONTEXT) == 0  # not late yet
    built.clock.advance(EXPIRY + timedelta(seconds=1))  # type: ignore[attr-defined]
    assert await built.bus.handle(CatchUp(), CONTEXT) == 1
    assert (await envelopes(http))[-1].type == "townhall.payments.refund.refunded.v1"


async def test_one_replica_polls_at_a_time(pay: Any) -> None:
    http, _stub, _issuer = pay
    built = services(http)
    other = Poller(built.bus, built.runtime.sessions, 60, clock=built.clock)
    assert await built.poller.leads()
    assert not await other.leads()
    assert await other.poll_once() == 0
    built.clock.advance(timedelta(minutes=3))  # type: ignore[attr-defined]
    assert await other.leads()  # the first replica's lease ran out
