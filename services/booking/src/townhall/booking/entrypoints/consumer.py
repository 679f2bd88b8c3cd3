"""Learning cases from cases' events, and erasures from identity: the "booking" group.

Consumers never import producer code: these models are booking's own reading of the
cases and identity contracts, parsing only the fields booking needs. A case's
``postcode_sector`` (in clear) is where its slots are offered from; cases publishes the
full ``postcode`` and the ``uprn`` only sealed (booking holds no key: they are read if
ever given in clear). The property's postcode or UPRN may still be given with a hold,
and is remembered.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from townhall.booking.domain import commands
from townhall.booking.domain.exceptions import BookingError
from townhall.booking.service_layer.unit_of_work import Bus, UnitOfWork
from townhall.runtime.messagebus import Reactions as BusReactions
from townhall.runtime.service import ConsumerSpec
from townhall.schemas.envelope import Envelope

GROUP = "booking"
TOPICS = ("cases.events", "identity.events")
CASE_SUBMITTED = "townhall.cases.case.submitted.v1"
RESIDENT_ERASED = "townhall.identity.resident.erased.v1"


class CaseSubmitted(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    case_id: UUID
    reference: str
    service_code: str
    domain: str
    sensitivity: str
    resident_id: UUID | None = None
    postcode: str | None = None
    uprn: str | None = None
    postcode_sector: str | None = None


class ResidentErased(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    resident_id: UUID


def to_command(envelope: Envelope) -> object | None:
    """The command an event asks for; None for types booking does not react to."""
    if envelope.type == CASE_SUBMITTED:
        case = CaseSubmitted.model_validate(envelope.data)
        return commands.RecordCase(
            case.reference,
            case.case_id,
            case.service_code,
            case.domain,
            case.sensitivity,
            case.resident_id,
            case.postcode,
            case.uprn,
            case.postcode_sector,
        )
    if envelope.type == RESIDENT_ERASED:
        return commands.ForgetResident(ResidentErased.model_validate(envelope.data).resident_id)
    return None


def validate(envelope: Envelope) -> Any:
    """Malformed events go to the dead-letter topic with the reason; others pass."""
    return to_command(envelope)


class Reactions(BusReactions[UnitOfWork]):
    """The consumer's batch handler: each command runs through the bus in the
    consumer's transaction; an event booking's rules refuse is dead-lettered."""

    def __init__(self, bus: Bus):
        super().__init__(bus, to_command, poison_on=(BookingError,))

    def spec(self) -> ConsumerSpec:
        return ConsumerSpec(GROUP, TOPICS, self, validate)
