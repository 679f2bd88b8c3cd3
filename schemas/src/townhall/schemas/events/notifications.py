"""Events published by the notifications service on ``notifications.events``.

They tell the resident's story of being told: a message was sent, delivered, or could
not be delivered, on which channel, about which request. They never carry what the
message said (a security code above all), nor where it went: only the channel.
Each carries the ``domain`` and ``sensitivity`` of the event that caused it, so the
timeline shows it to exactly those who may see its cause.
"""

from __future__ import annotations

from typing import ClassVar, Literal
from uuid import UUID

from pydantic import Field

from townhall.schemas.envelope import Sensitivity
from townhall.schemas.events.base import DomainEvent

Channel = Literal["email", "sms", "letter", "none"]
_WORDS = {"email": "Email", "sms": "Text message", "letter": "Letter", "none": "Message"}


class NotificationEvent(DomainEvent):
    SOURCE: ClassVar[str] = "/townhall/notifications"
    DOMAIN: ClassVar[str] = "notifications"
    VERB: ClassVar[str] = ""

    notification_id: UUID = Field(description="The notification (also Notify's reference).")
    resident_id: UUID = Field(description="Who it was for.")
    channel: Channel = Field(description="email, sms (text message), letter; none: unreachable.")
    rule: str = Field(description="The council's rule that asked for it, e.g. case_submitted.")
    cause_type: str = Field(description="The type of the event it was about.")
    case_reference: str | None = Field(default=None, description="The request it was about.")
    domain: str = Field(pattern=r"^[a-z][a-z0-9_*]*$", description="Its cause's service area.")
    sensitivity: Sensitivity = Field(description="Its cause's sensitivity.")
    summary: str = Field(default="", description="How the timeline reads it (no content).")

    @property
    def subject(self) -> str:
        return f"notification/{self.notification_id}"

    def envelope_domain(self) -> str:
        return self.domain

    def envelope_sensitivity(self) -> Sensitivity:
        return self.sensitivity

    @classmethod
    def summary_of(cls, channel: str, case_reference: str | None) -> str:
        about = f" about request {case_reference}" if case_reference else ""
        return f"{_WORDS.get(channel, 'Message')}{about} {cls.VERB}"


class NotificationSent(NotificationEvent):
    TYPE: ClassVar[str] = "townhall.notifications.notification.sent.v1"
    SUMMARY: ClassVar[str] = "Message sent"
    VERB: ClassVar[str] = "sent"


class NotificationDelivered(NotificationEvent):
    TYPE: ClassVar[str] = "townhall.notifications.notification.delivered.v1"
    SUMMARY: ClassVar[str] = "Message delivered"
    VERB: ClassVar[str] = "delivered"


class NotificationFailed(NotificationEvent):
    TYPE: ClassVar[str] = "townhall.notifications.notification.failed.v1"
    SUMMARY: ClassVar[str] = "Message could not be delivered"
    VERB: ClassVar[str] = "could not be delivered"

    reason: str = Field(
        description=(
            "permanent-failure, temporary-failure, technical-failure (Notify's receipts), "
            "rejected (the provider refused it), unreachable (no contact point)."
        )
    )
