"""Identity's restart with a large population: how long until matching is ready.

The database is filled once with the synthetic council's residents (bulk inserts into
identity's own tables, after its migrations), then each start is timed in this process:

* the baseline is the start before issue 12: read the population, train with Splink
  (falling back to the default model when Splink cannot, as that start did), index;
* the first start of identity's ``LinkageMatcher`` on that database: no snapshot yet,
  so every resident is read and indexed (and a snapshot written once ready);
* a restart: the stored model and the snapshot, caught up with the residents changed
  since it was written (``CHANGED`` of them, as outbox rows after its sequence), until
  matching is ready. Issue 12's goal: ready within 3 s with 100,000 residents.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

from bench_identity.runs import Row
from townhall.identity.adapters.linkage_matcher import LinkageMatcher, default_model, record_of
from townhall.identity.adapters.orm import (
    resident_addresses,
    resident_contact_points,
    resident_names,
    residents,
)
from townhall.identity.adapters.repository import ResidentRepository
from townhall.identity.bootstrap import MIGRATIONS
from townhall.identity.linkage import Matcher, Record, train
from townhall.identity.linkage.synthetic import generate
from townhall.runtime.db import create_engine, session_factory
from townhall.runtime.migrations import upgrade
from townhall.runtime.tables import outbox

Advance = Callable[[str, int], Callable[[], None]]
#: Residents changed since the snapshot that a restart catches up.
CHANGED = 1000
_BATCH = 5000


@dataclass(frozen=True, slots=True)
class Started:
    wall_s: float  # from start() until matching is ready
    cpu_s: float  # of this process meanwhile (the loading thread's included)
    restored: bool  # the index came from a snapshot


async def populate(url: str, size: int, advance: Callable[[], None] | None = None) -> int:
    """Identity's schema with ``size`` synthetic residents; the count written."""
    await upgrade(url, MIGRATIONS)
    council = generate(size * 10 // 32, seed=11, queries_per_case=1)
    records = council.population[:size]
    emails: set[str] = set()  # unique per resident in identity
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            for start in range(0, len(records), _BATCH):
                rows = _rows(records[start : start + _BATCH], emails)
                for table, values in rows.items():
                    if values:
                        await connection.execute(insert(table), values)
                if advance:
                    advance()
    finally:
        await engine.dispose()
    return len(records)


def _rows(records: Iterable[Record], emails: set[str]) -> dict[Any, list[dict[str, Any]]]:
    rows: dict[Any, list[dict[str, Any]]] = {
        residents: [], resident_names: [], resident_addresses: [], resident_contact_points: []
    }  # fmt: skip
    for record in records:
        rid = uuid.uuid4()
        email = record.email if record.email and record.email not in emails else None
        if email:
            emails.add(email)
        given = record.given_name or ""
        rows[residents].append({
            "id": rid, "given_name": given, "family_name": record.family_name,
            "date_of_birth": record.date_of_birth, "email": email,
        })  # fmt: skip
        rows[resident_names].append(
            {"resident_id": rid, "position": 0, "given": given, "family": record.family_name}
        )
        if record.postcode:
            line = " ".join(p for p in (record.house_number, record.address_line) if p)
            rows[resident_addresses].append({
                "resident_id": rid, "position": 0, "line1": line or "-", "line2": None,
                "town": record.town or "-", "postcode": record.postcode, "uprn": record.uprn,
            })  # fmt: skip
        contacts = [("email", email), ("phone", record.phone)]
        for position, (kind, value) in enumerate((k, v) for k, v in contacts if v):
            rows[resident_contact_points].append({
                "resident_id": rid, "position": position, "kind": kind, "value": value,
                "verified": False,
            })  # fmt: skip
    return rows


async def old_start(url: str) -> float:
    """The start before issue 12: population, Splink training, the whole index."""
    engine = create_engine(url)
    started = time.perf_counter()
    try:
        async with session_factory(engine)() as session:
            population = await ResidentRepository(session).population()
        records = [r for r in map(record_of, population) if r is not None]
        model = await asyncio.to_thread(_trained, records)
        matcher = Matcher(model)
        for record in records:
            matcher.add(record)
        return time.perf_counter() - started
    finally:
        await engine.dispose()


def _trained(records: list[Record]) -> Any:
    try:
        return train(records)
    except Exception:  # as the old start did: the default model rather than no start
        return default_model()


async def new_start(url: str) -> Started:
    """Identity's matcher started on the database, timed until matching is ready; then
    left to finish its start (a first start writes the snapshot after it is ready)."""
    engine = create_engine(url)
    matcher = LinkageMatcher()
    try:
        wall, cpu = time.perf_counter(), time.process_time()
        await matcher.start(session_factory(engine))
        await matcher.wait_ready()
        ready = time.perf_counter() - wall, time.process_time() - cpu
        assert matcher.upkeep is not None
        await matcher.upkeep.settled.wait()
        return Started(*ready, restored=matcher.upkeep.restored)
    finally:
        await matcher.stop()
        await engine.dispose()


async def change(url: str, count: int) -> None:
    """Outbox rows for ``count`` residents, as if each had changed since the snapshot."""
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            ids = (await connection.execute(select(residents.c.id).limit(count))).scalars()
            now = datetime.now(UTC)
            rows = [
                {"sequence": n, "event_id": str(uuid.uuid4()), "topic": "identity.resident",
                 "key": str(rid), "event_type": "resident.updated.v1", "envelope": "{}",
                 "created_at": now, "publish_count": 0}
                for n, rid in enumerate(ids, start=1)
            ]  # fmt: skip
            await connection.execute(insert(outbox), rows)
    finally:
        await engine.dispose()


def restart(size: int = 100_000, progress: Advance | None = None) -> list[Row]:
    """The three starts on one database of ``size`` residents (see the module)."""
    batches = -(-size // _BATCH)
    advance = progress(f"restart: {size:,} residents", batches + 3) if progress else None
    tick = advance or (lambda: None)
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'identity.db'}"
        count = asyncio.run(populate(url, size, advance))
        baseline = asyncio.run(old_start(url))
        tick()
        first = asyncio.run(new_start(url))
        tick()
        asyncio.run(change(url, CHANGED))
        again = asyncio.run(new_start(url))
        tick()
    if first.restored or not again.restored:
        raise AssertionError("the first start should build the index, the restart restore it")
    task = f"identity ready after a start, {count:,} residents"
    return [
        Row(task, "before issue 12: read, train, index", None, baseline),
        Row(task, "first start: no snapshot, read and index", None, first.wall_s,
            f"{first.cpu_s:.1f} s of CPU"),
        Row(task, "restart: stored model, snapshot", None, again.wall_s,
            f"{baseline / again.wall_s:.0f}x faster than before issue 12; "
            f"{again.cpu_s:.1f} s of CPU; {CHANGED:,} changed residents caught up "
            "(goal: ready within 3 s)"),
    ]  # fmt: skip
