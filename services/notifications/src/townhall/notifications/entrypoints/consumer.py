"""Other services' events → notifications: the "notifications" consumer group.

Every event a rule names becomes a :class:`NotifyAbout`; identity's events about a
resident's contact points, addresses and language teach this service how to reach
them; an erasure forgets it. Consumers never import producer code: the envelope's
type, data, domain and sensitivity are all it reads.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from townhall.notifications.domain import commands
from townhall.notifications.domain.exceptions import NotificationsError
from townhall.notifications.domain.rules import RuleBook
from townhall.notifications.service_layer.unit_of_work import Bus, UnitOfWork
from townhall.runtime.crypto import DecryptionError
from townhall.runtime.messagebus import Reactions
from townhall.runtime.service import ConsumerSpec
from townhall.schemas.envelope import Envelope
from townhall.schemas.registry import EVENT_TYPES, parse_event

GROUP = "notifications"
TOPICS = ("cases.events", "identity.events", "booking.events", "payments.events")
RESIDENT_ERASED = "townhall.identity.resident.erased.v1"
CASE_SUBMITTED = "townhall.cases.case.submitted.v1"
CONTACT_EVENTS = (
    "townhall.identity.resident.registered.v1",
    "townhall.identity.resident.details_changed.v1",
    "townhall.identity.resident.moved.v1",
    "townhall.identity.resident.contact_points_changed.v1",
)


class _About(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    resident_id: UUID
    personal_data: str | None = None


class Decisions(Reactions[UnitOfWork]):
    """The batch handler: each event through the bus in the consumer's transaction, so
    the notifications it records and the dedupe record commit together; an event it
    cannot read or open is dead-lettered with the reason."""

    def __init__(self, bus: Bus, rulebook: RuleBook):
        super().__init__(
            bus, self.to_command, poison_on=(NotificationsError, DecryptionError, ValueError)
        )
        self.rulebook = rulebook

    def to_command(self, envelope: Envelope) -> object | None:
        # a submitted request names its service in each language: kept even when no
        # rule writes about the submission, for the messages about what follows
        names_its_service = envelope.type == CASE_SUBMITTED and envelope.data.get("service_names")
        if envelope.type in self.rulebook.event_types or names_its_service:
            return commands.NotifyAbout(
                envelope.id,
                envelope.type,
                envelope.data,
                envelope.domain,
                envelope.sensitivity.value,
            )
        if envelope.type == RESIDENT_ERASED:
            return commands.EraseResident(_About.model_validate(envelope.data).resident_id)
        if envelope.type in CONTACT_EVENTS:
            about = _About.model_validate(envelope.data)
            if about.personal_data:
                return commands.LearnContacts(about.resident_id, about.personal_data)
        return None

    def validate(self, envelope: Envelope) -> Any:
        """Malformed events of the kinds it reads are dead-lettered with the reason;
        types it does not know (another service's newer ones) pass, to be ignored."""
        if envelope.type in EVENT_TYPES:
            parse_event(envelope.type, envelope.data)
        return self.to_command(envelope)

    def spec(self) -> ConsumerSpec:
        return ConsumerSpec(GROUP, TOPICS, self, self.validate)
