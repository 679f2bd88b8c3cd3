"""Dead letters kept in the consuming service's own database, and their replay.

A consumer group that cannot apply a record keeps it in ``th_dead_letters`` (record,
original headers, reason, when) in the same transaction that marks its event as
dead-lettered, so it survives a broker reset and a process restart alike.

Replaying one after a fix puts it back through the same idempotent path: this group's
``dead_lettered`` mark is removed and the dead letter stamped as replayed, in one
transaction; then the stored record is produced again to its original topic, with a
header naming the dead letter. This group applies it like any other record; every
other group has the event in its dedupe record already and drops it. The database is
committed before producing, so the consumer can never read the record while the mark
still stands; if producing fails, the stamp and the mark are put back.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from aiokafka import AIOKafkaProducer
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from townhall.runtime.db import insert_or_ignore
from townhall.runtime.tables import dead_letters, processed_events

#: The header a replayed record carries: the id of the dead letter it replays.
REPLAY_HEADER = "th_replay_of"
DEAD_LETTERED = "dead_lettered"
Headers = Sequence[tuple[str, bytes]]
#: Produces ``value`` with ``key`` and ``headers`` to ``topic``, waiting for the ack.
Send = Callable[[str, bytes | None, bytes | None, Headers], Awaitable[None]]


class SourceRecord(Protocol):
    """Where a dead letter came from (an aiokafka ConsumerRecord is one)."""

    @property
    def topic(self) -> str: ...
    @property
    def partition(self) -> int: ...
    @property
    def offset(self) -> int: ...
    @property
    def key(self) -> bytes | None: ...
    @property
    def value(self) -> bytes | None: ...
    @property
    def headers(self) -> Headers: ...


def producer_send(producer: AIOKafkaProducer) -> Send:
    """:data:`Send` through a started producer."""

    async def send(topic: str, value: bytes | None, key: bytes | None, headers: Headers) -> None:
        await producer.send_and_wait(topic, value, key=key, headers=list(headers))

    return send


class ReplayRefusedError(LookupError):
    """The dead letter does not exist, or was replayed already; nothing was changed."""


@dataclass(frozen=True)
class DeadLetter:
    id: int
    consumer_group: str
    source_topic: str
    source_partition: int
    source_offset: int
    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes]]
    event_id: str | None
    reason: str
    dead_lettered_at: datetime
    replayed_at: datetime | None


@dataclass(frozen=True)
class GroupSummary:
    consumer_group: str
    waiting: int
    replayed: int
    #: The most recent dead letter not replayed yet, if any.
    latest: DeadLetter | None


def encode_headers(headers: Headers) -> str:
    """Headers as JSON: ``[[name, base64 value], …]`` (values are arbitrary bytes)."""
    return json.dumps([[name, base64.b64encode(value or b"").decode()] for name, value in headers])


def decode_headers(stored: str) -> list[tuple[str, bytes]]:
    return [(name, base64.b64decode(value)) for name, value in json.loads(stored)]


async def keep(
    session: AsyncSession,
    *,
    group: str,
    record: SourceRecord,
    reason: str,
    event_id: str | None,
    at: datetime,
) -> int:
    """Keep ``record`` as ``group``'s dead letter and mark its event; return its id."""
    original = [(n, v) for n, v in record.headers if n != REPLAY_HEADER]
    result = await session.execute(
        insert(dead_letters)
        .values(
            consumer_group=group,
            source_topic=record.topic,
            source_partition=record.partition,
            source_offset=record.offset,
            key=record.key,
            value=record.value,
            headers=encode_headers(original),
            event_id=event_id,
            reason=reason,
            dead_lettered_at=at,
        )
        .returning(dead_letters.c.id)
    )
    if event_id is not None:
        await session.execute(
            insert_or_ignore(session, processed_events).values(
                consumer_group=group, event_id=event_id, outcome=DEAD_LETTERED, processed_at=at
            )
        )
    return int(result.scalar_one())


