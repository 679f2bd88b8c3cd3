"""Dispatches a command to its one handler inside a fresh unit of work."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from townhall.identity.service_layer.unit_of_work import UnitOfWork
from townhall.runtime.outbox import EventContext

Handler = Callable[[Any, UnitOfWork], Awaitable[Any]]


class MessageBus:
    def __init__(self, uow_factory: Callable[[], UnitOfWork], handlers: Mapping[type, Handler]):
        self.uow_factory = uow_factory
        self.handlers = handlers

    async def handle(self, command: object, context: EventContext) -> Any:
        uow = self.uow_factory()
        uow.context = context
        return await self.handlers[type(command)](command, uow)
