"""The composition root: every adapter is an argument with a production default."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from townhall.identity.domain import commands
from townhall.identity.service_layer import handlers
from townhall.identity.service_layer.messagebus import MessageBus
from townhall.identity.service_layer.unit_of_work import UnitOfWork
from townhall.runtime.outbox import Outbox


def bootstrap(*, sessions: async_sessionmaker[AsyncSession], outbox: Outbox) -> MessageBus:
    return MessageBus(
        uow_factory=lambda: UnitOfWork(sessions, outbox),
        handlers={commands.RegisterResident: handlers.register_resident},
    )
