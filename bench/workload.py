"""Synthetic events shaped like the real ones (no personal data)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from townhall.runtime.binding import KafkaRecord, to_record
from townhall.schemas.envelope import Envelope, Sensitivity
from townhall.schemas.events.identity import ResidentRegistered


def registered_records(count: int, residents: int = 1000) -> list[KafkaRecord]:
    ids = [uuid.uuid4() for _ in range(residents)]
    records = []
    for n in range(count):
        resident = ids[n % residents]
        event = ResidentRegistered(resident_id=resident, channel="online")
        envelope = Envelope(
            id=str(uuid.uuid4()),
            source=ResidentRegistered.SOURCE,
            type=ResidentRegistered.TYPE,
            time=datetime.now(UTC),
            subject=event.subject,
            residentid=str(resident),
            correlationid="bench",
            sensitivity=Sensitivity.PERSONAL,
            domain=ResidentRegistered.DOMAIN,
            sequence=n + 1,
            data=event.model_dump(mode="json"),
        )
        records.append(to_record(envelope))
    return records
