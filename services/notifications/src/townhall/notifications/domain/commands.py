"""What the notifications service is asked to do (imperative, small, frozen)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID


@dataclass(frozen=True)
class NotifyAbout:
    """Decide and record the messages one event asks for (the consumer's command)."""

    event_id: str
    event_type: str
    data: Mapping[str, Any]
    domain: str
    sensitivity: str


@dataclass(frozen=True)
class LearnContacts:
    """What identity published about a resident's contact points, address or language."""

    resident_id: UUID
    sealed: str


@dataclass(frozen=True)
class EraseResident:
    resident_id: UUID


@dataclass(frozen=True)
class DispatchDue:
    """Send what is due now (at most ``limit``)."""

    limit: int = 100


@dataclass(frozen=True)
class RecordReceipt:
    """A delivery receipt from the provider for the notification ``reference`` names."""

    reference: str
    status: str
    #: What the provider says: its type of message and its id (a receipt may arrive
    #: before the sender's own answer was recorded).
    channel: str | None = None
    provider_id: str = ""


@dataclass(frozen=True)
class SetPreferences:
    resident_id: UUID
    channels: tuple[str, ...] = ()
    language: str | None = None
    non_essential: bool = True
