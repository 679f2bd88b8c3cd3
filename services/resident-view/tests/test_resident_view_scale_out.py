"""The projection scales out by partition: a `project` process beside the one that
serves shares the topics' partitions, and every event still reaches the timeline once.
`python -m townhall.resident_view project` starts such a process."""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from townhall.resident_view import __main__ as resident_view_main
from townhall.resident_view.config import ResidentViewSettings
from townhall.resident_view.entrypoints.api.app import create
from townhall.resident_view.entrypoints.api.dependencies import services_of
from townhall.resident_view.testing import Spec, envelope
from townhall.runtime.settings import KafkaSettings
from townhall.runtime.testkit.tokens import TestIssuer
from townhall.runtime.testkit.topics import publish
from townhall.runtime.testkit.waiting import eventually
from townhall.schemas.envelope import Sensitivity

WASTE = Spec("waste", Sensitivity.PERSONAL)


def assigned(app: FastAPI) -> int:
    live = services_of(app).live
    consumer = live.consumer._consumer if live.consumer else None
    return len(consumer.assignment()) if consumer else 0


async def test_a_projecting_process_shares_the_partitions_and_nothing_is_doubled(
    database_url: str, kafka_settings: KafkaSettings, tmp_path: Path
) -> None:
    issuer = TestIssuer(tmp_path)
    settings = ResidentViewSettings(
        database_url=database_url, kafka=kafka_settings, auth_jwks_url=issuer.jwks_url
    )
    serving, projecting = create(settings), create(settings, api=False)
    residents = [str(uuid.uuid4()) for _ in range(16)]
    events = [envelope(r, WASTE, n) for r in residents for n in range(3)]
    async with (
        serving.router.lifespan_context(serving),
        projecting.router.lifespan_context(projecting),
    ):
        both = await eventually(
            lambda: _both_assigned(serving, projecting), lambda b: b, timeout_s=60
        )
        assert both, "Kafka gives each process some of the partitions"
        await publish(kafka_settings, "cases.events", *events)
        transport = httpx.ASGITransport(app=serving)
        async with httpx.AsyncClient(transport=transport, base_url="http://rv") as client:
            counts = await eventually(
                lambda: _entries_per_resident(client, issuer, residents),
                lambda c: sum(c) >= len(events),
                timeout_s=60,
            )
        only_projects = httpx.ASGITransport(app=projecting)
        async with httpx.AsyncClient(transport=only_projects, base_url="http://p") as probe:
            timeline = await probe.get(f"/residents/{residents[0]}/timeline")
            ready = await probe.get("/readyz")
    assert counts == [3] * len(residents)
    assert timeline.status_code == 404, "a projecting process serves no timeline"
    assert ready.status_code == 200


async def _both_assigned(serving: FastAPI, projecting: FastAPI) -> bool:
    return assigned(serving) > 0 and assigned(projecting) > 0


async def _entries_per_resident(
    client: httpx.AsyncClient, issuer: TestIssuer, residents: list[str]
) -> list[int]:
    counts = []
    for resident in residents:
        response = await client.get(
            f"/residents/{resident}/timeline",
            params={"limit": 50},
            headers={"Authorization": f"Bearer {issuer.resident(resident)}"},
        )
        assert response.status_code == 200, response.text
        counts.append(len(response.json()["entries"]))
    return counts


def test_the_project_command_serves_the_projection_without_the_timeline(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    served: list[FastAPI] = []
    monkeypatch.setattr(resident_view_main, "serve", lambda app, _settings: served.append(app))
    assert resident_view_main.main(["townhall.resident_view", "project"]) == 0
    assert resident_view_main.main(["townhall.resident_view", "serve"]) == 0
    projecting, serving = (set(app.openapi()["paths"]) for app in served)
    assert "/residents/{resident_id}/timeline" in serving
    assert projecting == set(), "health, readiness and metrics only (kept out of the schema)"


def test_an_unknown_command_is_refused_with_the_usage(capsys: pytest.CaptureFixture[str]) -> None:
    assert resident_view_main.main(["townhall.resident_view", "projekt"]) == 2
    assert "serve|project|rebuild" in capsys.readouterr().err
