"""A notification and a resident's preferences (standard library only).

A :class:`Notification` is recorded once per event, rule and recipient, queued, and
moves ``queued → sending → sent → delivered | failed``; a refusal or no way to reach
the resident fails it too. It records its events; the unit of work publishes them.
What it says (the personalisation, a code, where to send it) travels sealed under the
resident's key and is dropped once sent: the record keeps only the facts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from uuid import UUID

from townhall.notifications.domain import events
from townhall.notifications.domain.events import About
from townhall.notifications.domain.exceptions import InvalidPreferencesError
from townhall.notifications.domain.rules import CHANNELS, LANGUAGES

QUEUED, SENDING, SENT, DELIVERED, FAILED = "queued", "sending", "sent", "delivered", "failed"
RECEIPT_FAILURES = ("permanent-failure", "temporary-failure", "technical-failure")
RECEIPT_STATUSES = ("delivered", *RECEIPT_FAILURES)
#: Tries before a message that cannot be sent (no contact, provider down) fails.
MAX_ATTEMPTS = 8


@dataclass
class Notification:
    id: UUID
    event_id: str
    rule: str
    resident_id: UUID
    cause_type: str
    domain: str
    sensitivity: str
    case_reference: str | None
    #: {"personalisation": {...}, "to": ...} sealed under the resident's key; None once sent.
    sealed: str | None
    not_before: datetime
    status: str = QUEUED
    channel: str | None = None
    attempts: int = 0
    provider_id: str | None = None
    events: list[events.DomainEvent] = field(default_factory=list, repr=False)

    def _about(self) -> About:
        return About(
            notification_id=self.id,
            resident_id=self.resident_id,
            rule=self.rule,
            channel=self.channel or "none",
            cause_type=self.cause_type,
            case_reference=self.case_reference,
            domain=self.domain,
            sensitivity=self.sensitivity,
        )

    def claim(self, now: datetime, lease: timedelta) -> None:
        """Being sent now; if this process dies, another may look again after ``lease``."""
        self.status = SENDING
        self.attempts += 1
        self.not_before = now + lease

    def wait(self, until: datetime, channel: str | None = None) -> None:
        """Not yet: quiet hours, or a passing failure (tried again from ``until``)."""
        self.status = QUEUED
        self.not_before = until
        self.channel = channel or self.channel

    def sent(self, channel: str, provider_id: str) -> None:
        self.status, self.channel, self.provider_id = SENT, channel, provider_id
        self.sealed = None
        self.events.append(events.NotificationSent(self._about()))

    def fail(self, reason: str, channel: str | None = None) -> None:
        self.status, self.channel = FAILED, channel or self.channel
        self.sealed = None
        self.events.append(events.NotificationFailed(self._about(), reason))

    def cancel(self) -> None:
        """The resident was erased before it went: nothing is sent, nothing is told."""
        self.status, self.sealed = FAILED, None

    def receipt(self, status: str, channel: str | None = None, provider_id: str = "") -> bool:
        """Apply a delivery receipt; False when it changes nothing (a repeat, or a late
        receipt about a message already settled). A receipt can overtake the sender's
        answer: then the message was sent, and that is recorded first."""
        if self.status == SENDING:
            self.sent(channel or self.channel or "none", provider_id)
        if self.status != SENT:
            return False
        if status == "delivered":
            self.status = DELIVERED
            self.events.append(events.NotificationDelivered(self._about()))
        else:
            self.fail(status)
        return True


@dataclass
class Preferences:
    """A resident's choices: channels in order, language, non-essential messages."""

    resident_id: UUID
    channels: tuple[str, ...] = ()
    language: str | None = None
    non_essential: bool = True

    def __post_init__(self) -> None:
        unknown = [c for c in self.channels if c not in CHANNELS]
        if unknown:
            raise InvalidPreferencesError(
                f"unknown channel {unknown[0]!r}: use {', '.join(CHANNELS)}"
            )
        if len(set(self.channels)) != len(self.channels):
            raise InvalidPreferencesError("a channel is listed twice")
        if self.language is not None and self.language not in LANGUAGES:
            raise InvalidPreferencesError(f"unknown language {self.language!r}: use en or cy")
