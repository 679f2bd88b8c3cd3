"""Dead letters across the services' own databases, for ``townhall dlq`` and status.

Every service that consumes keeps its dead letters in ``th_dead_letters`` (see
townhall.runtime.dead_letters). Each service's database is found the way ``townhall
up`` finds it (townhall.cli.config); one that does not exist yet, or has no such table,
is skipped and never created. A dead letter is named ``<service>:<id>``; the id alone
will do while only one service has a dead letter with that id.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, inspect, select
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from townhall.runtime import dead_letters
from townhall.runtime.clock import Clock, utc_now
from townhall.runtime.db import create_engine, is_sqlite, session_factory
from townhall.runtime.tables import dead_letters as dead_letters_table

TABLE = dead_letters_table.name


class DlqError(ValueError):
    """The request names no such dead letter or group; nothing was changed."""


@dataclass(frozen=True)
class Store:
    """One service's database, holding its dead letters."""

    service: str
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]


@dataclass(frozen=True)
class Found:
    service: str
    letter: dead_letters.DeadLetter

    @property
    def name(self) -> str:
        return f"{self.service}:{self.letter.id}"


def _has_table(connection: Connection) -> bool:
    return inspect(connection).has_table(TABLE)


def _missing_file(url: str) -> bool:
    """A SQLite database whose file does not exist (opening it would create it)."""
    if not is_sqlite(url):
        return False
    database = make_url(url).database
    return not database or not Path(database).exists()


async def _open(service: str, url: str) -> Store | None:
    if _missing_file(url):
        return None
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            if await connection.run_sync(_has_table):
                return Store(service, engine, session_factory(engine))
    except (DBAPIError, OSError):  # no such database yet, or the server is down
        pass
    await engine.dispose()
    return None


@contextlib.asynccontextmanager
async def open_stores(
    databases: Mapping[str, str], timeout_s: float = 10.0
) -> AsyncIterator[list[Store]]:
    """The services whose database holds dead letters, opened for the block."""
    opened = await asyncio.gather(
        *(asyncio.wait_for(_open(name, url), timeout_s) for name, url in databases.items()),
        return_exceptions=True,
    )
    stores = [store for store in opened if isinstance(store, Store)]
    try:
        yield stores
    finally:
        for store in stores:
            await store.engine.dispose()


async def summaries(stores: Sequence[Store]) -> dict[str, list[dead_letters.GroupSummary]]:
    found = {}
    for store in stores:
        async with store.sessions() as session:
            found[store.service] = await dead_letters.summarise(session)
    return found


async def waiting_counts(databases: Mapping[str, str], timeout_s: float = 2.0) -> dict[str, int]:
    """Per service with dead letters kept, how many wait for a replay."""
    counts = {}
    async with open_stores(databases, timeout_s) as stores:
        for store in stores:
            async with store.sessions() as session:
                query = select(func.count()).where(dead_letters_table.c.replayed_at.is_(None))
                counts[store.service] = int((await session.scalar(query)) or 0)
    return counts


def _parse(name: str) -> tuple[str | None, int]:
    service, _, number = name.rpartition(":")
    if not number.isdigit():
        raise DlqError(f"{name!r} is not a dead letter: give <service>:<id>, e.g. cases:12")
    return service or None, int(number)


async def find(stores: Sequence[Store], name: str) -> tuple[Store, Found]:
    """The dead letter ``name`` (``<service>:<id>`` or a unique ``<id>``)."""
    service, number = _parse(name)
    matches: list[tuple[Store, Found]] = []
    for store in stores:
        if service is not None and store.service != service:
            continue
        async with store.sessions() as session:
            letter = await dead_letters.find(session, number)
        if letter is not None:
            matches.append((store, Found(store.service, letter)))
    if not matches:
        raise DlqError(f"no dead letter {name}")
    if len(matches) > 1:
        names = ", ".join(found.name for _, found in matches)
        raise DlqError(f"dead letter {number} is ambiguous: say which, one of {names}")
    return matches[0]


async def waiting_in(stores: Sequence[Store], group: str | None) -> list[tuple[Store, Found]]:
    """Every dead letter waiting for a replay, of ``group`` when given (which must be
    a group that has had dead letters)."""
    every = await summaries(stores)
    groups = sorted({s.consumer_group for found in every.values() for s in found})
    if group is not None and group not in groups:
        known = ", ".join(groups) or "none"
        raise DlqError(f"no consumer group {group!r} has dead letters (groups with some: {known})")
    waiting: list[tuple[Store, Found]] = []
    for store in stores:
        async with store.sessions() as session:
            letters = await dead_letters.waiting(session, group)
        waiting.extend((store, Found(store.service, letter)) for letter in letters)
    return waiting


async def replay(
    chosen: Sequence[tuple[Store, Found]], send: dead_letters.Send, clock: Clock = utc_now
) -> list[Found]:
    """Replay each chosen dead letter (see townhall.runtime.dead_letters.replay); none
    at all when one of them was replayed already."""
    done = [found.name for _, found in chosen if found.letter.replayed_at is not None]
    if done:
        raise DlqError(f"replayed already: {', '.join(done)}")
    replayed = []
    for store, found in chosen:
        try:
            await dead_letters.replay(store.sessions, send, found.letter.id, at=clock())
        except dead_letters.ReplayRefusedError as error:
            raise DlqError(f"{store.service}: {error}") from error
        replayed.append(found)
    return replayed
