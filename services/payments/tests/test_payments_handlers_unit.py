"""Taking payments through the real handlers, a fake unit of work and the sandbox."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from townhall.payments.adapters.sandbox import UnknownTestCardError
from townhall.payments.domain import commands
from townhall.payments.domain.exceptions import (
    CaseNotFoundError,
    CaseNotPayableError,
    IdempotencyKeyReusedError,
    NoFeeError,
    PaymentNotFoundError,
    WrongAmountError,
)
from townhall.payments.domain.model import EXPIRY, Payment
from townhall.payments.testing import (
    DECLINED,
    ERRORS,
    FEE,
    OTHER_RESIDENT,
    REFERENCE,
    RESIDENT,
    SUCCEEDS,
    Harness,
    case_fee,
    harness,
    officer,
    pay,
    resident,
)


async def paying() -> tuple[Harness, Payment]:
    h = harness()
    await h.handle(case_fee())
    return h, await h.handle(pay())


async def test_a_payment_takes_the_case_fee_and_sends_the_payer_to_the_card_page() -> None:
    h, payment = await paying()
    assert payment.amount == FEE
    assert payment.next_url == f"http://payments/sandbox/card/{payment.provider_id}"
    assert h.types() == ["payment.created.v1"]
    created = h.published()[0]
    assert created.data["case_reference"] == REFERENCE
    assert created.residentid == str(RESIDENT)
    assert created.domain == "environmental_health"


async def test_the_same_key_and_body_give_the_same_payment_and_nothing_more() -> None:
    h, first = await paying()
    again = await h.handle(pay())
    assert again.id == first.id
    assert len(h.store.payments) == 1 and len(h.sandbox.charges) == 1
    assert h.types() == ["payment.created.v1"]


async def test_the_same_key_with_a_different_body_is_refused_and_changes_nothing() -> None:
    h, _ = await paying()
    with pytest.raises(IdempotencyKeyReusedError):
        await h.handle(pay(return_url="https://elsewhere.example/"))
    assert len(h.store.payments) == 1 and h.types() == ["payment.created.v1"]


async def test_one_callers_key_never_meets_anothers() -> None:
    h, first = await paying()
    second = await h.handle(pay(actor=officer("environmental_health")))
    assert second.id != first.id


async def test_starting_again_cancels_the_earlier_attempt_so_it_cannot_charge_twice() -> None:
    h, first = await paying()
    second = await h.handle(pay("key-2"))
    assert h.store.payments[first.id].status == "cancelled"
    assert h.store.payments[second.id].status == "created"
    assert h.types() == ["payment.created.v1", "payment.created.v1", "payment.cancelled.v1"]
    assert first.provider_id
    await h.sandbox.pay(first.provider_id, SUCCEEDS)  # the old page cannot take a card now
    assert h.store.payments[first.id].status == "cancelled"


@pytest.mark.parametrize(
    ("setup", "command", "error"),
    [
        (case_fee(), pay(reference="PC-2026-999999"), CaseNotFoundError),
        (case_fee(fee=None), pay(), NoFeeError),
        (case_fee(status="cancelled"), pay(), CaseNotPayableError),
        (case_fee(), pay(amount=100), WrongAmountError),
        (case_fee(), pay(actor=resident(OTHER_RESIDENT)), CaseNotFoundError),
        (case_fee(), pay(actor=officer("parking")), CaseNotFoundError),
        (case_fee(resident=None), pay(), CaseNotFoundError),
    ],
)
async def test_a_payment_that_cannot_be_taken_is_refused_and_nothing_changes(
    setup: commands.RecordCaseFee, command: commands.CreatePayment, error: type[Exception]
) -> None:
    h = harness()
    await h.handle(setup)
    with pytest.raises(error):
        await h.handle(command)
    assert h.store.payments == {} and h.types() == [] and h.sandbox.charges == {}


async def test_a_tracking_token_pays_for_the_one_request_it_names_if_it_is_theirs() -> None:
    h = harness()
    await h.handle(case_fee())
    await h.handle(case_fee("PC-2026-000124", resident=None))
    tracking = commands.Actor(str(RESIDENT), "resident", tracking=REFERENCE)
    assert (await h.handle(pay(actor=tracking))).case_reference == REFERENCE
    with pytest.raises(CaseNotFoundError):
        await h.handle(pay("k-2", reference="PC-2026-000124", actor=tracking))
    unmatched = commands.Actor(str(RESIDENT), "resident", tracking="PC-2026-000124")
    with pytest.raises(CaseNotFoundError):  # a ref claim alone is nobody's proof
        await h.handle(pay("k-3", reference="PC-2026-000124", actor=unmatched))


async def test_an_officer_takes_a_payment_for_a_case_of_their_area() -> None:
    h = harness()
    await h.handle(case_fee())
    made = await h.handle(pay(actor=officer("environmental_health")))
    assert made.created_by == "officer:officer-1"


async def test_the_success_card_pays_and_tells_cases_in_its_contract() -> None:
    h, payment = await paying()
    assert payment.provider_id
    await h.sandbox.open_page(payment.provider_id)
    await h.sandbox.pay(payment.provider_id, "4444 3333 2222 1111")
    assert h.store.payments[payment.id].status == "success"
    assert h.types() == ["payment.created.v1", "payment.succeeded.v1"]
    data = h.published()[-1].data
    assert data["case_reference"] == REFERENCE
    assert data["resident_id"] == str(RESIDENT)
    assert data["payment_id"] == str(payment.id)
    assert data["reason"] == ""


async def test_a_paid_case_takes_no_second_payment() -> None:
    h, payment = await paying()
    assert payment.provider_id
    await h.sandbox.pay(payment.provider_id, SUCCEEDS)
    with pytest.raises(CaseNotPayableError, match="paid already"):
        await h.handle(pay("key-2"))


@pytest.mark.parametrize(
    ("card", "status", "code"), [(DECLINED, "failed", "P0010"), (ERRORS, "error", "P0050")]
)
async def test_the_declined_and_error_cards_fail_the_payment(
    card: str, status: str, code: str
) -> None:
    h, payment = await paying()
    assert payment.provider_id
    await h.sandbox.pay(payment.provider_id, card)
    kept = h.store.payments[payment.id]
    assert (kept.status, kept.code) == (status, code)
    assert h.types()[-1] == "payment.failed.v1"


async def test_an_unknown_card_is_refused_without_repeating_it_and_changes_nothing() -> None:
    h, payment = await paying()
    assert payment.provider_id
    with pytest.raises(UnknownTestCardError) as refused:
        await h.sandbox.pay(payment.provider_id, "4111111111111111")
    assert "4111" not in str(refused.value)
    assert h.store.payments[payment.id].status == "created"


async def test_a_message_delivered_three_times_in_any_order_has_one_effect() -> None:
    h, payment = await paying()
    assert payment.provider_id
    deliveries = [
        commands.ApplyProviderState(payment.provider_id, status)
        for status in ("started", "submitted", "success")
        for _ in range(3)
    ]
    random.Random(16).shuffle(deliveries)
    for delivery in deliveries:
        await h.handle(delivery)
    assert h.store.payments[payment.id].status == "success"
    assert h.types().count("payment.succeeded.v1") == 1


async def test_news_of_an_unknown_payment_is_refused() -> None:
    h, _ = await paying()
    with pytest.raises(PaymentNotFoundError):
        await h.handle(commands.ApplyProviderState("no-such-payment", "success"))
    assert h.types() == ["payment.created.v1"]


async def test_the_poll_asks_the_provider_about_payments_open_past_expiry() -> None:
    h, late = await paying()
    h.clock.advance(timedelta(minutes=60))
    await h.handle(case_fee("PC-2026-000124"))
    fresh = await h.handle(pay("key-2", reference="PC-2026-000124"))
    h.clock.advance(EXPIRY - timedelta(minutes=60))
    assert await h.handle(commands.CatchUp()) == 1
    assert h.store.payments[late.id].status == "failed"
    assert h.store.payments[fresh.id].status == "created"
    assert h.types()[-1] == "payment.expired.v1"
    assert await h.handle(commands.CatchUp()) == 0


async def test_the_poll_takes_what_the_provider_says_even_if_a_webhook_was_missed() -> None:
    h, payment = await paying()
    assert payment.provider_id
    listener, h.sandbox.listener = h.sandbox.listener, None  # the webhook is lost
    await h.sandbox.pay(payment.provider_id, SUCCEEDS)
    h.sandbox.listener = listener
    h.clock.advance(EXPIRY)
    assert await h.handle(commands.CatchUp()) == 1
    assert h.store.payments[payment.id].status == "success"
