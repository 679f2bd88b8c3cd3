"""What happened to a notification (past tense; mapped to contracts in adapters)."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID


@dataclass(frozen=True)
class About:
    """Which notification, for whom, on which channel, caused by what."""

    notification_id: UUID
    resident_id: UUID
    rule: str
    channel: str
    cause_type: str
    case_reference: str | None
    domain: str
    sensitivity: str


@dataclass(frozen=True)
class NotificationSent:
    """The sender accepted it (Notify, or the development mailbox)."""

    about: About


@dataclass(frozen=True)
class NotificationDelivered:
    """The provider says it reached the resident."""

    about: About


@dataclass(frozen=True)
class NotificationFailed:
    """It did not reach them: a delivery receipt's failure, a refusal, or no contact."""

    about: About
    reason: str


DomainEvent = NotificationSent | NotificationDelivered | NotificationFailed
