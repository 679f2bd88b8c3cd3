"""A transaction PostgreSQL aborts because it clashed with another (a deadlock, 40P01,
or a serialization failure, 40001) is run again after a random wait, a few times; then
the caller is told the change clashed, and a consumer treats it as passing, never as a
poison message. Other errors pass at once. Real PostgreSQL, real driver errors."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from townhall.runtime.conflicts import (
    RetryPolicy,
    TransactionConflictError,
    is_conflict,
    retry_conflicts,
    sqlstate,
)
from townhall.runtime.db import create_engine
from townhall.runtime.errors import Failure, classify
from townhall.runtime.testkit.fixtures import PostgresDatabases


@pytest.fixture
async def engine(postgres: PostgresDatabases) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(await postgres.create())
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE counters (id int PRIMARY KEY, n int NOT NULL)"))
        await conn.execute(text("INSERT INTO counters VALUES (1, 0), (2, 0)"))
    yield engine
    await engine.dispose()


class Waits:
    """Stands in for asyncio.sleep: records each wait, and does not wait."""

    def __init__(self) -> None:
        self.seen: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.seen.append(seconds)


async def _bump(conn: AsyncConnection, row: int) -> None:
    await conn.execute(text("UPDATE counters SET n = n + 1 WHERE id = :id"), {"id": row})


async def test_a_real_deadlock_is_run_again_and_both_writers_succeed(engine: AsyncEngine) -> None:
    """Two writers lock rows 1 and 2 in opposite orders: PostgreSQL breaks the deadlock
    by aborting one (usually the second: its deadlock_timeout is the shorter); that one
    runs again once the other committed, and both increments are there."""
    first_locked, second_locked = asyncio.Event(), asyncio.Event()
    runs = {"first": 0, "second": 0}
    waits = Waits()

    async def writer(name: str, rows: tuple[int, int], mine: asyncio.Event) -> None:
        runs[name] += 1
        theirs = second_locked if mine is first_locked else first_locked
        async with engine.begin() as conn:
            timeout = "100ms" if name == "second" else "1s"
            await conn.execute(text(f"SET LOCAL deadlock_timeout = '{timeout}'"))
            await _bump(conn, rows[0])
            if runs[name] == 1:  # only the first run meets the other half-way
                mine.set()
                await theirs.wait()
            await _bump(conn, rows[1])

    await asyncio.gather(
        retry_conflicts(lambda: writer("first", (1, 2), first_locked), sleep=waits),
        retry_conflicts(lambda: writer("second", (2, 1), second_locked), sleep=waits),
    )

    assert sorted(runs.values()) == [1, 2], "one of them was aborted, and ran again once"
    assert len(waits.seen) == 1
    async with engine.connect() as conn:
        rows = (await conn.execute(text("SELECT id, n FROM counters ORDER BY id"))).all()
    assert [tuple(r) for r in rows] == [(1, 2), (2, 2)]


async def _serialization_failure(engine: AsyncEngine) -> None:
    """A transaction the server aborts with SQLSTATE 40001, as SERIALIZABLE would."""
    async with engine.begin() as conn:
        await _bump(conn, 1)
        await conn.execute(
            text(
                "DO $$ BEGIN RAISE EXCEPTION 'could not serialize access' "
                "USING ERRCODE = '40001'; END $$"
            )
        )


async def test_a_clash_every_time_gives_up_after_the_policys_runs_with_growing_random_waits(
    engine: AsyncEngine,
) -> None:
    runs = 0

    async def attempt() -> None:
        nonlocal runs
        runs += 1
        await _serialization_failure(engine)

    waits = Waits()
    policy = RetryPolicy(attempts=4, first_delay_s=0.01, longest_delay_s=0.03, retry_after_s=2)
    with pytest.raises(TransactionConflictError) as refused:
        await retry_conflicts(attempt, policy=policy, sleep=waits, draw=lambda: 0.5)

    assert runs == 4
    assert waits.seen == pytest.approx([0.005, 0.01, 0.015]), "half of 10, 20, then 30 ms"
    assert (refused.value.attempts, refused.value.sqlstate) == (4, "40001")
    assert refused.value.retry_after_s == 2
    async with engine.connect() as conn:
        assert (await conn.execute(text("SELECT sum(n) FROM counters"))).scalar_one() == 0


async def test_other_database_errors_are_not_run_again(engine: AsyncEngine) -> None:
    runs = 0

    async def attempt() -> None:
        nonlocal runs
        runs += 1
        async with engine.begin() as conn:
            await conn.execute(text("INSERT INTO counters VALUES (1, 0)"))  # taken

    with pytest.raises(DBAPIError) as refused:
        await retry_conflicts(attempt, sleep=Waits())
    assert runs == 1
    assert sqlstate(refused.value) == "23505" and not is_conflict(refused.value)


async def test_a_consumer_runs_a_clashing_event_again_rather_than_dead_lettering_it(
    engine: AsyncEngine,
) -> None:
    with pytest.raises(DBAPIError) as clashed:
        await _serialization_failure(engine)
    assert classify(clashed.value) is Failure.TRANSIENT
    assert classify(TransactionConflictError(5, "40P01", 1.0)) is Failure.TRANSIENT


def test_a_policy_that_cannot_run_is_refused() -> None:
    with pytest.raises(ValueError, match="attempts"):
        RetryPolicy(attempts=0)
    with pytest.raises(ValueError, match="first_delay_s"):
        RetryPolicy(first_delay_s=1, longest_delay_s=0.5)
