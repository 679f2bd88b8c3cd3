"""One contract, two providers: the sandbox, and the GOV.UK Pay adapter against the
local stub of Pay's API. Whatever the handlers rely on holds for both."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import timedelta

import httpx
import pytest

from townhall.payments.adapters.govuk_pay import GovukPayProvider
from townhall.payments.adapters.sandbox import SandboxProvider
from townhall.payments.domain.exceptions import ProviderError, RefundAmountAvailableMismatchError
from townhall.payments.service_layer.providers import NewPayment, PaymentProvider
from townhall.payments.testing import SUCCEEDS
from townhall.payments.testing_govuk_pay import GovukPayStub
from townhall.runtime.clock import ManualClock

API_KEY = "api_test_stub_key"
Finish = Callable[[str], object]


def new(key: str = "k-1", **changes: object) -> NewPayment:
    values: dict[str, object] = {
        "amount": 6500,
        "reference": "PC-2026-000123",
        "description": "Pest control",
        "language": "en",
        "return_url": "https://council.example/paid",
        "idempotency_key": key,
        **changes,
    }
    return NewPayment(**values)  # type: ignore[arg-type]


@pytest.fixture(params=["sandbox", "govuk_pay"])
async def provider(request: pytest.FixtureRequest) -> AsyncIterator[tuple[PaymentProvider, Finish]]:
    clock = ManualClock()
    if request.param == "sandbox":
        sandbox = SandboxProvider("http://payments", clock=clock)

        async def pay(provider_id: str) -> None:
            await sandbox.pay(provider_id, SUCCEEDS)

        yield sandbox, pay
        return
    stub = GovukPayStub(API_KEY, clock=clock)
    pay_api = GovukPayProvider("http://pay", API_KEY, transport=httpx.ASGITransport(app=stub.app))

    async def finish(provider_id: str) -> None:
        stub.finish(provider_id, "success")

    yield pay_api, finish
    await pay_api.aclose()


async def test_a_new_payment_is_created_with_a_page_to_pay_on(
    provider: tuple[PaymentProvider, Finish],
) -> None:
    made = await provider[0].create(new())
    assert made.status == "created" and made.amount == 6500 and made.next_url
    again = await provider[0].get(made.provider_id)
    assert (again.provider_id, again.status, again.reference) == (
        made.provider_id,
        "created",
        "PC-2026-000123",
    )
    assert [e.status for e in await provider[0].events(made.provider_id)] == ["created"]


async def test_a_repeated_create_with_the_same_key_is_the_same_payment(
    provider: tuple[PaymentProvider, Finish],
) -> None:
    first = await provider[0].create(new())
    assert (await provider[0].create(new())).provider_id == first.provider_id


async def test_a_paid_payment_refunds_what_is_available_and_refuses_a_stale_amount(
    provider: tuple[PaymentProvider, Finish],
) -> None:
    pay, finish = provider
    made = await pay.create(new())
    await finish(made.provider_id)  # type: ignore[func-returns-value]
    assert (await pay.get(made.provider_id)).refund_amount_available == 6500
    refund = await pay.refund(made.provider_id, 1000, 6500)
    assert refund.amount == 1000 and refund.status in ("submitted", "success")
    again = await pay.get_refund(made.provider_id, refund.provider_refund_id)
    assert (again.amount, again.status) == (1000, refund.status)
    with pytest.raises(RefundAmountAvailableMismatchError):
        await pay.refund(made.provider_id, 1000, 6500)
    assert (await pay.get(made.provider_id)).refund_amount_available == 5500


async def test_an_open_payment_can_be_cancelled_and_a_finished_one_cannot(
    provider: tuple[PaymentProvider, Finish],
) -> None:
    pay = provider[0]
    made = await pay.create(new())
    await pay.cancel(made.provider_id)
    cancelled = await pay.get(made.provider_id)
    assert (cancelled.status, cancelled.code) == ("cancelled", "P0040")
    with pytest.raises(ProviderError, match="P0502"):
        await pay.cancel(made.provider_id)


async def test_an_unknown_payment_is_a_provider_error(
    provider: tuple[PaymentProvider, Finish],
) -> None:
    with pytest.raises(ProviderError, match="P0200"):
        await provider[0].get("no-such-payment")


async def test_the_days_payments_and_refunds_are_listed(
    provider: tuple[PaymentProvider, Finish],
) -> None:
    pay, finish = provider
    made = await pay.create(new())
    await finish(made.provider_id)  # type: ignore[func-returns-value]
    await pay.refund(made.provider_id, 500, 6500)
    start = made.created_at - timedelta(hours=1)
    end = made.created_at + timedelta(hours=1)
    assert [p.provider_id for p in await pay.payments_between(start, end)] == [made.provider_id]
    assert [r.amount for r in await pay.refunds_between(start, end)] == [500]
    assert await pay.payments_between(end, end + timedelta(days=1)) == []


async def test_the_stub_answers_as_pay_does_to_what_pay_refuses() -> None:
    stub = GovukPayStub(API_KEY)
    transport = httpx.ASGITransport(app=stub.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://pay") as http:
        auth = {"Authorization": f"Bearer {API_KEY}"}
        wrong_key = await http.post("/v1/payments", json={}, headers={"Authorization": "Bearer x"})
        missing = await http.post("/v1/payments", json={"amount": 100}, headers=auth)
        body = {
            "amount": 0,
            "reference": "R",
            "description": "D",
            "return_url": "https://x.example/",
        }
        invalid = await http.post("/v1/payments", json=body, headers=auth)
        not_json = await http.post("/v1/payments", content=b"{", headers=auth)
    assert wrong_key.status_code == 401
    assert (missing.status_code, missing.json()["code"], missing.json()["field"]) == (
        400,
        "P0101",
        "reference",
    )
    assert (invalid.status_code, invalid.json()["code"]) == (422, "P0102")
    assert not_json.json()["code"] == "P0197"
    pay = GovukPayProvider("http://pay", API_KEY, transport=transport)
    with pytest.raises(ProviderError, match="P0102"):
        await pay.create(new(return_url="http://insecure.example/"))
    first = await pay.create(new("same-key"))
    with pytest.raises(ProviderError, match="P0191"):
        await pay.create(new("same-key", amount=100))
    with pytest.raises(ProviderError, match="P0603"):
        await pay.refund(first.provider_id, 100, 0)
    await pay.aclose()
