"""Rebuilding the projection from the topics while the live one keeps serving."""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx
from sqlalchemy import func, select

from townhall.resident_view.adapters.orm import timeline_entries
from townhall.resident_view.config import ResidentViewSettings
from townhall.resident_view.entrypoints.api.app import create
from townhall.resident_view.live import LiveProjection
from townhall.resident_view.rebuild import rebuild
from townhall.resident_view.testing import Spec, envelope
from townhall.runtime.settings import KafkaSettings
from townhall.runtime.testkit.tokens import TestIssuer
from townhall.runtime.testkit.topics import publish
from townhall.runtime.testkit.waiting import eventually
from townhall.schemas.envelope import Sensitivity


async def test_a_rebuild_equals_the_live_projection_and_is_swapped_in(
    database_url: str, kafka_settings: KafkaSettings, tmp_path: Path
) -> None:
    issuer = TestIssuer(tmp_path)
    settings = ResidentViewSettings(
        database_url=database_url, kafka=kafka_settings, auth_jwks_url=issuer.jwks_url
    )
    residents = [str(uuid.uuid4()) for _ in range(3)]
    events = [
        envelope(r, Spec("waste", Sensitivity.PERSONAL), n) for n in range(5) for r in residents
    ]
    app = create(settings)
    live: LiveProjection = app.state.live

    async with app.router.lifespan_context(app):
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://rv")

        async def timelines() -> list[list[dict[str, object]]]:
            pages = []
            for resident in residents:
                response = await client.get(
                    f"/residents/{resident}/timeline",
                    headers={"Authorization": f"Bearer {issuer.resident(resident)}"},
                )
                pages.append(response.json()["entries"])
            return pages

        await publish(kafka_settings, "cases.events", *events)
        before = await eventually(timelines, lambda pages: all(len(p) == 5 for p in pages))
        progress: list[tuple[int, int]] = []
        rebuilt = await rebuild(settings, lambda done, total: progress.append((done, total)))
        assert live.generation.number == 1, "the live projection serves on during the rebuild"
        await live.follow_once()
        after = await timelines()
        async with live.runtime.sessions() as session:
            old_rows = (
                await session.execute(
                    select(func.count()).where(timeline_entries.c.generation == 1)
                )
            ).scalar_one()
        await client.aclose()

    assert rebuilt.generation.number == 2 and live.generation.number == 2
    assert after == before
    assert old_rows == 0, "the old generation is discarded once the new one serves"
    assert progress and progress[-1][0] >= progress[-1][1] >= len(events)
