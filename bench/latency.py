"""End-to-end latency at a fixed offered load: outbox commit → visible in resident-view.

resident-view runs as a real process, as `townhall up` runs it, on the embedded broker.
The bench is the producing service: at a steady rate it commits events to an outbox
(the runtime's Outbox, on the same kind of database) and the runtime's relay publishes
them to ``identity.events``, exactly as identity does after registrations. The interval
measured starts at the envelope's time (stamped in the outbox transaction) and ends at
the entry's ``recorded_at`` (stamped in the projection transaction that makes it
visible to the API, just before it commits). Both clocks are this machine's. Reading
the stamps afterwards, rather than polling the API, keeps the bench from loading the
machine it measures.

Offering at the outbox rather than through identity's HTTP API keeps identity's own
request cost (password-free registration still seals personal data and runs the
matcher) out of a figure that is about the event path; `make bench-identity` measures
identity.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from townhall.cli.launcher import Platform
from townhall.resident_view.adapters.orm import timeline_entries
from townhall.runtime.broker import free_port
from townhall.runtime.db import create_engine, session_factory
from townhall.runtime.epoch import BrokerEpoch
from townhall.runtime.outbox import EventContext, Outbox
from townhall.runtime.relay import OutboxRelay
from townhall.runtime.settings import embedded_kafka_settings
from townhall.runtime.tables import metadata as runtime_metadata
from townhall.runtime.testkit.timings import percentiles
from townhall.runtime.testkit.tokens import TestIssuer
from townhall.schemas.events.identity import ResidentRegistered

SERVICES = ("resident-view",)
TICK_S = 0.01


@dataclass(frozen=True)
class Latency:
    offered_per_s: float
    p50_ms: float
    p99_ms: float
    max_ms: float


def start_platform(var_dir: Path, databases: dict[str, str] | None) -> Platform:
    """resident-view and the broker; a stand-in key set, since identity is not started
    (resident-view is ready only once it can verify tokens)."""
    var_dir.mkdir(parents=True, exist_ok=True)
    issuer = TestIssuer(var_dir)
    platform = Platform(
        var_dir=var_dir,
        services=SERVICES,
        ports={name: free_port() for name in (*SERVICES, "broker")},
        database_urls=databases,
        extra_env={"AUTH_JWKS_URL": issuer.jwks_url},
    )
    platform.start()
    return platform


async def measure(platform: Platform, source_db: str, rate: float, seconds: float) -> Latency:
    """Offer ``rate`` events per second for ``seconds`` and time each one's journey."""
    kafka = embedded_kafka_settings(platform.bootstrap_servers)
    engine = create_engine(source_db)
    async with engine.begin() as connection:
        await connection.run_sync(runtime_metadata.create_all)
    sessions = session_factory(engine)
    outbox = Outbox("identity")
    epoch = BrokerEpoch(kafka)
    relay = OutboxRelay(outbox=outbox, sessions=sessions, kafka=kafka, epoch=epoch)
    await epoch.start()
    await relay.start()
    try:
        count = int(rate * seconds)
        offered = await _offer(outbox, sessions, rate, count)
        stamps = await _visible(platform.database_urls["resident-view"], count, timeout_s=120)
    finally:
        await relay.stop()
        await epoch.stop()
        await engine.dispose()
    p50, p99 = percentiles(stamps)
    return Latency(offered, p50, p99, max(stamps))


async def _offer(
    outbox: Outbox, sessions: async_sessionmaker[AsyncSession], rate: float, count: int
) -> float:
    """Commit ``count`` registrations at ``rate``; the rate actually achieved.

    Every tick (10 ms) commits the events that fell due since the last one in one
    transaction, as a busy service's concurrent requests do: one Python process commits
    only about 400 single-event transactions a second, fewer beside its relay, which
    would measure the load generator rather than the event path. Each envelope's time
    is stamped when it is added, so grouping adds nothing to the measured latency.
    """
    context = EventContext(correlation_id="bench-latency")
    started, sent = time.perf_counter(), 0
    while sent < count:
        due = min(count, int((time.perf_counter() - started) * rate) + 1) - sent
        if due > 0:
            events = [
                ResidentRegistered(resident_id=uuid.uuid4(), channel="online") for _ in range(due)
            ]
            async with sessions.begin() as session:
                await outbox.add(session, events, context)
            outbox.committed()
            sent += due
        await asyncio.sleep(TICK_S)
    return count / (time.perf_counter() - started)


async def _visible(view_db: str, count: int, timeout_s: float) -> list[float]:
    """Milliseconds from outbox commit to projection commit, once all ``count`` arrived."""
    engine = create_engine(view_db)
    t = timeline_entries
    deadline = time.monotonic() + timeout_s
    try:
        while True:
            async with engine.connect() as connection:
                arrived = (await connection.execute(select(func.count()).select_from(t))).scalar()
            if (arrived or 0) >= count or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.5)
        async with engine.connect() as connection:
            rows = (await connection.execute(select(t.c.time, t.c.recorded_at))).all()
    finally:
        await engine.dispose()
    if len(rows) < count:
        raise RuntimeError(f"only {len(rows)} of {count} events became visible")
    return [(_aware(seen) - _aware(stamped)).total_seconds() * 1000 for stamped, seen in rows]


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
