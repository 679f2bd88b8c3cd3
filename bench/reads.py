"""Timeline read latency on a large store, through resident-view's real API.

The store holds ``total`` entries; one resident has ``mine`` of them across several
service areas and sensitivities. An officer with two of those areas asks for the
newest page, with a stated purpose, as the product does: the token is verified, the
policy is applied in the query, the page is read and the look-up is written to the
audit trail, all inside the timed request. Rows are written straight to the store
(the projection's own rate is measured separately), in chunks with a progress bar.
"""

from __future__ import annotations

import contextlib
import json
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from townhall.resident_view.adapters.orm import timeline_entries
from townhall.resident_view.config import ResidentViewSettings
from townhall.resident_view.entrypoints.api.app import create
from townhall.resident_view.entrypoints.api.dependencies import services_of
from townhall.resident_view.projection import generations
from townhall.resident_view.reads import timeline
from townhall.resident_view.reads.policy import visibility
from townhall.runtime.auth import Principal, Role
from townhall.runtime.settings import KafkaSettings
from townhall.runtime.testkit.timings import percentiles
from townhall.runtime.testkit.tokens import TestIssuer
from townhall.schemas.envelope import Sensitivity

DOMAINS = ("pest_control", "waste", "housing", "council_tax", "parking", "social_care")
SENSITIVITIES = tuple(Sensitivity)
CHUNK = 10_000
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class ReadLatency:
    store: int
    mine: int
    visible: int
    #: the whole request: token, policy, page, audit row, response
    p50_ms: float
    p99_ms: float
    #: the page's query alone, the policy applied in it
    query_p50_ms: float
    query_p99_ms: float


def _rows(
    generation: int, resident: str, count: int, start: datetime, rng: random.Random
) -> list[dict[str, Any]]:
    rows = []
    for _ in range(count):
        domain = rng.choice(DOMAINS)
        sensitivity = Sensitivity.SPECIAL if domain == "social_care" else rng.choice(SENSITIVITIES)
        event_id = str(uuid.UUID(int=rng.getrandbits(128)))
        rows.append(
            {
                "generation": generation,
                "event_id": event_id,
                "resident_id": resident,
                "time": start + timedelta(seconds=rng.randrange(3 * 365 * 86400)),
                "recorded_at": start,
                "type": f"townhall.{domain}.case.updated.v1",
                "domain": domain,
                "sensitivity": sensitivity.value,
                "sensitivity_rank": sensitivity.rank,
                "summary": f"Request updated in {domain.replace('_', ' ')}",
                "source": f"/townhall/{domain}",
                "sequence": rng.randrange(1, 10**9),
                "subject": f"case/{event_id[:8]}",
                "correlation_id": "bench",
                "data": json.dumps({"note": "synthetic"}),
                "audience": "officers" if rng.random() < 0.1 else "all",
                "case_reference": f"PC-2026-{rng.randrange(10**6):06d}",
                "channel": "online",
            }
        )
    return rows


async def _settle(engine: AsyncEngine) -> None:
    """Leave the store as it would be in service, not just after a bulk load.

    On PostgreSQL a million rows written in a minute leave the planner without
    statistics, autovacuum with the table still to visit and a checkpoint due, whose
    writes slow every commit (each read commits its audit row) while they last: the
    table is vacuumed and analysed and the checkpoint taken before reads are timed.
    """
    if engine.dialect.name != "postgresql":
        return
    async with engine.connect() as connection:
        autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
        await autocommit.exec_driver_sql(f"VACUUM ANALYZE {timeline_entries.name}")
        # needs a superuser or pg_checkpoint; without it the reads still run
        with contextlib.suppress(DBAPIError):
            await autocommit.exec_driver_sql("CHECKPOINT")


async def timeline_read_latency(
    kafka: KafkaSettings,
    url: str,
    workdir: Path,
    *,
    total: int,
    mine: int,
    reads: int,
    progress: Progress,
) -> ReadLatency:
    issuer = TestIssuer(workdir)
    settings = ResidentViewSettings(
        database_url=url,
        kafka=kafka,
        auth_jwks_url=issuer.jwks_url,
        relay_enabled=False,
        officer_lookup_limit="1000000/minute",  # read latency is measured, not the limit
    )
    app = create(settings)
    rng = random.Random(7)
    resident = str(uuid.uuid4())
    start = datetime(2024, 1, 1, tzinfo=UTC)
    async with app.router.lifespan_context(app):
        sessions = services_of(app).runtime.sessions
        async with sessions.begin() as session:
            generation = (await generations.active(session)).number
        others = [str(uuid.uuid4()) for _ in range(max(1, (total - mine) // 100))]
        written = 0
        while written < total:
            size = min(CHUNK, total - written)
            if written < mine:
                size = min(size, mine - written)
                rows = _rows(generation, resident, size, start, rng)
            else:
                rows = [
                    row
                    for _ in range(size // 100 or 1)
                    for row in _rows(generation, rng.choice(others), 100, start, rng)
                ][:size]
            async with sessions.begin() as session:
                await session.execute(insert(timeline_entries), rows)
            written += len(rows)
            progress(written, total)
        await _settle(services_of(app).runtime.engine)
        roles = (("pest_control", "sensitive"), ("waste", "personal"))
        officer = issuer.officer(*roles)
        headers = {"Authorization": f"Bearer {officer}"}
        path = f"/residents/{resident}/timeline?purpose=bench+read&limit=50"
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://rv") as client:
            for _ in range(20):  # warm the caches and the JWKS
                (await client.get(path, headers=headers)).raise_for_status()
            timings, visible = [], 0
            for _ in range(reads):
                began = time.perf_counter()
                response = await client.get(path, headers=headers)
                timings.append((time.perf_counter() - began) * 1000)
                response.raise_for_status()
                visible = len(response.json()["entries"])
        viewer = Principal("bench-officer", "officer", roles=tuple(Role(*r) for r in roles))
        scope = timeline.Scope(generation, resident, visibility(viewer, resident))
        queries = []
        async with sessions() as session:
            for _ in range(reads):
                began = time.perf_counter()
                await timeline.page(session, scope, filters=timeline.Filters(), limit=50)
                queries.append((time.perf_counter() - began) * 1000)
    return ReadLatency(total, mine, visible, *percentiles(timings), *percentiles(queries))
