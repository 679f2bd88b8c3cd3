"""Payments learns each case's fee from cases' own events, in the consumer's
transaction; what it cannot read is dead-lettered, what it does not need is skipped."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import httpx
import pytest
from pydantic import ValidationError

from townhall.payments.entrypoints.consumer import CaseFees, validate
from townhall.payments.testing import RESIDENT, services
from townhall.schemas.envelope import Envelope, Sensitivity
from townhall.schemas.events.cases import CaseStatusChanged, CaseSubmitted

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def submitted(reference: str, fee: int | None) -> Envelope:
    event = CaseSubmitted(
        domain="waste",
        sensitivity=Sensitivity.PERSONAL,
        case_id=uuid.uuid4(),
        reference=reference,
        service_code="bulky_waste",
        resident_id=RESIDENT,
        status="awaiting_payment" if fee else "submitted",
        channel="online",
        submitted_by="resident",
        due_at=NOW,
        fee_pence=fee,
    )
    return event.to_envelope(sequence=1, time=NOW, correlation_id="c")


def cancelled(reference: str) -> Envelope:
    event = CaseStatusChanged(
        domain="waste",
        sensitivity=Sensitivity.PERSONAL,
        case_id=uuid.uuid4(),
        reference=reference,
        service_code="bulky_waste",
        resident_id=RESIDENT,
        from_status="awaiting_payment",
        to_status="cancelled",
        changed_by=f"resident:{RESIDENT}",
    )
    return event.to_envelope(sequence=2, time=NOW, correlation_id="c")


async def test_a_submitted_cases_fee_and_later_status_are_kept(http: httpx.AsyncClient) -> None:
    built = services(http)
    handler = CaseFees(built.bus)
    async with built.runtime.sessions.begin() as session:
        await handler(
            session, [submitted("BW-2026-000001", 3500), submitted("BW-2026-000002", None)]
        )
    async with built.bus.uow_factory() as uow:
        fee = await uow.fees.get("BW-2026-000001")
        free = await uow.fees.get("BW-2026-000002")
    assert fee is not None and (fee.fee_pence, fee.domain, fee.resident_id) == (
        3500,
        "waste",
        RESIDENT,
    )
    assert free is not None and free.fee_pence is None
    async with built.runtime.sessions.begin() as session:
        await handler(session, [cancelled("BW-2026-000001")])
    async with built.bus.uow_factory() as uow:
        fee = await uow.fees.get("BW-2026-000001")
    assert fee is not None and fee.status == "cancelled"


def test_a_case_event_payments_cannot_read_is_refused_for_the_dead_letters() -> None:
    broken = submitted("BW-2026-000003", 100).model_copy(update={"data": {"reference": "x"}})
    with pytest.raises(ValidationError):
        validate(broken)
    other = submitted("BW-2026-000004", 100).model_copy(
        update={"type": "townhall.cases.case.assigned.v1"}
    )
    assert validate(other) is None
