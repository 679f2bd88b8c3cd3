"""Refunds and the day's reconciliation, through the real handlers and the sandbox."""

from __future__ import annotations

from datetime import date

import pytest

from townhall.payments.domain import commands
from townhall.payments.domain.exceptions import (
    NotPermittedError,
    NotRefundableError,
    RefundAmountAvailableMismatchError,
    RefundTooLargeError,
)
from townhall.payments.domain.model import Payment
from townhall.payments.service_layer.providers import NewPayment
from townhall.payments.testing import FEE, SUCCEEDS, Harness, case_fee, harness, officer, pay

FINANCE = officer("environmental_health")


async def paid() -> tuple[Harness, Payment]:
    h = harness()
    await h.handle(case_fee())
    payment = await h.handle(pay())
    assert payment.provider_id
    await h.sandbox.pay(payment.provider_id, SUCCEEDS)
    return h, payment


def refund(payment: Payment, amount: int, available: int, **more: object) -> commands.RefundPayment:
    return commands.RefundPayment(payment.id, amount, available, FINANCE, **more)  # type: ignore[arg-type]


async def test_a_partial_then_a_full_refund_each_publish_requested_and_refunded() -> None:
    h, payment = await paid()
    first = await h.handle(refund(payment, 1500, FEE))
    assert first.status == "success" and first.provider_refund_id
    await h.handle(refund(payment, FEE - 1500, FEE - 1500))
    assert h.store.payments[payment.id].refund_amount_available == 0
    assert h.types()[2:] == [
        "refund.requested.v1",
        "refund.refunded.v1",
        "refund.requested.v1",
        "refund.refunded.v1",
    ]


@pytest.mark.parametrize(
    ("amount", "available", "error"),
    [(100, FEE - 1, RefundAmountAvailableMismatchError), (FEE + 1, FEE, RefundTooLargeError)],
)
async def test_a_refund_that_does_not_fit_is_refused_and_nothing_changes(
    amount: int, available: int, error: type[Exception]
) -> None:
    h, payment = await paid()
    before = h.types()
    with pytest.raises(error):
        await h.handle(refund(payment, amount, available))
    assert h.types() == before and h.store.payments[payment.id].refunds == []


async def test_an_unpaid_payment_cannot_be_refunded() -> None:
    h = harness()
    await h.handle(case_fee())
    payment = await h.handle(pay())
    with pytest.raises(NotRefundableError):
        await h.handle(refund(payment, 100, 0))


async def test_an_officer_of_another_area_cannot_refund() -> None:
    h, payment = await paid()
    with pytest.raises(NotPermittedError):
        await h.handle(commands.RefundPayment(payment.id, 100, FEE, officer("parking")))


async def test_when_the_provider_disagrees_on_what_is_left_the_refund_fails_and_says_so() -> None:
    h, payment = await paid()
    assert payment.provider_id
    await h.sandbox.refund(payment.provider_id, 1000, FEE)  # refunded at the provider directly
    with pytest.raises(RefundAmountAvailableMismatchError):
        await h.handle(refund(payment, 500, FEE))
    assert h.types()[-2:] == ["refund.requested.v1", "refund.failed.v1"]
    assert h.store.payments[payment.id].refund_amount_available == FEE


async def test_a_day_that_matches_the_provider_reconciles_with_no_mismatch() -> None:
    h, payment = await paid()
    await h.handle(refund(payment, 1500, FEE))
    report = await h.handle(commands.Reconcile(h.clock().date()))
    assert report.balanced
    [line] = report.lines
    assert (line.service_code, line.payments, line.paid_pence) == ("pest_control", 1, FEE)
    assert (line.refunds, line.refunded_pence) == (1, 1500)


async def test_what_only_the_provider_knows_is_listed_as_a_mismatch() -> None:
    h, _ = await paid()
    await h.sandbox.create(NewPayment(100, "X-1", "stray", "en", "https://x.example/", "k"))
    report = await h.handle(commands.Reconcile(h.clock().date()))
    assert [m.kind for m in report.mismatches] == ["payment_unknown_to_townhall"]
    assert (await h.handle(commands.Reconcile(date(2020, 1, 1)))).lines == []
