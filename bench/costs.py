"""Where the projection's time goes: microseconds per event for each stage, alone.

The projection does, per event: decode the binary binding into an Envelope, validate
the data against its contract, shape the timeline row, and write it (the projection's
the entry writer's probe and executemany over aiosqlite). Each stage is
timed on its own over the same records, so the sum shows the ceiling one process can
reach before any overlap.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from townhall.resident_view.adapters import entry_writer
from townhall.resident_view.adapters.orm import MIGRATIONS
from townhall.resident_view.projection.entries import entry
from townhall.resident_view.projection.projector import validate
from townhall.runtime.binding import KafkaRecord, from_record
from townhall.runtime.db import create_engine, session_factory
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
            # the projection's own writer: keyed by event id, telling which were new
            await entry_writer.insert_new(session, 1, rows[start : start + CHUNK])
    stages.append(
        Stage("insert (entry writer, SQLite)", (time.perf_counter() - began) / count * 1e6)
    )
    await engine.dispose()
    return stages


def _decode(records: list[KafkaRecord]) -> list[Any]:
    return [from_record(r.key, r.value, r.headers) for r in records]


def _check(envelopes: list[Any]) -> None:
    for envelope in envelopes:
        validate(envelope)


def _shape(envelopes: list[Any], rows: list[dict[str, Any]]) -> None:
    rows.clear()
    recorded_at = datetime.now(UTC)
    rows.extend({**row, "recorded_at": recorded_at} for e in envelopes if (row := entry(e)))
