"""The residents table fed by the live projection on the real broker: with identity down
the batch waits and no name is lost; without identity the projection runs on nameless."""

from __future__ import annotations

import uuid
from datetime import date
from pathlib import Path

import httpx

from townhall.resident_view.entrypoints.api.app import create
from townhall.resident_view.entrypoints.api.dependencies import services_of
from townhall.resident_view.testing_identity import IdentityEvents, KeyServer, with_identity
from townhall.runtime import metrics
from townhall.runtime.settings import KafkaSettings
from townhall.runtime.testkit.tokens import TestIssuer
from townhall.runtime.testkit.topics import publish
from townhall.runtime.testkit.waiting import eventually


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_with_identity_down_the_projection_retries_and_loses_no_name(
    database_url: str, kafka_settings: KafkaSettings, tmp_path: Path
) -> None:
    issuer, keys = TestIssuer(tmp_path), KeyServer()  # not started yet: identity is down
    settings = with_identity(database_url, kafka_settings, issuer, keys, identity_timeout_s=0.5)
    resident = str(uuid.uuid4())
    registered = IdentityEvents(keys).registered(
        resident, "Nia", "Griffiths", date_of_birth=date(1990, 1, 2)
    )
    officer = bearer(issuer.officer(("identity", "personal")))
    app = create(settings)
    live = services_of(app).live
    async with app.router.lifespan_context(app):
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://rv")

        async def retries() -> float:
            transient = metrics.CONSUMER_FAILURES.labels(live.generation.group, "transient")
            return float(transient._value.get())

        async def found() -> list[str]:
            params = {"name": "Nia Griffiths", "purpose": "a call"}
            response = await client.get("/residents/search", params=params, headers=officer)
            return [r["resident_id"] for r in response.json()["results"]]

        await publish(kafka_settings, "identity.events", registered)
        await eventually(retries, lambda n: n >= 2)
        async with keys.running():
            assert await eventually(found, lambda ids: ids == [resident]) == [resident]
            timeline = await client.get(
                f"/residents/{resident}/timeline", params={"purpose": "a call"}, headers=officer
            )
            assert [e["event_id"] for e in timeline.json()["entries"]] == [registered.id]
        await client.aclose()


async def test_without_identity_the_projection_runs_on_without_names(
    view: tuple[httpx.AsyncClient, TestIssuer], kafka_settings: KafkaSettings
) -> None:
    client, issuer = view
    resident = str(uuid.uuid4())
    keys = KeyServer()
    await publish(
        kafka_settings, "identity.events", IdentityEvents(keys).registered(resident, "Ifan", "Rees")
    )
    officer = bearer(issuer.officer(("identity", "personal")))

    async def entries() -> list[object]:
        response = await client.get(
            f"/residents/{resident}/timeline", params={"purpose": "a call"}, headers=officer
        )
        return list(response.json()["entries"])

    await eventually(entries, lambda found: len(found) == 1)
    params = {"name": "Ifan Rees", "purpose": "a call"}
    response = await client.get("/residents/search", params=params, headers=officer)
    assert response.status_code == 200 and response.json()["results"] == []
