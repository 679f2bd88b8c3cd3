"""Consumer records made in memory, to drive a consumer's applier without a broker."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

from townhall.runtime.binding import to_record
from townhall.runtime.consumer import Record
from townhall.runtime.testkit.probe import Noted
from townhall.schemas.envelope import Envelope

_offsets = itertools.count()


def raw_record(
    value: bytes | None,
    *,
    key: bytes | None = None,
    headers: list[tuple[str, bytes]] | None = None,
    topic: str = "probe.events",
    partition: int = 0,
    offset: int | None = None,
) -> Record:
    """A record as the broker would deliver it (offsets count up unless given)."""
    return Record(
        topic=topic,
        partition=partition,
        offset=next(_offsets) if offset is None else offset,
        timestamp=0,
        timestamp_type=0,
        key=key,
        value=value,
        checksum=None,
        serialized_key_size=len(key or b""),
        serialized_value_size=len(value or b""),
        headers=headers or [],
    )


def note_envelope(resident_id: str, n: int, *, sequence: int = 1) -> Envelope:
    """A probe event in its envelope, as the probe's outbox would publish it."""
    return Noted(resident_id=resident_id, n=n).to_envelope(
        sequence=sequence, time=datetime(2026, 1, 5, 9, 0, tzinfo=UTC), correlation_id="c"
    )


def envelope_record(envelope: Envelope, **where: object) -> Record:
    """``envelope`` as a binary-mode CloudEvents record."""
    record = to_record(envelope)
    return raw_record(record.value, key=record.key, headers=record.headers, **where)  # type: ignore[arg-type]
