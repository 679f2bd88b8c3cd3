"""Completeness: per source, which sequence numbers have arrived and where the gaps are.

Sources number their events 1, 2, 3… without gaps (townhall.runtime.outbox). The
watermark is the highest sequence below which nothing is missing. What arrived above
it (out of order, or past a gap) is kept as a bitmask beside the watermark: bit ``i``
set means sequence ``watermark + 1 + i`` has arrived. The gap is how many numbers
between the watermark and the highest seen have not arrived.

A source's events are spread over partitions by resident, so they arrive interleaved
and the watermark trails by about the skew between partitions. The bitmask keeps that
to one row per source, read and written once per batch, however many sequences wait
(a pending row per sequence cost more than storing the timeline entries).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from prometheus_client import Gauge
from sqlalchemy.ext.asyncio import AsyncSession

from townhall.resident_view.adapters import progress_rows
from townhall.resident_view.adapters.progress_rows import ProgressRow

#: How far above the watermark arrivals are remembered one by one: a bitmask of at most
#: 128 KiB. A sequence further ahead still raises the highest seen, so the gap shows,
#: but is not remembered: a source that far ahead of what arrived is broken, or its
#: history is gone, and remembering it would let one bad number take the memory.
SPAN = 1 << 20
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


@dataclass(frozen=True)
class Arrivals:
    """The gapless prefix (``watermark``) and what arrived beyond it (``above``)."""

    watermark: int = 0
    above: int = 0

    def add(self, sequences: Iterable[int]) -> Arrivals:
        """These arrivals too; repeats, sequences at or below the watermark and those
        :data:`SPAN` or more above it change nothing."""
        offsets = [
            offset
            for s in sequences
            if s > self.watermark and (offset := s - self.watermark - 1) < SPAN
        ]
        if not offsets:
            return self
        bits = bytearray((max(offsets) >> 3) + 1)
        for offset in offsets:
            bits[offset >> 3] |= 1 << (offset & 7)
        above = self.above | int.from_bytes(bits, "little")
        run = (~above & (above + 1)).bit_length() - 1  # trailing ones: the gapless run
        return Arrivals(self.watermark + run, above >> run)

    @property
    def pending(self) -> int:
        return self.above.bit_count()

    @property
    def max_seen(self) -> int:
        return self.watermark + self.above.bit_length()

    def encode(self) -> str:
        return format(self.above, "x") if self.above else ""

    @classmethod
    def decode(cls, watermark: int, pending: str) -> Arrivals:
        return cls(watermark, int(pending, 16) if pending else 0)


async def advance(session: AsyncSession, generation: int, seen: Iterable[tuple[str, int]]) -> None:
    by_source: dict[str, list[int]] = defaultdict(list)
    for source, sequence in seen:
        by_source[source].append(sequence)
    for source, sequences in by_source.items():
        state = await _advance_source(session, generation, source, sequences)
        MISSING.labels(source).set(state.missing)


async def _advance_source(
    session: AsyncSession, generation: int, source: str, sequences: list[int]
) -> SourceProgress:
    row = await progress_rows.get_or_create(session, generation, source)
    before, max_seen = Arrivals.decode(row.watermark, row.pending), row.max_seen
    after = before.add(sequences)
    max_seen = max(max_seen, after.max_seen, *sequences)
    saved = ProgressRow(source, after.watermark, max_seen, after.encode())
    await progress_rows.save(session, generation, saved)
    return SourceProgress(source, after.watermark, max_seen, after.pending)


async def report(session: AsyncSession, generation: int) -> list[SourceProgress]:
    rows = await progress_rows.every_source(session, generation)
    return [
        SourceProgress(source, watermark, max_seen, Arrivals.decode(watermark, pending).pending)
        for source, watermark, max_seen, pending in rows
    ]
