"""What happened to a notification (past tense; mapped to contracts in adapters)."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID


@dataclass(frozen=True)
class _About:
    notification_id: UUID
    resident_id: UUID
    rule: str
    channel: str
    cause_type: str
    case_reference: str | None
    domain: str
    sensitivity: str


@dataclass(frozen=True)
class NotificationSent(_About):
    """The sender accepted it (Notify, or the development mailbox)."""


@dataclass(frozen=True)
class NotificationDelivered(_About):
    """The provider says it reached the resident."""


@dataclass(frozen=True)
class NotificationFailed(_About):
    """It did not reach them: a delivery receipt's failure, a refusal, or no contact."""

    reason: str


DomainEvent = NotificationSent | NotificationDelivered | NotificationFailed
