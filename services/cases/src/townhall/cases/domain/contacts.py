"""Contacts officers log: phone calls, visits, emails… and failure demand."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from townhall.cases.domain import events

CHANNELS = ("phone", "face_to_face", "email", "webchat", "letter")
REASONS = (
    "new_request",
    "progress_chase",
    "complaint",
    "information",
    "payment",
    "booking",
    "other",
)
OUTCOMES = ("resolved", "case_created", "case_updated", "referred", "callback", "no_action")
#: Contacts not about a particular service area are recorded under this domain.
CONTACT_DOMAIN = "contact_centre"


def is_failure_demand(reason: str, case_open: bool | None) -> bool:
    """A contact that only chases progress on an open case: demand the council caused."""
    return reason == "progress_chase" and case_open is True


@dataclass
class Contact:
    id: uuid.UUID
    resident_id: uuid.UUID
    channel: str
    reason: str
    outcome: str
    duration_seconds: int
    officer: str
    created_at: datetime
    failure_demand: bool
    case_id: uuid.UUID | None = None
    events: list[events.DomainEvent] = field(default_factory=list, repr=False, compare=False)

    @classmethod
    def log(
        cls,
        *,
        resident_id: uuid.UUID,
        channel: str,
        reason: str,
        outcome: str,
        duration_seconds: int,
        officer: str,
        now: datetime,
        case: CaseRef | None = None,
    ) -> Contact:
        contact = cls(
            id=uuid.uuid4(),
            resident_id=resident_id,
            channel=channel,
            reason=reason,
            outcome=outcome,
            duration_seconds=duration_seconds,
            officer=officer,
            created_at=now,
            failure_demand=is_failure_demand(reason, case.is_open if case else None),
            case_id=case.id if case else None,
        )
        contact.events.append(
            events.ContactLogged(
                contact_id=contact.id,
                resident_id=resident_id,
                case_id=contact.case_id,
                case_reference=case.reference if case else None,
                domain=case.domain if case else CONTACT_DOMAIN,
                sensitivity=case.sensitivity if case else "personal",
                channel=channel,
                reason=reason,
                outcome=outcome,
                duration_seconds=duration_seconds,
                failure_demand=contact.failure_demand,
                officer=officer,
            )
        )
        return contact


@dataclass(frozen=True)
class CaseRef:
    """What a contact needs to know about the case it is about."""

    id: uuid.UUID
    reference: str
    domain: str
    sensitivity: str
    is_open: bool
