"""The message bus: a command goes to its one handler, an event to each of its handlers.

Handlers are plain ``async def handler(message, uow, **dependencies)`` functions. The
composition root (a service's ``bootstrap``) names the dependencies once; the bus hands
each handler only the ones its signature asks for, so a handler that needs the clock
says ``clock: Clock`` and gets it, and one that does not is not bothered with it.

Failures are typed. A command without a handler raises :class:`UnknownMessageError`;
a command handler's own error reaches the caller unchanged (it is the caller's answer).
Event handlers run after the command committed, each in a unit of work of its own; a
failure in one does not stop the others, and every failure is raised at the end as
:class:`EventHandlerFailedError`: the command's effect stands, the caller is told.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from townhall.runtime.errors import PoisonMessageError, RetryableError
from townhall.runtime.outbox import EventContext
from townhall.runtime.unit_of_work import UnitOfWork
from townhall.schemas.envelope import Envelope

U = TypeVar("U", bound=UnitOfWork)
#: ``handler(message, uow)`` once its dependencies are bound.
Handler = Callable[[Any, U], Awaitable[Any]]


class UnknownMessageError(LookupError):
    """The bus has no handler for this command (a wiring mistake, not bad input)."""


class EventHandlerFailedError(Exception):
    """One or more event handlers failed after the command's unit of work committed."""

    def __init__(self, failures: Sequence[tuple[object, BaseException]]):
        self.failures = list(failures)
        names = ", ".join(f"{type(event).__name__}: {exc!r}" for event, exc in failures)
        super().__init__(f"event handlers failed after the command committed: {names}")


def inject(handler: Callable[..., Awaitable[Any]], dependencies: Mapping[str, Any]) -> Handler[Any]:
    """Bind the ``dependencies`` that ``handler``'s signature names (past message and uow).

    A keyword-only parameter the composition root does not provide is a wiring mistake,
    found at start-up rather than at the first request.
    """
    parameters = list(inspect.signature(handler).parameters.values())[2:]
    wanted: dict[str, Any] = {}
    for parameter in parameters:
        if parameter.name in dependencies:
            wanted[parameter.name] = dependencies[parameter.name]
        elif parameter.default is inspect.Parameter.empty:
            raise TypeError(f"{handler.__qualname__} needs {parameter.name!r}, not provided")
    if not wanted:
        return handler

    async def bound(message: Any, uow: Any) -> Any:
        return await handler(message, uow, **wanted)

    bound.__qualname__ = handler.__qualname__
    return bound


class MessageBus(Generic[U]):
    def __init__(
        self,
        uow_factory: Callable[[], U],
        commands: Mapping[type, Callable[..., Awaitable[Any]]],
        events: Mapping[type, Sequence[Callable[..., Awaitable[Any]]]] | None = None,
        dependencies: Mapping[str, Any] | None = None,
    ):
        self.uow_factory = uow_factory
        deps = dict(dependencies or {})
        self.commands: dict[type, Handler[U]] = {k: inject(h, deps) for k, h in commands.items()}
        self.events: dict[type, list[Handler[U]]] = {
            k: [inject(h, deps) for h in hs] for k, hs in (events or {}).items()
        }

    async def handle(self, command: object, context: EventContext, uow: U | None = None) -> Any:
        """Run ``command``'s handler in ``uow`` if given (one that joined a consumer's
        transaction), else in a fresh one; then the handlers of the events it raised."""
        try:
            handler = self.commands[type(command)]
        except KeyError:
            raise UnknownMessageError(f"no handler for {type(command).__name__}") from None
        uow = uow or self.uow_factory()
        uow.context = context
        already = len(uow.collected)
        result = await handler(command, uow)
        await self._dispatch(uow.collected[already:], context)
        return result

    async def _dispatch(self, events: list[object], context: EventContext) -> None:
        failures: list[tuple[object, BaseException]] = []
        while events:
            event = events.pop(0)
            for handler in self.events.get(type(event), ()):
                uow = self.uow_factory()
                uow.context = context
                try:
                    await handler(event, uow)
                except Exception as exc:
                    failures.append((event, exc))
                events.extend(uow.collected)
        if failures:
            raise EventHandlerFailedError(failures)


class Reactions(Generic[U]):
    """A consumer's batch handler for a service that reacts to events with commands.

    ``to_command`` reads an event as the command it asks for (None: an event of a kind
    the service does not react to). Each command runs through the bus in the consumer's
    own transaction, so its effect and the consumer's dedupe record commit together;
    the command's context names the event as its cause. A ``retry_on`` error (a lost
    race) is retried by the consumer; a ``poison_on`` error (the event asks for what
    the domain refuses) sends the event to the dead-letter topic with the reason.
    """

    def __init__(
        self,
        bus: MessageBus[U],
        to_command: Callable[[Envelope], object | None],
        *,
        retry_on: tuple[type[Exception], ...] = (),
        poison_on: tuple[type[Exception], ...] = (),
    ):
        self.bus = bus
        self.to_command = to_command
        self.retry_on = retry_on
        self.poison_on = poison_on

    async def __call__(self, session: AsyncSession, envelopes: Sequence[Envelope]) -> None:
        for envelope in envelopes:
            command = self.to_command(envelope)
            if command is None:
                continue
            context = EventContext(envelope.correlationid, causation_id=envelope.id)
            uow = self.bus.uow_factory().joining(session)
            try:
                await self.bus.handle(command, context, uow)
            except self.retry_on as exc:
                raise RetryableError(str(exc)) from exc
            except self.poison_on as exc:
                raise PoisonMessageError(f"{type(exc).__name__}: {exc}") from exc
