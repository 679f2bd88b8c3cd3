"""FastAPI dependencies, as Annotated aliases (the only place Depends appears)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from townhall.identity.service_layer.messagebus import MessageBus
from townhall.runtime.logging import get_correlation_id, new_correlation_id
from townhall.runtime.outbox import EventContext


def _bus(request: Request) -> MessageBus:
    bus: MessageBus = request.app.state.bus
    return bus


def _context() -> EventContext:
    return EventContext(correlation_id=get_correlation_id() or new_correlation_id())


Bus = Annotated[MessageBus, Depends(_bus)]
Context = Annotated[EventContext, Depends(_context)]
