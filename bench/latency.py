"""End-to-end latency at a fixed offered load, through real processes.

identity and resident-view run as `townhall up` runs them. The bench registers
residents over HTTP at a steady rate, then reads, for every event, the time identity's
outbox transaction stamped on it and the time resident-view's projection transaction
recorded it (its ``processed_at``, written in the transaction that makes the entry
visible to the API). Both clocks are this machine's. Reading the stamps afterwards,
rather than polling, keeps the bench from loading the machine it measures.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy import select

from townhall.cli.launcher import Platform
from townhall.resident_view.adapters.orm import timeline_entries
from townhall.runtime.broker import free_port
from townhall.runtime.db import create_engine
from townhall.runtime.tables import processed_events

SERVICES = ("identity", "resident-view")


def start_platform(
    var_dir: Path, databases: dict[str, str] | None, env: dict[str, str] | None = None
) -> Platform:
    platform = Platform(
        extra_env=env,
        var_dir=var_dir,
        services=SERVICES,
        ports={name: free_port() for name in (*SERVICES, "broker")},
        database_urls=databases,
    )
    platform.start()
    return platform


async def _offer(url: str, rate: float, count: int) -> None:
    limits = httpx.Limits(max_connections=64)
    async with httpx.AsyncClient(timeout=httpx.Timeout(30, pool=None), limits=limits) as client:
        started = time.perf_counter()
        pending = []
        for n in range(count):
            delay = started + n / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            body = {"given_name": f"Bench{n}", "family_name": "Resident"}
            pending.append(asyncio.create_task(client.post(f"{url}/residents", json=body)))
        for response in await asyncio.gather(*pending):
            response.raise_for_status()


async def _visible_after(view_db: str, count: int, timeout_s: float) -> list[float]:
    """Milliseconds from outbox commit to projection commit, once all ``count`` arrived."""
    engine = create_engine(view_db)
    t, p = timeline_entries, processed_events
    query = select(t.c.time, p.c.processed_at).join(p, p.c.event_id == t.c.event_id)
    deadline = time.monotonic() + timeout_s
    try:
        while True:
            async with engine.connect() as connection:
                rows = (await connection.execute(query)).all()
            if len(rows) >= count or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.2)
    finally:
        await engine.dispose()
    if len(rows) < count:
        raise RuntimeError(f"only {len(rows)} of {count} events became visible")
    return [(_aware(seen) - _aware(stamped)).total_seconds() * 1000 for stamped, seen in rows]


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def measure(platform: Platform, rate: float, seconds: float) -> tuple[float, float]:
    """(p50, p99) in milliseconds for ``rate`` registrations per second."""
    count = int(rate * seconds)
    await _offer(platform.urls["identity"], rate, count)
    view_db = platform.database_urls["resident-view"]
    latencies = sorted(await _visible_after(view_db, count, timeout_s=60))
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    return statistics.median(latencies), p99
