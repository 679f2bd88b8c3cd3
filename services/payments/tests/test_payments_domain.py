"""A payment's rules, on the model alone: forward-only states, expiry, fees, refunds."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from townhall.payments.domain import events
from townhall.payments.domain.exceptions import (
    CaseNotPayableError,
    NoFeeError,
    NotRefundableError,
    RefundAmountAvailableMismatchError,
    RefundTooLargeError,
    WrongAmountError,
)
from townhall.payments.domain.model import EXPIRY, CaseFee, Payment

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def fee(**changes: object) -> CaseFee:
    values: dict[str, object] = {
        "reference": "PC-2026-000001",
        "service_code": "pest_control",
        "domain": "environmental_health",
        "sensitivity": "personal",
        "fee_pence": 6500,
        "status": "awaiting_payment",
        "resident_id": uuid.uuid4(),
        **changes,
    }
    return CaseFee(**values)  # type: ignore[arg-type]


def payment() -> Payment:
    made = Payment.start(
        fee=fee(),
        amount=6500,
        id=uuid.uuid4(),
        description="Pest control",
        language="en",
        return_url="https://council.example/paid",
        provider="sandbox",
        created_by="resident:x",
        created_at=NOW,
        idempotency_key="k",
        request_hash="h",
    )
    made.events.clear()
    return made


def test_a_state_only_moves_forward_and_a_repeat_has_no_effect() -> None:
    made = payment()
    assert made.advance("submitted", NOW)
    assert not made.advance("started", NOW)
    assert made.advance("success", NOW)
    for late in ("success", "failed", "started", "cancelled"):
        assert not made.advance(late, NOW)
    assert made.status == "success"
    assert [type(e) for e in made.events] == [events.PaymentSucceeded]


def test_an_unknown_state_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown payment status"):
        payment().advance("paid", NOW)


def test_a_payment_expires_ninety_minutes_after_it_was_created() -> None:
    made = payment()
    assert made.expires_at == NOW + timedelta(minutes=90) == NOW + EXPIRY
    assert not made.expired(NOW + EXPIRY - timedelta(seconds=1))
    assert made.expired(NOW + EXPIRY)
    assert made.expire(NOW + EXPIRY)
    assert (made.status, made.code) == ("failed", "P0020")
    assert [type(e) for e in made.events] == [events.PaymentExpired]


@pytest.mark.parametrize(
    ("status", "code", "event"),
    [
        ("failed", "P0010", events.PaymentFailed),
        ("error", "P0050", events.PaymentFailed),
        ("cancelled", "P0040", events.PaymentCancelled),
    ],
)
def test_each_unhappy_ending_publishes_its_event(status: str, code: str, event: type) -> None:
    made = payment()
    made.advance(status, NOW, code=code, message="why")
    assert [type(e) for e in made.events] == [event]


def test_the_amount_due_is_the_case_fee_and_nothing_else() -> None:
    assert fee().due(None) == 6500
    assert fee().due(6500) == 6500
    with pytest.raises(WrongAmountError):
        fee().due(100)
    with pytest.raises(NoFeeError):
        fee(fee_pence=None).due(None)
    with pytest.raises(CaseNotPayableError):
        fee(status="cancelled").due(None)


def test_refunds_take_from_what_is_available_and_need_it_stated() -> None:
    made = payment()
    with pytest.raises(NotRefundableError):
        made.request_refund(uuid.uuid4(), 100, 0, by="officer:o", now=NOW)
    made.advance("success", NOW)
    first = made.request_refund(uuid.uuid4(), 1500, 6500, by="officer:o", now=NOW)
    assert made.refund_amount_available == 5000
    with pytest.raises(RefundAmountAvailableMismatchError):
        made.request_refund(uuid.uuid4(), 100, 6500, by="officer:o", now=NOW)
    with pytest.raises(RefundTooLargeError):
        made.request_refund(uuid.uuid4(), 5001, 5000, by="officer:o", now=NOW)
    made.settle_refund(first, "error", NOW, reason="bank said no")
    assert made.refund_amount_available == 6500
    assert not made.settle_refund(first, "success", NOW)
    rest = made.request_refund(uuid.uuid4(), 6500, 6500, by="officer:o", now=NOW)
    made.settle_refund(rest, "success", NOW)
    with pytest.raises(NotRefundableError, match="in full"):
        made.request_refund(uuid.uuid4(), 1, 0, by="officer:o", now=NOW)
