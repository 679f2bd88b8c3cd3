"""Rebuilding the projection from the topics while the live one keeps serving."""

from __future__ import annotations

import uuid
from datetime import date
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Table, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from townhall.resident_view.adapters.orm import residents as residents_table
from townhall.resident_view.adapters.orm import search_terms, timeline_entries
from townhall.resident_view.entrypoints.api.app import create
from townhall.resident_view.entrypoints.api.dependencies import services_of
from townhall.resident_view.projection.rebuild import rebuild
from townhall.resident_view.testing import Spec, envelope
from townhall.resident_view.testing_identity import (
    IdentityEvents,
    KeyServer,
    address,
    with_identity,
)
from townhall.runtime.settings import KafkaSettings
from townhall.runtime.testkit.tokens import TestIssuer
from townhall.runtime.testkit.topics import publish
from townhall.runtime.testkit.waiting import eventually
from townhall.schemas.envelope import Sensitivity


async def rows(session: AsyncSession, table: Table, generation: int) -> list[dict[str, Any]]:
    """A generation's rows of ``table`` in a stable order, without what differs by build:
    the generation, and when the entry was written."""
    query = select(table).where(table.c.generation == generation)
    found = [
        {k: v for k, v in row.items() if k not in ("generation", "recorded_at")}
        for row in (await session.execute(query)).mappings()
    ]
    return sorted(found, key=repr)


def identity_events(keys: KeyServer, residents: list[str]) -> list[Any]:
    """Residents registered, one moved, one merged into another: sealed personal data."""
    identity = IdentityEvents(keys)
    first, second, third = residents
    return [
        identity.registered(first, "Ada", "Lovelace", date_of_birth=date(1985, 12, 10)),
        identity.registered(second, "Bill", "Smith", email="bill@example.org"),
        identity.registered(third, "William", "Smith", phone="01632 960002"),
        identity.moved(first, [address("SW1A 1AA", "100023336956")]),
        identity.merged(third, second),
    ]


async def test_a_rebuild_equals_the_live_projection_and_is_swapped_in(
    database_url: str, kafka_settings: KafkaSettings, tmp_path: Path, key_server: KeyServer
) -> None:
    issuer = TestIssuer(tmp_path)
    settings = with_identity(database_url, kafka_settings, issuer, key_server)
    residents = [str(uuid.uuid4()) for _ in range(3)]
    events = [
        envelope(r, Spec("waste", Sensitivity.PERSONAL), n) for n in range(5) for r in residents
    ]
    officer = {"Authorization": f"Bearer {issuer.officer(('waste', 'personal'))}"}
    app = create(settings)
    live = services_of(app).live

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

        async def found() -> list[list[str]]:
            pages = []
            for field, value in (
                ("name", "Ada Lovelace"),
                ("email", "bill@example.org"),
                ("postcode", "SW1A"),
            ):
                params = {field: value, "purpose": "rebuild check"}
                response = await client.get("/residents/search", params=params, headers=officer)
                pages.append([r["resident_id"] for r in response.json()["results"]])
            return pages

        await publish(kafka_settings, "cases.events", *events)
        await publish(kafka_settings, "identity.events", *identity_events(key_server, residents))
        searched = await eventually(
            found, lambda pages: pages == [residents[:1], residents[2:], residents[:1]]
        )
        before = await eventually(timelines, lambda pages: all(len(p) >= 5 for p in pages))
        progress: list[tuple[int, int]] = []
        rebuilt = await rebuild(settings, lambda done, total: progress.append((done, total)))
        assert live.generation.number == 1, "the live projection serves on during the rebuild"
        async with live.runtime.sessions() as session:
            for table in (residents_table, search_terms):
                live_rows = await rows(session, table, 1)
                assert live_rows and await rows(session, table, 2) == live_rows, table.name
        await live.follow_once()
        after = await timelines()
        assert await found() == searched
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
