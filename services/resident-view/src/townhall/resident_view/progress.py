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
    """Events mostly arrive in order, so the watermark moves in memory over the batch's
    own run of sequences and only what lies past a gap is written to ``source_pending``."""
    source = key.source
    where = (source_progress.c.source == source) & (source_progress.c.generation == key.generation)
    row = (
        await session.execute(
            select(source_progress.c.watermark, source_progress.c.max_seen).where(where)
        )
    ).one_or_none()
    if row is None:
        await session.execute(
            insert_or_ignore(session, source_progress).values(
                generation=key.generation, source=source, watermark=0, max_seen=0
            )
        )
        watermark, max_seen = 0, 0
    else:
        watermark, max_seen = row
    settled = watermark
    had_pending = max_seen > watermark  # anything above the watermark is waiting
    fresh = sorted(s for s in sequences if s > watermark)
    run = 0
    while run < len(fresh) and fresh[run] == watermark + 1:
        watermark, run = fresh[run], run + 1
    mine = (source_pending.c.source == source) & (source_pending.c.generation == key.generation)
    if run < len(fresh):
        await session.execute(
            insert_or_ignore(session, source_pending),
            [{"generation": key.generation, "source": source, "sequence": s} for s in fresh[run:]],
        )
    if had_pending or run < len(fresh):
        watermark = await _contiguous(session, mine, watermark, settled)
    max_seen = max(max_seen, *sequences)
    await session.execute(
        update(source_progress).where(where).values(watermark=watermark, max_seen=max_seen)
    )
    pending = 0
    if max_seen > watermark:
        query = select(func.count()).select_from(source_pending).where(mine)
        pending = int((await session.execute(query)).scalar_one())
    return SourceProgress(source, watermark, max_seen, pending)


async def _contiguous(
    session: AsyncSession, mine: ColumnElement[bool], watermark: int, settled: int
) -> int:
    """Move the watermark over pending sequences that follow it without a gap, and drop
    the pending rows it passed (``settled`` is where the stored watermark stood)."""
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
        if watermark - start < _CHUNK:
            break
    if watermark > settled:
        await session.execute(
            delete(source_pending).where(mine).where(source_pending.c.sequence <= watermark)
        )
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
