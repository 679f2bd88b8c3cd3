"""Notifications, preferences and contacts in the notifications database (all its SQL
but the mailbox's)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Row, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from townhall.notifications.adapters.orm import (
    contacts,
    notifications,
    preferences,
    service_names,
)
from townhall.notifications.domain.model import QUEUED, SENDING, Notification, Preferences
from townhall.runtime.db import insert_or_ignore

_COLUMNS = (
    "id",
    "event_id",
    "rule",
    "resident_id",
    "cause_type",
    "domain",
    "sensitivity",
    "case_reference",
    "sealed",
    "not_before",
    "status",
    "channel",
    "attempts",
    "provider_id",
)


def _row(notification: Notification) -> dict[str, Any]:
    return {name: getattr(notification, name) for name in _COLUMNS}


def _notification(row: Row[Any]) -> Notification:
    return Notification(**{name: getattr(row, name) for name in _COLUMNS})


class NotificationRepository:
    def __init__(self, session: AsyncSession):
        self.session = session
        self.seen: list[Notification] = []

    async def add(self, notification: Notification) -> bool:
        """Record it unless this event already asked this rule for this recipient:
        False then (the unique constraint decides, inside the caller's transaction)."""
        result = await self.session.execute(
            insert_or_ignore(self.session, notifications).values(**_row(notification))
        )
        added = bool(result.rowcount)  # type: ignore[attr-defined]
        if added:
            self.seen.append(notification)
        return added

    async def get(self, notification_id: UUID) -> Notification | None:
        query = select(notifications).where(notifications.c.id == notification_id)
        row = (await self.session.execute(query)).first()
        return self._seen(_notification(row)) if row else None

    async def due(self, now: datetime, limit: int) -> list[Notification]:
        """Queued ones whose time has come, and ones being sent whose lease ran out."""
        query = (
            select(notifications)
            .where(notifications.c.status.in_((QUEUED, SENDING)))
            .where(notifications.c.not_before <= now)
            .order_by(notifications.c.not_before)
            .limit(limit)
        )
        return [self._seen(_notification(r)) for r in (await self.session.execute(query)).all()]

    async def of_resident(self, resident_id: UUID) -> list[Notification]:
        query = select(notifications).where(notifications.c.resident_id == resident_id)
        return [self._seen(_notification(r)) for r in (await self.session.execute(query)).all()]

    async def save(self, notification: Notification) -> None:
        await self.session.execute(
            update(notifications)
            .where(notifications.c.id == notification.id)
            .values(**_row(notification))
        )

    async def settle(self, notification: Notification, claimed: int) -> bool:
        """Write the outcome of the claim made at try ``claimed``, unless something else
        settled it meanwhile (a receipt that overtook the answer, another dispatcher
        after the lease ran out): False then, and nothing is written."""
        result = await self.session.execute(
            update(notifications)
            .where(notifications.c.id == notification.id)
            .where(notifications.c.status == SENDING)
            .where(notifications.c.attempts == claimed)
            .values(**_row(notification))
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def _seen(self, notification: Notification) -> Notification:
        self.seen.append(notification)
        return notification


class PreferenceRepository:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def get(self, resident_id: UUID) -> Preferences | None:
        query = select(preferences).where(preferences.c.resident_id == resident_id)
        row = (await self.session.execute(query)).first()
        if row is None:
            return None
        channels = tuple(c for c in row.channels.split(",") if c)
        return Preferences(resident_id, channels, row.language, row.non_essential)

    async def put(self, prefs: Preferences) -> None:
        values = {
            "channels": ",".join(prefs.channels),
            "language": prefs.language,
            "non_essential": prefs.non_essential,
        }
        await self.session.execute(
            delete(preferences).where(preferences.c.resident_id == prefs.resident_id)
        )
        await self.session.execute(
            preferences.insert().values(resident_id=prefs.resident_id, **values)
        )

    async def forget(self, resident_id: UUID) -> None:
        await self.session.execute(
            delete(preferences).where(preferences.c.resident_id == resident_id)
        )


class ContactRepository:
    """What identity holds for reaching each resident, sealed under their key."""

    def __init__(self, session: AsyncSession):
        self.session = session

    async def get(self, resident_id: UUID) -> str | None:
        query = select(contacts.c.sealed).where(contacts.c.resident_id == resident_id)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def put(self, resident_id: UUID, sealed: str) -> None:
        await self.forget(resident_id)
        await self.session.execute(contacts.insert().values(resident_id=resident_id, sealed=sealed))

    async def forget(self, resident_id: UUID) -> None:
        await self.session.execute(delete(contacts).where(contacts.c.resident_id == resident_id))


class ServiceNameRepository:
    """Each service type's name in each language (public words, from cases' catalogue)."""

    def __init__(self, session: AsyncSession):
        self.session = session

    async def learn(self, service_code: str, names: Mapping[str, str]) -> None:
        """Keep ``names`` (language → name) as the type's, replacing what was known."""
        await self.session.execute(
            delete(service_names).where(service_names.c.service_code == service_code)
        )
        rows = [
            {"service_code": service_code, "language": language, "name": name}
            for language, name in names.items()
        ]
        if rows:
            await self.session.execute(service_names.insert(), rows)

    async def of(self, service_code: str) -> dict[str, str]:
        """The type's name by language (empty: no request of it seen yet)."""
        query = select(service_names.c.language, service_names.c.name).where(
            service_names.c.service_code == service_code
        )
        return {row.language: row.name for row in (await self.session.execute(query)).all()}
