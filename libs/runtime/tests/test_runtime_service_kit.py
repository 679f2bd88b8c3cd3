"""The service kit: one unit of work, one message bus, one clock for every service."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from townhall.runtime.clock import Clock, ManualClock
from townhall.runtime.db import create_engine, session_factory
from townhall.runtime.errors import PoisonMessageError, RetryableError
from townhall.runtime.messagebus import (
    EventHandlerFailedError,
    MessageBus,
    Reactions,
    UnknownMessageError,
    inject,
)
from townhall.runtime.outbox import EventContext, Outbox
from townhall.runtime.tables import outbox
from townhall.runtime.testkit.probe import Noted, create_schema
from townhall.runtime.unit_of_work import UnitOfWork
from townhall.schemas.envelope import Envelope, Sensitivity
from townhall.schemas.events.base import DomainEvent as Contract

CONTEXT = EventContext(correlation_id="c-kit")


@dataclass(frozen=True)
class Note:
    """A command."""

    resident_id: str
    n: int


@dataclass(frozen=True)
class Noticed:
    """A domain event."""

    resident_id: str
    n: int
    at: datetime


@dataclass
class Notebook:
    """An aggregate: it records events, it does not publish them."""

    resident_id: str
    events: list[Any] = field(default_factory=list)

    def note(self, n: int, now: datetime) -> None:
        if n < 0:
            raise ValueError("a note is never negative")
        self.events.append(Noticed(self.resident_id, n, now))


class NotebookUnitOfWork(UnitOfWork):
    def open_repositories(self, session: AsyncSession) -> None:
        self.notebooks: dict[str, Notebook] = {}

    def get(self, resident_id: str) -> Notebook:
        return self.notebooks.setdefault(resident_id, Notebook(resident_id))

    def aggregates(self) -> Sequence[Notebook]:
        return list(self.notebooks.values())

    async def to_contracts(self, events: Sequence[Any]) -> list[Contract]:
        return [Noted(resident_id=e.resident_id, n=e.n) for e in events]

    def committed(self, changed: Sequence[Any]) -> None:
        self.told = [a.resident_id for a in changed]


async def note(command: Note, uow: NotebookUnitOfWork, clock: Clock) -> datetime:
    async with uow:
        uow.get(command.resident_id).note(command.n, clock())
        await uow.commit()
    return clock()


@pytest.fixture
async def sessions(tmp_path: Any) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'kit.db'}")
    await create_schema(engine)
    yield session_factory(engine)
    await engine.dispose()


async def _outbox_rows(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        return int((await session.execute(select(func.count()).select_from(outbox))).scalar_one())


def _bus(
    sessions: async_sessionmaker[AsyncSession], clock: Clock, **events: Any
) -> MessageBus[NotebookUnitOfWork]:
    probe = Outbox("probe", "probe.events")
    return MessageBus(
        lambda: NotebookUnitOfWork(sessions, probe, clock=clock),
        commands={Note: note},
        events=events.get("events"),
        dependencies={"clock": clock},
    )


async def test_a_command_commits_its_events_as_outbox_rows_in_its_transaction(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = ManualClock(datetime(2026, 3, 1, 12, tzinfo=UTC))
    answer = await _bus(sessions, clock).handle(Note("r1", 1), CONTEXT)
    assert answer == datetime(2026, 3, 1, 12, tzinfo=UTC)
    assert await _outbox_rows(sessions) == 1


async def test_a_refused_command_reaches_the_caller_and_writes_nothing(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    with pytest.raises(ValueError, match="never negative"):
        await _bus(sessions, ManualClock()).handle(Note("r1", -1), CONTEXT)
    assert await _outbox_rows(sessions) == 0


async def test_a_command_without_a_handler_is_a_typed_failure(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    with pytest.raises(UnknownMessageError, match="str"):
        await _bus(sessions, ManualClock()).handle("close everything", CONTEXT)


async def test_events_go_to_every_handler_after_the_command_committed(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    seen: list[tuple[str, int]] = []

    async def first(event: Noticed, uow: NotebookUnitOfWork) -> None:
        seen.append(("first", event.n))

    async def second(event: Noticed, uow: NotebookUnitOfWork) -> None:
        assert await _outbox_rows(sessions) == 1  # the command has committed
        seen.append(("second", event.n))

    bus = _bus(sessions, ManualClock(), events={Noticed: [first, second]})
    await bus.handle(Note("r1", 7), CONTEXT)
    assert seen == [("first", 7), ("second", 7)]


async def test_a_failing_event_handler_does_not_stop_the_others_and_is_reported(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    seen: list[int] = []

    async def broken(event: Noticed, uow: NotebookUnitOfWork) -> None:
        raise RuntimeError("the mail server is down")

    async def working(event: Noticed, uow: NotebookUnitOfWork) -> None:
        seen.append(event.n)

    bus = _bus(sessions, ManualClock(), events={Noticed: [broken, working]})
    with pytest.raises(EventHandlerFailedError, match="mail server") as raised:
        await bus.handle(Note("r1", 3), CONTEXT)
    assert seen == [3]
    assert [type(e).__name__ for e, _ in raised.value.failures] == ["Noticed"]
    assert await _outbox_rows(sessions) == 1  # the command's effect stands


async def test_a_unit_of_work_left_without_commit_rolls_back(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    uow = NotebookUnitOfWork(sessions, Outbox("probe", "probe.events"))
    async with uow:
        uow.get("r1").note(1, datetime.now(UTC))
        await uow.write_events_to_outbox()
    assert await _outbox_rows(sessions) == 0


async def test_a_joined_unit_of_work_leaves_the_commit_to_the_transaction_owner(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    for owner_commits in (False, True):
        async with sessions() as session:
            uow = NotebookUnitOfWork(sessions, Outbox("probe", "probe.events")).joining(session)
            async with uow:
                uow.get("r1").note(1, datetime.now(UTC))
                await uow.commit()
            assert session.in_transaction()  # flushed, still the owner's to decide
            await (session.commit() if owner_commits else session.rollback())
        assert await _outbox_rows(sessions) == int(owner_commits)


async def test_the_unit_of_work_says_which_aggregates_changed_after_commit(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    uow = NotebookUnitOfWork(sessions, Outbox("probe", "probe.events"))
    async with uow:
        uow.get("r1").note(1, datetime.now(UTC))
        uow.get("r2")
        await uow.commit()
    assert uow.told == ["r1"]


def test_a_handler_gets_only_the_dependencies_it_names() -> None:
    async def needs_clock(message: object, uow: object, clock: Clock) -> datetime:
        return clock()

    async def needs_nothing(message: object, uow: object) -> None:
        return None

    deps = {"clock": ManualClock(), "mailbox": object()}
    assert inject(needs_nothing, deps) is needs_nothing
    assert inject(needs_clock, deps) is not needs_clock
    with pytest.raises(TypeError, match="needs 'clock'"):
        inject(needs_clock, {})


def test_a_manual_clock_moves_only_when_told() -> None:
    clock = ManualClock(datetime(2026, 10, 25, 0, 30, tzinfo=UTC))
    assert clock() == clock()
    assert clock.advance(timedelta(hours=2)) == datetime(2026, 10, 25, 2, 30, tzinfo=UTC)
    with pytest.raises(ValueError, match="timezone-aware"):
        ManualClock(datetime(2026, 1, 1))


class LostRaceError(Exception):
    """What a service's repository raises when another writer got there first."""


