"""How the timeline reads payments' events (resident-view's summary of this contract)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from townhall.resident_view.projection.entries import summary
from townhall.schemas.envelope import Sensitivity
from townhall.schemas.events.payments import PaymentExpired, PaymentSucceeded, RefundSucceeded

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
ABOUT = {
    "payment_id": uuid.uuid4(),
    "case_reference": "PC-2026-000123",
    "resident_id": uuid.uuid4(),
    "service_code": "pest_control",
    "domain": "environmental_health",
    "sensitivity": Sensitivity.PERSONAL,
}


def test_a_paid_fee_and_a_refund_read_in_pounds_with_the_request_they_are_for() -> None:
    paid = PaymentSucceeded(**ABOUT, amount=6500, provider_id="p").to_envelope(
        sequence=1, time=NOW, correlation_id="c"
    )
    refunded = RefundSucceeded(**ABOUT, amount=1250, refund_id=uuid.uuid4()).to_envelope(
        sequence=2, time=NOW, correlation_id="c"
    )
    assert summary(paid) == "Paid £65.00 for PC-2026-000123"
    assert summary(refunded) == "Refunded £12.50 for PC-2026-000123"
    assert paid.domain == "environmental_health" and paid.residentid == str(ABOUT["resident_id"])


def test_other_payment_events_read_as_their_contracts_summary() -> None:
    expired = PaymentExpired(**ABOUT, amount=6500, expired_at=NOW).to_envelope(
        sequence=3, time=NOW, correlation_id="c"
    )
    assert summary(expired) == "Payment expired"
