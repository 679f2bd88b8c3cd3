"""Dispatches a command to its one handler inside a fresh unit of work."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from townhall.cases.service_layer.unit_of_work import UnitOfWork
from townhall.runtime.outbox import EventContext

Handler = Callable[[Any, UnitOfWork], Awaitable[Any]]


class MessageBus:
    def __init__(self, uow_factory: Callable[[], UnitOfWork], handlers: Mapping[type, Handler]):
        self.uow_factory = uow_factory
        self.handlers = handlers

    async def handle(
        self, command: object, context: EventContext, uow: UnitOfWork | None = None
    ) -> Any:
        """Run ``command``'s handler, in ``uow`` if given (a consumer's), else a fresh one."""
        uow = uow or self.uow_factory()
        uow.context = context
        return await self.handlers[type(command)](command, uow)
