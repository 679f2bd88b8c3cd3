"""Where the projection's time goes: microseconds per event for each stage, alone.

The projection does, per event: decode the binary binding into an Envelope, validate
the data against its contract, shape the timeline row, and write it (the projection's
INSERT … ON CONFLICT DO NOTHING RETURNING, SQLAlchemy over aiosqlite). Each stage is
timed on its own over the same records, so the sum shows the ceiling one process can
reach before any overlap.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from townhall.resident_view.adapters.orm import timeline_entries
from townhall.resident_view.entrypoints.api.app import MIGRATIONS
from townhall.resident_view.projection import entry, validate
from townhall.runtime.binding import KafkaRecord, from_record
from townhall.runtime.db import create_engine, insert_or_ignore, session_factory
from townhall.runtime.migrations import upgrade

CHUNK = 2000


@dataclass(frozen=True)
class Stage:
    name: str
    us_per_event: float


def _timed(count: int, work: Callable[[], Any]) -> float:
    began = time.perf_counter()
    work()
    return (time.perf_counter() - began) / count * 1e6


async def stage_costs(records: list[KafkaRecord], workdir: Path) -> list[Stage]:
    count = len(records)
    stages = [Stage("decode the binding", _timed(count, lambda: _decode(records)))]
    envelopes = _decode(records)
    stages.append(Stage("validate against the contract", _timed(count, lambda: _check(envelopes))))
    rows: list[dict[str, Any]] = []
    stages.append(Stage("shape the timeline row", _timed(count, lambda: _shape(envelopes, rows))))
    url = f"sqlite+aiosqlite:///{workdir / 'costs.db'}"
    await upgrade(url, MIGRATIONS)
    engine = create_engine(url)
    sessions = session_factory(engine)
    began = time.perf_counter()
    for start in range(0, count, CHUNK):
        async with sessions.begin() as session:
            # the projection's own statement: keyed by event id, reading back what was new
            statement = insert_or_ignore(session, timeline_entries).returning(
                timeline_entries.c.event_id
            )
            await session.execute(statement, rows[start : start + CHUNK])
    stages.append(Stage("insert (SQLAlchemy, SQLite)", (time.perf_counter() - began) / count * 1e6))
    await engine.dispose()
    return stages


def _decode(records: list[KafkaRecord]) -> list[Any]:
    return [from_record(r.key, r.value, r.headers) for r in records]


def _check(envelopes: list[Any]) -> None:
    for envelope in envelopes:
        validate(envelope)


def _shape(envelopes: list[Any], rows: list[dict[str, Any]]) -> None:
    rows.clear()
    rows.extend(row for e in envelopes if (row := entry(e)) is not None)
