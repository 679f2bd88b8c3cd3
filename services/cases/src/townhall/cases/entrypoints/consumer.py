"""Reacting to payments, booking and identity: the "cases" consumer group.

Consumers never import producer code: these models are cases' own reading of the
payments, booking and identity contracts, parsing only the fields cases needs. From
identity, only a resident's erasure matters here: cases blanks what it holds of them.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from townhall.cases.domain import commands
from townhall.cases.domain.exceptions import CasesError, ConcurrentUpdateError
from townhall.cases.service_layer.unit_of_work import Bus, UnitOfWork
from townhall.runtime.messagebus import Reactions as BusReactions
from townhall.runtime.service import ConsumerSpec
from townhall.schemas.envelope import Envelope

GROUP = "cases"
TOPICS = ("payments.events", "booking.events", "identity.events")
PAYMENT_SUCCEEDED = "townhall.payments.payment.succeeded.v1"
PAYMENT_FAILED = "townhall.payments.payment.failed.v1"
APPOINTMENT_CONFIRMED = "townhall.booking.appointment.confirmed.v1"
APPOINTMENT_CANCELLED = "townhall.booking.appointment.cancelled.v1"
RESIDENT_ERASED = "townhall.identity.resident.erased.v1"


class _Reading(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    case_reference: str
    resident_id: str | None = None


class PaymentOutcome(_Reading):
    payment_id: str
    reason: str = ""


class AppointmentOutcome(_Reading):
    appointment_id: str
    starts_at: str | None = None


class ResidentErased(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    resident_id: UUID


def to_command(envelope: Envelope) -> object | None:
    """The command an event asks for; None for types cases does not react to."""
    data = envelope.data
    if envelope.type in (PAYMENT_SUCCEEDED, PAYMENT_FAILED):
        payment = PaymentOutcome.model_validate(data)
        succeeded = envelope.type == PAYMENT_SUCCEEDED
        return commands.RecordPayment(
            payment.case_reference, payment.payment_id, succeeded, payment.reason
        )
    if envelope.type in (APPOINTMENT_CONFIRMED, APPOINTMENT_CANCELLED):
        slot = AppointmentOutcome.model_validate(data)
        confirmed = envelope.type == APPOINTMENT_CONFIRMED
        return commands.RecordAppointment(
            slot.case_reference, slot.appointment_id, confirmed, slot.starts_at
        )
    if envelope.type == RESIDENT_ERASED:
        return commands.EraseResidentData(ResidentErased.model_validate(data).resident_id)
    return None


def validate(envelope: Envelope) -> Any:
    """Malformed reactions go to the dead-letter topic with the reason; others pass."""
    return to_command(envelope)


class Reactions(BusReactions[UnitOfWork]):
    """The consumer's batch handler: each reaction runs through the bus in the
    consumer's transaction, so its effect and the dedupe record commit together; a lost
    race is retried, what cases' rules refuse is dead-lettered."""

    def __init__(self, bus: Bus):
        super().__init__(
            bus, to_command, retry_on=(ConcurrentUpdateError,), poison_on=(CasesError,)
        )

    def spec(self) -> ConsumerSpec:
        return ConsumerSpec(GROUP, TOPICS, self, validate)
