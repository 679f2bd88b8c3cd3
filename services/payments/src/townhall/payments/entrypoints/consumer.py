"""Learning case fees from cases, and cancelled visits from booking: the "payments"
consumer group.

Payments never asks the browser what a case costs: a case's fee, resident, service
area and status come from cases' own events, parsed here into payments' reading of
them (never cases' code). A submitted case records its fee; a status change keeps its
status current, so a cancelled or closed case takes no payment. A cancelled visit
refunds the case's fee by its type's rule.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from townhall.payments.domain import commands
from townhall.payments.domain.exceptions import ConcurrentUpdateError, PaymentsError
from townhall.payments.service_layer.unit_of_work import Bus, UnitOfWork
from townhall.runtime.messagebus import Reactions
from townhall.runtime.service import ConsumerSpec
from townhall.schemas.envelope import Envelope

GROUP = "payments"
TOPICS = ("cases.events", "booking.events")
CASE_SUBMITTED = "townhall.cases.case.submitted.v1"
CASE_STATUS_CHANGED = "townhall.cases.case.status_changed.v1"
APPOINTMENT_CANCELLED = "townhall.booking.appointment.cancelled.v1"


class CaseSubmitted(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    reference: str
    service_code: str
    domain: str
    sensitivity: str
    status: str
    fee_pence: int | None = None
    resident_id: UUID | None = None


class CaseStatusChanged(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    reference: str
    to_status: str


class AppointmentCancelled(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    case_reference: str
    appointment_id: str
    starts_at: datetime | None = None


def to_command(envelope: Envelope) -> object | None:
    """The command an event asks for; None for types payments does not react to."""
    if envelope.type == CASE_SUBMITTED:
        case = CaseSubmitted.model_validate(envelope.data)
        return commands.RecordCaseFee(
            case.reference,
            case.service_code,
            case.domain,
            case.sensitivity,
            case.fee_pence,
            case.status,
            case.resident_id,
        )
    if envelope.type == CASE_STATUS_CHANGED:
        change = CaseStatusChanged.model_validate(envelope.data)
        return commands.RecordCaseStatus(change.reference, change.to_status)
    if envelope.type == APPOINTMENT_CANCELLED:
        visit = AppointmentCancelled.model_validate(envelope.data)
        return commands.RefundCancelledVisit(
            visit.case_reference, visit.appointment_id, visit.starts_at, envelope.time
        )
    return None


def validate(envelope: Envelope) -> Any:
    """Malformed case events go to the dead-letter topic with the reason."""
    return to_command(envelope)


class CaseFees(Reactions[UnitOfWork]):
    """The batch handler: each command runs in the consumer's transaction, so the fee and
    the dedupe record commit together; a lost race is retried, a refusal dead-lettered."""

    def __init__(self, bus: Bus):
        super().__init__(
            bus, to_command, retry_on=(ConcurrentUpdateError,), poison_on=(PaymentsError,)
        )

    def spec(self) -> ConsumerSpec:
        return ConsumerSpec(GROUP, TOPICS, self, validate)
