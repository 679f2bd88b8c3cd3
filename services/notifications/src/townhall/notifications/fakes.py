"""An in-memory notifications unit of work, for handler tests that need no database.

:class:`FakeUnitOfWork` subclasses the real :class:`UnitOfWork`; only the repositories
differ. The fake keeps the one rule the real table enforces with a unique constraint:
one notification per event, rule and recipient.
"""

from __future__ import annotations

import copy
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from townhall.notifications.adapters.mailbox import MailboxRepository
from townhall.notifications.adapters.repository import (
    ContactRepository,
    NotificationRepository,
    PreferenceRepository,
    ServiceNameRepository,
)
from townhall.notifications.domain.model import QUEUED, SENDING, Notification, Preferences
from townhall.notifications.service_layer.senders import Found, Message
from townhall.notifications.service_layer.unit_of_work import UnitOfWork
from townhall.runtime.clock import Clock, utc_now
from townhall.runtime.testkit.fakes import FakeOutbox, fake_session_of, fake_sessions


@dataclass
class Store:
    notifications: dict[UUID, Notification] = field(default_factory=dict)
    preferences: dict[UUID, Preferences] = field(default_factory=dict)
    contacts: dict[UUID, str] = field(default_factory=dict)
    mailbox: dict[str, dict[str, Any]] = field(default_factory=dict)
    service_names: dict[str, dict[str, str]] = field(default_factory=dict)


def _kept(notification: Notification) -> Notification:
    kept = copy.copy(notification)
    kept.events = []
    return kept


class FakeNotifications(NotificationRepository):
    def __init__(self, session: AsyncSession, store: Store):
        super().__init__(session)
        self.fake, self.store = fake_session_of(session), store
        self.keys: set[tuple[str, str, UUID]] = set()

    async def add(self, notification: Notification) -> bool:
        key = (notification.event_id, notification.rule, notification.resident_id)
        held = {(n.event_id, n.rule, n.resident_id) for n in self.store.notifications.values()}
        if key in held or key in self.keys:
            return False
        self.keys.add(key)
        self.seen.append(notification)
        self.fake.on_commit(
            lambda: self.store.notifications.__setitem__(notification.id, _kept(notification))
        )
        return True

    async def get(self, notification_id: UUID) -> Notification | None:
        held = self.store.notifications.get(notification_id)
        return self._seen(_kept(held)) if held else None

    async def due(self, now: datetime, limit: int) -> list[Notification]:
        due = [
            n
            for n in self.store.notifications.values()
            if n.status in (QUEUED, SENDING) and n.not_before <= now
        ]
        return [self._seen(_kept(n)) for n in sorted(due, key=lambda n: n.not_before)[:limit]]

    async def of_resident(self, resident_id: UUID) -> list[Notification]:
        held = [n for n in self.store.notifications.values() if n.resident_id == resident_id]
        return [self._seen(_kept(n)) for n in held]

    async def settle(self, notification: Notification, claimed: int) -> bool:
        held = self.store.notifications[notification.id]
        if held.status != SENDING or held.attempts != claimed:
            return False
        await self.save(notification)
        return True

    async def save(self, notification: Notification) -> None:
        kept = _kept(notification)
        self.fake.on_commit(lambda: self.store.notifications.__setitem__(kept.id, kept))


class FakePreferences(PreferenceRepository):
    def __init__(self, session: AsyncSession, store: Store):
        super().__init__(session)
        self.fake, self.store = fake_session_of(session), store

    async def get(self, resident_id: UUID) -> Preferences | None:
        return self.store.preferences.get(resident_id)

    async def put(self, prefs: Preferences) -> None:
        self.fake.on_commit(lambda: self.store.preferences.__setitem__(prefs.resident_id, prefs))

    async def forget(self, resident_id: UUID) -> None:
        def drop() -> None:
            self.store.preferences.pop(resident_id, None)

        self.fake.on_commit(drop)


class FakeContacts(ContactRepository):
    def __init__(self, session: AsyncSession, store: Store):
        super().__init__(session)
        self.fake, self.store = fake_session_of(session), store

    async def get(self, resident_id: UUID) -> str | None:
        return self.store.contacts.get(resident_id)

    async def put(self, resident_id: UUID, sealed: str) -> None:
        self.fake.on_commit(lambda: self.store.contacts.__setitem__(resident_id, sealed))

    async def forget(self, resident_id: UUID) -> None:
        def drop() -> None:
            self.store.contacts.pop(resident_id, None)

        self.fake.on_commit(drop)


class FakeMailbox(MailboxRepository):
    def __init__(self, session: AsyncSession, store: Store):
        super().__init__(session)
        self.fake, self.store = fake_session_of(session), store

    async def forget(self, resident_id: UUID) -> None:
        def drop() -> None:
            for reference, row in list(self.store.mailbox.items()):
                if row["resident_id"] == resident_id:
                    del self.store.mailbox[reference]

        self.fake.on_commit(drop)


class FakeServiceNames(ServiceNameRepository):
    def __init__(self, session: AsyncSession, store: Store):
        super().__init__(session)
        self.fake, self.store = fake_session_of(session), store

    async def learn(self, service_code: str, names: Mapping[str, str]) -> None:
        kept = dict(names)
        self.fake.on_commit(lambda: self.store.service_names.__setitem__(service_code, kept))

    async def of(self, service_code: str) -> dict[str, str]:
        return dict(self.store.service_names.get(service_code, {}))


class FakeUnitOfWork(UnitOfWork):
    def __init__(self, store: Store, outbox: FakeOutbox, clock: Clock = utc_now):
        super().__init__(fake_sessions(), outbox, clock=clock)
        self.store = store

    def open_repositories(self, session: AsyncSession) -> None:
        self.notifications = FakeNotifications(session, self.store)
        self.preferences = FakePreferences(session, self.store)
        self.contacts = FakeContacts(session, self.store)
        self.mailbox = FakeMailbox(session, self.store)
        self.service_names = FakeServiceNames(session, self.store)


class FakeSender:
    """A sender that keeps what it was told; it can be made to fail or refuse."""

    def __init__(self) -> None:
        self.sent: list[Message] = []
        self.failing: Exception | None = None
        #: Messages the provider took but whose answer was lost (a crash, a timeout).
        self.lost_answers = 0
        #: Runs while the provider holds the message, before it answers (a receipt
        #: that overtakes the answer).
        self.while_sending: Callable[[Message], Awaitable[None]] | None = None

    async def send(self, message: Message) -> str:
        if self.failing is not None:
            raise self.failing
        self.sent.append(message)
        if self.while_sending is not None:
            await self.while_sending(message)
        if self.lost_answers:
            self.lost_answers -= 1
            raise ConnectionResetError("the answer was lost")
        return f"provider-{message.reference}"

    async def find(self, reference: str) -> Found | None:
        taken = [m for m in self.sent if m.reference == reference]
        return Found(f"provider-{reference}", taken[0].channel) if taken else None
