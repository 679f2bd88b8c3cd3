"""The one interface every sender implements: the development mailbox and GOV.UK Notify.

A sender is told one :class:`Message` and answers the provider's id for it. It raises
:class:`SendRefusedError` when the provider refuses the message as it is (Notify's 4xx
but 429: sending it again would be refused again) and :class:`SendFailedError` when it
may work later (network errors, 5xx, 429). ``find`` answers whether the provider has a
message with this reference already, so a send interrupted after the provider took it
is not sent twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

from townhall.notifications.domain.exceptions import NotificationsError
from townhall.notifications.domain.rules import Template


class SendRefusedError(NotificationsError):
    """The provider refused this message; never retried."""


class SendFailedError(NotificationsError):
    """The provider could not take it now; tried again later."""


@dataclass(frozen=True)
class Message:
    #: The notification's id: Notify's ``reference`` (no personal data in it).
    reference: str
    resident_id: UUID
    channel: str
    language: str
    template: Template
    #: An email address, a phone number, or a letter's address lines.
    to: str | list[str]
    personalisation: Mapping[str, str]


@dataclass(frozen=True)
class Found:
    provider_id: str
    channel: str


class Sender(Protocol):
    async def send(self, message: Message) -> str: ...

    async def find(self, reference: str) -> Found | None: ...
