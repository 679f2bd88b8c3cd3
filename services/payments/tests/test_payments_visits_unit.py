"""A cancelled visit refunds the case's fee by its type's rule, once, and the poll sends
the refund to the provider."""

from __future__ import annotations

from datetime import timedelta

import pytest

from townhall.payments.domain import commands
from townhall.payments.domain.visits import RefundRule
from townhall.payments.entrypoints.consumer import to_command
from townhall.payments.testing import FEE, REFERENCE, SUCCEEDS, Harness, case_fee, harness, pay
from townhall.schemas.envelope import Envelope, Sensitivity


async def paid() -> Harness:
    h = harness()
    await h.handle(case_fee())
    payment = await h.handle(pay())
    assert payment.provider_id
    await h.sandbox.pay(payment.provider_id, SUCCEEDS)
    return h


def cancelled(
    h: Harness, hours_before: float | None, appointment: str = "a-1"
) -> commands.RefundCancelledVisit:
    now = h.clock()
    starts = None if hours_before is None else now + timedelta(hours=hours_before)
    return commands.RefundCancelledVisit(REFERENCE, appointment, starts, now)


async def test_a_visit_cancelled_before_the_cut_off_refunds_the_fee_once() -> None:
    h = await paid()
    assert await h.handle(cancelled(h, 48)) == FEE
    assert await h.handle(cancelled(h, 48)) == 0  # the same appointment again
    assert h.types()[-1] == "refund.requested.v1"
    assert await h.handle(commands.SendRefunds()) == 0  # the API's own are left a minute
    h.clock.advance(timedelta(minutes=2))
    assert await h.handle(commands.SendRefunds()) == 1
    assert await h.handle(commands.SendRefunds()) == 0
    assert h.types()[-1] == "refund.refunded.v1"
    [payment] = h.store.payments.values()
    assert payment.refund_amount_available == 0


@pytest.mark.parametrize("hours_before", [2, None])
async def test_a_visit_cancelled_late_or_at_an_unknown_time_refunds_nothing(
    hours_before: float | None,
) -> None:
    h = await paid()
    assert await h.handle(cancelled(h, hours_before)) == 0
    assert h.types()[-1] == "payment.succeeded.v1"


async def test_a_type_without_a_rule_or_an_unpaid_case_refunds_nothing() -> None:
    h = harness(refund_rules={})
    await h.handle(case_fee())
    assert await h.handle(cancelled(h, 48)) == 0
    h = await paid()
    other = commands.RefundCancelledVisit("PC-2026-000999", "a-2", h.clock(), h.clock())
    assert await h.handle(other) == 0


def test_a_rule_shares_the_fee_and_never_more_than_is_left() -> None:
    rule = RefundRule(timedelta(hours=24), before_percent=50, after_percent=10)
    now = harness().clock()
    assert rule.amount(FEE, FEE, now + timedelta(days=2), now) == FEE // 2
    assert rule.amount(FEE, FEE, now + timedelta(hours=1), now) == FEE // 10
    assert rule.amount(FEE, 100, now + timedelta(days=2), now) == 100
    with pytest.raises(ValueError, match="percentage"):
        RefundRule(timedelta(hours=1), before_percent=120)


def test_a_quote_says_what_cancelling_gives_back_now_and_from_when_it_is_less() -> None:
    rule = RefundRule(timedelta(hours=24), before_percent=100, after_percent=25)
    now = harness().clock()
    starts = now + timedelta(days=3)

    early = rule.quote(FEE, FEE, starts, now)
    late = rule.quote(FEE, FEE, starts, starts - timedelta(hours=2))
    same = RefundRule(timedelta(hours=24), 50, 50).quote(FEE, FEE, starts, now)

    assert (early.now, early.later, early.changes_at) == (FEE, FEE // 4, starts - timedelta(days=1))
    assert (late.now, late.later, late.changes_at) == (FEE // 4, FEE // 4, None)
    assert (same.now, same.changes_at) == (FEE // 2, None), "nothing changes at the cut-off"


def test_bookings_cancellation_is_read_from_its_event() -> None:
    now = harness().clock()
    envelope = Envelope(
        id="e-1",
        source="/townhall/booking",
        type="townhall.booking.appointment.cancelled.v1",
        time=now,
        subject="appointment/a-1",
        residentid=None,
        correlationid="c",
        sensitivity=Sensitivity.PERSONAL,
        domain="waste",
        sequence=1,
        data={"case_reference": REFERENCE, "appointment_id": "a-1", "starts_at": now.isoformat()},
    )
    command = to_command(envelope)
    assert command == commands.RefundCancelledVisit(REFERENCE, "a-1", now, now)
