"""The composition root: every adapter is an argument with a production default."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from townhall.cases.domain import commands
from townhall.cases.domain.catalogue import Catalogue
from townhall.cases.service_layer import contacts, handlers, reactions
from townhall.cases.service_layer.handlers import Clock
from townhall.cases.service_layer.matching import NoMatcher, ResidentMatcher
from townhall.cases.service_layer.messagebus import Handler, MessageBus
from townhall.cases.service_layer.unit_of_work import UnitOfWork
from townhall.runtime.outbox import Outbox


def utc_now() -> datetime:
    return datetime.now(UTC)


def bootstrap(
    *,
    sessions: async_sessionmaker[AsyncSession],
    outbox: Outbox,
    catalogue: Catalogue,
    matcher: ResidentMatcher | None = None,
    clock: Clock = utc_now,
) -> MessageBus:
    timed: dict[type, Callable[..., Awaitable[Any]]] = {
        commands.ChangeStatus: handlers.change_status,
        commands.AssignCase: handlers.assign_case,
        commands.AddNote: handlers.add_note,
        commands.AddAttachment: handlers.add_attachment,
        commands.LogContact: contacts.log_contact,
        commands.RecordPayment: reactions.record_payment,
        commands.RecordAppointment: reactions.record_appointment,
        commands.CheckSla: reactions.check_sla,
    }
    routes: dict[type, Handler] = {k: functools.partial(v, clock=clock) for k, v in timed.items()}
    routes[commands.SubmitCase] = functools.partial(
        handlers.submit_case, matcher=matcher or NoMatcher(), clock=clock
    )
    return MessageBus(uow_factory=lambda: UnitOfWork(sessions, outbox, catalogue), handlers=routes)
