"""The notifications unit of work: the runtime's, with this service's repositories."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from townhall.notifications.adapters.event_mapping import to_contract
from townhall.notifications.adapters.mailbox import MailboxRepository
from townhall.notifications.adapters.repository import (
    ContactRepository,
    NotificationRepository,
    PreferenceRepository,
    ServiceNameRepository,
)
from townhall.notifications.domain.model import Notification
from townhall.runtime import unit_of_work
from townhall.runtime.messagebus import MessageBus
from townhall.schemas.events.base import DomainEvent as Contract


class UnitOfWork(unit_of_work.UnitOfWork):
    notifications: NotificationRepository
    preferences: PreferenceRepository
    contacts: ContactRepository
    mailbox: MailboxRepository
    service_names: ServiceNameRepository

    def open_repositories(self, session: AsyncSession) -> None:
        self.notifications = NotificationRepository(session)
        self.preferences = PreferenceRepository(session)
        self.contacts = ContactRepository(session)
        self.mailbox = MailboxRepository(session)
        self.service_names = ServiceNameRepository(session)

    def aggregates(self) -> list[Notification]:
        return list(self.notifications.seen)

    async def to_contracts(self, events: Sequence[Any]) -> list[Contract]:
        """Nothing personal travels in these events: no sealing needed."""
        return [to_contract(event) for event in events]


#: The notifications service's bus.
Bus = MessageBus[UnitOfWork]