def topic_headers(
    record: SourceRecord, *, group: str, reason: str, at: datetime
) -> list[tuple[str, bytes]]:
    """The headers of a dead letter's copy on the dead-letter topic: the record's own,
    then the reason and where and when it was dead-lettered."""
    return [
        *record.headers,
        ("dlq_reason", reason[:2000].encode()),
        ("dlq_group", group.encode()),
        ("dlq_topic", record.topic.encode()),
        ("dlq_partition", str(record.partition).encode()),
        ("dlq_offset", str(record.offset).encode()),
        ("dlq_time", at.isoformat().encode()),
    ]


def _letter(row: Any) -> DeadLetter:
    values = dict(row._mapping)
    values["headers"] = decode_headers(values["headers"])
    return DeadLetter(**values)


async def find(session: AsyncSession, letter_id: int) -> DeadLetter | None:
    row = (
        await session.execute(select(dead_letters).where(dead_letters.c.id == letter_id))
    ).one_or_none()
    return None if row is None else _letter(row)


async def waiting(session: AsyncSession, group: str | None = None) -> list[DeadLetter]:
    """Dead letters not replayed yet, oldest first; of ``group`` only when given."""
    query = select(dead_letters).where(dead_letters.c.replayed_at.is_(None))
    if group is not None:
        query = query.where(dead_letters.c.consumer_group == group)
    rows = await session.execute(query.order_by(dead_letters.c.id))
    return [_letter(row) for row in rows]


async def summarise(session: AsyncSession) -> list[GroupSummary]:
    """Per consumer group: how many wait, how many were replayed, the latest waiting."""
    waiting_count = func.count().filter(dead_letters.c.replayed_at.is_(None))
    replayed_count = func.count().filter(dead_letters.c.replayed_at.is_not(None))
    counts = await session.execute(
        select(dead_letters.c.consumer_group, waiting_count, replayed_count)
        .group_by(dead_letters.c.consumer_group)
        .order_by(dead_letters.c.consumer_group)
    )
    summaries = []
    for group, waits, replayed in counts.all():
        latest = await waiting(session, group)
        summaries.append(GroupSummary(group, waits, replayed, latest[-1] if latest else None))
    return summaries


async def replay(
    sessions: async_sessionmaker[AsyncSession], send: Send, letter_id: int, *, at: datetime
) -> DeadLetter:
    """Put dead letter ``letter_id`` back through its group's consumer (see above)."""
    async with sessions.begin() as session:
        letter = await find(session, letter_id)
        if letter is None:
            raise ReplayRefusedError(f"no dead letter {letter_id}")
        if not await _stamp(session, letter, at):
            raise ReplayRefusedError(f"dead letter {letter_id} was replayed already")
    headers = [*letter.headers, (REPLAY_HEADER, str(letter.id).encode())]
    try:
        await send(letter.source_topic, letter.value, letter.key, headers)
    except BaseException:
        async with sessions.begin() as session:
            await _unstamp(session, letter)
        raise
    return letter


async def _stamp(session: AsyncSession, letter: DeadLetter, at: datetime) -> bool:
    stamped = await session.execute(
        update(dead_letters)
        .where(dead_letters.c.id == letter.id)
        .where(dead_letters.c.replayed_at.is_(None))
        .values(replayed_at=at)
    )
    if not stamped.rowcount:  # type: ignore[attr-defined]
        return False
    if letter.event_id is not None:
        await session.execute(
            delete(processed_events)
            .where(processed_events.c.consumer_group == letter.consumer_group)
            .where(processed_events.c.event_id == letter.event_id)
            .where(processed_events.c.outcome == DEAD_LETTERED)
        )
    return True


async def _unstamp(session: AsyncSession, letter: DeadLetter) -> None:
    await session.execute(
        update(dead_letters).where(dead_letters.c.id == letter.id).values(replayed_at=None)
    )
    if letter.event_id is not None:
        await session.execute(
            insert_or_ignore(session, processed_events).values(
                consumer_group=letter.consumer_group,
                event_id=letter.event_id,
                outcome=DEAD_LETTERED,
                processed_at=letter.dead_lettered_at,
            )
        )
