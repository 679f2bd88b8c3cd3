"""Synthetic events shaped like the real ones (no personal data)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from townhall.runtime.binding import KafkaRecord, to_record
from townhall.schemas.events.identity import ResidentRegistered


def registered_records(count: int, residents: int = 1000) -> list[KafkaRecord]:
    ids = [uuid.uuid4() for _ in range(residents)]
    records = []
    for n in range(count):
        resident = ids[n % residents]
        event = ResidentRegistered(resident_id=resident, channel="online")
        envelope = event.to_envelope(sequence=n + 1, time=datetime.now(UTC), correlation_id="bench")
        records.append(to_record(envelope))
    return records
