"""Identity's restart with a large population: how long until matching is ready.

The database is filled once with the synthetic council's residents (bulk inserts into
identity's own tables, after its migrations), then each start is timed in this process:
the baseline is the old path (read the population, train with Splink, build the index);
the new one is identity's ``LinkageMatcher.start`` with a stored model, until matching
is ready.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from townhall.identity.adapters.linkage_matcher import LinkageMatcher, record_of
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

_BATCH = 5000


@dataclass(frozen=True, slots=True)
class Restart:
    residents: int
    baseline_s: float  # read the population, train, index: the old start
    ready_s: float  # the new start, until matching is ready


async def populate(url: str, size: int) -> int:
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
        model = await asyncio.to_thread(train, records)
        matcher = Matcher(model)
        for record in records:
            matcher.add(record)
        return time.perf_counter() - started
    finally:
        await engine.dispose()


async def new_start(url: str) -> float:
    """Identity's matcher started on the same database, until matching is ready."""
    engine = create_engine(url)
    try:
        matcher = LinkageMatcher()
        started = time.perf_counter()
        await matcher.start(session_factory(engine))
        return time.perf_counter() - started
    finally:
        await engine.dispose()


def measure(folder: Path, size: int = 100_000) -> Restart:
    url = f"sqlite+aiosqlite:///{folder / 'identity.db'}"
    count = asyncio.run(populate(url, size))
    baseline = asyncio.run(old_start(url))
    ready = asyncio.run(new_start(url))
    return Restart(count, baseline, ready)
