"""The development mailbox: the embedded default sender.

Each message is rendered from the council's own template files, as the resident would
get it (an email with its subject, a text, a letter as a page) and kept in the
``mailbox`` table, shown at ``GET /dev/mailbox`` to this machine only, in development.
A council that points the service at GOV.UK Notify (``SENDER=notify``) has no mailbox.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from townhall.notifications.adapters.orm import mailbox
from townhall.notifications.domain.rules import render
from townhall.notifications.service_layer.senders import Found, Message
from townhall.runtime.clock import Clock, utc_now


class MailboxRepository:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def keep(self, message: Message, at: datetime) -> None:
        wording = message.template.wording(message.channel, message.language)
        to = message.to if isinstance(message.to, str) else "\n".join(message.to)
        await self.session.execute(
            mailbox.insert().values(
                reference=message.reference,
                resident_id=message.resident_id,
                channel=message.channel,
                to=to[:400],
                subject=render(wording.subject, message.personalisation)[:400],
                body=render(wording.body, message.personalisation),
                sent_at=at,
            )
        )

    async def find(self, reference: str) -> str | None:
        query = select(mailbox.c.channel).where(mailbox.c.reference == reference)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def messages(self, limit: int = 200) -> list[dict[str, Any]]:
        query = select(mailbox).order_by(mailbox.c.sent_at.desc()).limit(limit)
        return [dict(row._mapping) for row in (await self.session.execute(query)).all()]

    async def forget(self, resident_id: UUID) -> None:
        await self.session.execute(delete(mailbox).where(mailbox.c.resident_id == resident_id))


class DevMailbox:
    """A :class:`~townhall.notifications.service_layer.senders.Sender` into the mailbox."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock = utc_now):
        self.sessions = sessions
        self.clock = clock

    async def send(self, message: Message) -> str:
        async with self.sessions.begin() as session:
            await MailboxRepository(session).keep(message, self.clock())
        return f"mailbox-{message.reference}"

    async def find(self, reference: str) -> Found | None:
        async with self.sessions() as session:
            channel = await MailboxRepository(session).find(reference)
        return Found(f"mailbox-{reference}", channel) if channel else None
