"""The projection's consumer handler: events → timeline entries, identity's effects,
claimed reports confirmed, the residents search reads, and per-source progress, in the
consumer's transaction.

The consumer (townhall.runtime.consumer) supplies idempotence, batching and the
transaction; what each event changes is in :mod:`.entries` (its timeline entry, with
what it carried sealed opened by :mod:`.sealed`), :mod:`.identity_effects`,
:mod:`.claims` and :mod:`.resident_index`.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from townhall.resident_view.adapters import entry_writer
from townhall.resident_view.projection import claims, completeness, identity_effects
from townhall.resident_view.projection.entries import entry
from townhall.resident_view.projection.resident_index import ResidentIndex
from townhall.runtime.clock import Clock, utc_now
from townhall.schemas.envelope import Envelope
from townhall.schemas.registry import EVENT_TYPES, parse_event


def validate(envelope: Envelope) -> object:
    """Registered types must match their contract; unknown types are kept as generic."""
    if envelope.type in EVENT_TYPES:
        return parse_event(envelope.type, envelope.data)
    return None


class Projector:
    """The consumer handler for one generation of the projection.

    It deduplicates by itself: the entry's key is (generation, event id), and the
    entry writer (adapters.entry_writer) reports which events it stored for the first
    time, without a second table to write (the consumer runs it with
    ``handler_dedupes``). Only new events have effects beyond their entry.
    """

    def __init__(
        self, generation: int, residents: ResidentIndex | None = None, clock: Clock = utc_now
    ):
        self.generation = generation
        self.residents = residents or ResidentIndex()
        self.clock = clock

    async def __call__(self, session: AsyncSession, envelopes: Sequence[Envelope]) -> int:
        """Entries, effects and progress in the consumer's transaction; how many were new."""
        # network only, before any write: what identity and cases sealed, opened
        personal = await self.residents.open(envelopes)
        rows = [
            row
            for e in envelopes
            if (row := entry(e, self.generation, personal.get(e.id))) is not None
        ]
        recorded_at = self.clock()
        for row in rows:
            row["recorded_at"] = recorded_at
        await claims.settle(session, self.generation, rows)
        await identity_effects.blank_erased(session, self.generation, rows)
        inserted = await entry_writer.insert_new(session, self.generation, rows)
        applied = 0
        for envelope in envelopes:
            # an event about no resident has no entry and no effect, only progress
            if envelope.residentid is None or envelope.id in inserted:
                inserted.discard(envelope.id)  # a repeat within the batch is not new
                applied += 1
                await identity_effects.apply(session, self.generation, envelope)
                await claims.apply(session, self.generation, envelope)
                await self.residents.apply(session, self.generation, envelope, personal)
        seen = [(e.source, e.sequence) for e in envelopes]
        await completeness.advance(session, self.generation, seen)
        return applied