def _noted(event_id: str, n: int) -> Envelope:
    return Envelope(
        id=event_id,
        source="/townhall/probe",
        type="townhall.probe.noted.v1",
        time=datetime(2026, 3, 1, 12, tzinfo=UTC),
        subject="notebook/r1",
        residentid="r1",
        correlationid=f"c-{event_id}",
        sensitivity=Sensitivity.PERSONAL,
        domain="probe",
        sequence=1,
        data={"resident_id": "r1", "n": n},
    )


def _as_note(envelope: Envelope) -> object | None:
    n = int(envelope.data["n"])
    return None if n == 0 else Note(str(envelope.data["resident_id"]), n)


async def racing(command: Note, uow: NotebookUnitOfWork) -> None:
    if command.n == 99:
        raise LostRaceError("another writer took the notebook")
    await note(command, uow, ManualClock())


async def test_reactions_run_each_event_as_its_command_in_the_consumers_transaction(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    reactions = Reactions(_bus(sessions, ManualClock()), _as_note)
    batch = [_noted("e-1", 1), _noted("e-2", 0), _noted("e-3", 2)]
    async with sessions() as session:
        await reactions(session, batch)
        await session.rollback()
    assert await _outbox_rows(sessions) == 0, "the consumer's transaction decides"

    async with sessions() as session:
        await reactions(session, batch)
        await session.commit()
    assert await _outbox_rows(sessions) == 2, "an event it does not react to asks nothing"


async def test_reactions_retry_a_lost_race_and_dead_letter_what_the_domain_refuses(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    probe = Outbox("probe", "probe.events")
    bus = MessageBus(lambda: NotebookUnitOfWork(sessions, probe), commands={Note: racing})
    reactions = Reactions(bus, _as_note, retry_on=(LostRaceError,), poison_on=(ValueError,))
    async with sessions() as session:
        with pytest.raises(RetryableError, match="another writer"):
            await reactions(session, [_noted("race", 99)])
        with pytest.raises(PoisonMessageError, match="ValueError: a note is never negative"):
            await reactions(session, [_noted("bad", -1)])
        await session.rollback()

    assert await _outbox_rows(sessions) == 0
