"""The projection: a dispatcher from event types to timeline rows.

One method per event type shapes the entry; the consumer (townhall.runtime.consumer)
supplies idempotence and progress, applying a batch in one transaction.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from townhall.resident_view.adapters.orm import timeline_entries
from townhall.schemas.envelope import Envelope
from townhall.schemas.events.identity import ResidentRegistered
from townhall.schemas.registry import event_model

Row = dict[str, Any]


def _resident_registered(envelope: Envelope) -> str:
    event = ResidentRegistered.model_validate(envelope.data)
    how = event.channel.replace("_", " ")
    return f"{ResidentRegistered.SUMMARY} ({how})"


SUMMARIES: dict[str, Callable[[Envelope], str]] = {
    ResidentRegistered.TYPE: _resident_registered,
}


def summary(envelope: Envelope) -> str:
    shape = SUMMARIES.get(envelope.type)
    if shape is not None:
        return shape(envelope)
    return event_model(envelope.type).SUMMARY or envelope.type


def entry(envelope: Envelope) -> Row | None:
    """The timeline row for ``envelope``, or None when it concerns no resident."""
    if envelope.residentid is None:
        return None
    return {
        "event_id": envelope.id,
        "resident_id": envelope.residentid,
        "time": envelope.time,
        "type": envelope.type,
        "domain": envelope.domain,
        "sensitivity": envelope.sensitivity.value,
        "sensitivity_rank": envelope.sensitivity.rank,
        "summary": summary(envelope),
        "source": envelope.source,
        "sequence": envelope.sequence,
        "subject": envelope.subject,
        "correlation_id": envelope.correlationid,
        "data": json.dumps(envelope.data, separators=(",", ":")),
    }


async def project(session: AsyncSession, envelopes: Sequence[Envelope]) -> None:
    """Consumer handler: write the batch's entries in the consumer's transaction."""
    rows = [row for row in map(entry, envelopes) if row is not None]
    if rows:
        await session.execute(insert(timeline_entries), rows)
