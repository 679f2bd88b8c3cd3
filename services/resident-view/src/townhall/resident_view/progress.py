"""Completeness: per source, which sequence numbers have arrived and where the gaps are.

Sources number their events 1, 2, 3… without gaps (townhall.runtime.outbox). The
watermark is the highest sequence below which nothing is missing; sequences that
arrive above it wait in ``source_pending`` until the gap closes. The gap is how many
numbers between the watermark and the highest seen have not arrived.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from prometheus_client import Gauge
from sqlalchemy import ColumnElement, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from townhall.resident_view.adapters.orm import source_pending, source_progress
from townhall.runtime.db import insert_or_ignore

_CHUNK = 5000
MISSING = Gauge(
    "townhall_projection_missing_events",
    "Sequence numbers a source has used that the projection has not received",
    ["source"],
)


@dataclass(frozen=True)
class SourceProgress:
    source: str
    watermark: int
    max_seen: int
    pending: int

    @property
    def missing(self) -> int:
        return self.max_seen - self.watermark - self.pending


async def advance(session: AsyncSession, generation: int, seen: Iterable[tuple[str, int]]) -> None:
    by_source: dict[str, set[int]] = defaultdict(set)
    for source, sequence in seen:
        by_source[source].add(sequence)
    for source, sequences in by_source.items():
        state = await _advance_source(session, _Key(generation, source), sequences)
        MISSING.labels(source).set(state.missing)


@dataclass(frozen=True)
class _Key:
    generation: int
    source: str


async def _advance_source(session: AsyncSession, key: _Key, sequences: set[int]) -> SourceProgress:
    source = key.source
    await session.execute(
        insert_or_ignore(session, source_progress).values(
            generation=key.generation, source=source, watermark=0, max_seen=0
        )
    )
    where = (source_progress.c.source == source) & (source_progress.c.generation == key.generation)
    watermark, max_seen = (
        await session.execute(
            select(source_progress.c.watermark, source_progress.c.max_seen).where(where)
        )
    ).one()
    fresh = sorted(s for s in sequences if s > watermark)
    if fresh:
        await session.execute(
            insert_or_ignore(session, source_pending),
            [{"generation": key.generation, "source": source, "sequence": s} for s in fresh],
        )
    mine = (source_pending.c.source == source) & (source_pending.c.generation == key.generation)
    watermark = await _contiguous(session, mine, watermark)
    max_seen = max(max_seen, *sequences)
    await session.execute(
        update(source_progress).where(where).values(watermark=watermark, max_seen=max_seen)
    )
    pending = (
        await session.execute(
            select(func.count())
            .select_from(source_pending)
            .where(source_pending.c.source == source)
        )
    ).scalar_one()
    return SourceProgress(source, watermark, max_seen, int(pending))


async def _contiguous(session: AsyncSession, mine: ColumnElement[bool], watermark: int) -> int:
    """Move the watermark over pending sequences that follow it without a gap."""
    while True:
        chunk = list(
            (
                await session.execute(
                    select(source_pending.c.sequence)
                    .where(mine)
                    .where(source_pending.c.sequence > watermark)
                    .order_by(source_pending.c.sequence)
                    .limit(_CHUNK)
                )
            ).scalars()
        )
        start = watermark
        for sequence in chunk:
            if sequence != watermark + 1:
                break
            watermark = sequence
        if watermark > start:
            await session.execute(
                delete(source_pending).where(mine).where(source_pending.c.sequence <= watermark)
            )
        if watermark - start < _CHUNK:
            return watermark


async def report(session: AsyncSession, generation: int) -> list[SourceProgress]:
    pending = (
        select(source_pending.c.source, func.count().label("n"))
        .where(source_pending.c.generation == generation)
        .group_by(source_pending.c.source)
        .subquery()
    )
    query = (
        select(
            source_progress.c.source,
            source_progress.c.watermark,
            source_progress.c.max_seen,
            func.coalesce(pending.c.n, 0),
        )
        .outerjoin(pending, pending.c.source == source_progress.c.source)
        .where(source_progress.c.generation == generation)
    )
    rows = (await session.execute(query)).all()
    return [SourceProgress(s, w, m, int(p)) for s, w, m, p in rows]
