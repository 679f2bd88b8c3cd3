"""The projection on the real broker, and the timeline API over it."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from townhall.resident_view.config import ResidentViewSettings
from townhall.resident_view.entrypoints.api.app import create
from townhall.resident_view.testing_identity import UNLIMITED
from townhall.runtime.settings import KafkaSettings
from townhall.runtime.testkit.tokens import TestIssuer
from townhall.runtime.testkit.topics import publish
from townhall.runtime.testkit.waiting import eventually
from townhall.schemas.envelope import Envelope
from townhall.schemas.events.identity import ResidentRegistered


@pytest.fixture
def issuer(tmp_path: Path) -> TestIssuer:
    return TestIssuer(tmp_path)


@pytest.fixture
async def client(
    database_url: str, kafka_settings: KafkaSettings, issuer: TestIssuer
) -> AsyncIterator[httpx.AsyncClient]:
    settings = ResidentViewSettings(
        database_url=database_url,
        kafka=kafka_settings,
        auth_jwks_url=issuer.jwks_url,
        officer_lookup_limit=UNLIMITED,  # an officer polls below until the entry is there
    )
    app = create(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://rv") as http:
            yield http


def registered(resident_id: str, sequence: int = 1) -> Envelope:
    event = ResidentRegistered(resident_id=uuid.UUID(resident_id), channel="phone")
    return event.to_envelope(sequence=sequence, time=datetime.now(UTC), correlation_id="test")


async def entries(
    client: httpx.AsyncClient, resident_id: str, token: str
) -> list[dict[str, object]]:
    response = await client.get(
        f"/residents/{resident_id}/timeline",
        params={"purpose": "answering the resident's call"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.text
    result: list[dict[str, object]] = response.json()["entries"]
    return result


async def test_a_registered_resident_appears_once_on_their_own_timeline_even_if_delivered_twice(
    client: httpx.AsyncClient, kafka_settings: KafkaSettings, issuer: TestIssuer
) -> None:
    resident = str(uuid.uuid4())
    event = registered(resident)
    await publish(kafka_settings, "identity.events", event)
    await publish(kafka_settings, "identity.events", event)
    await publish(kafka_settings, "identity.events", registered(str(uuid.uuid4())))
    token = issuer.resident(resident)
    seen = await eventually(lambda: entries(client, resident, token), lambda e: len(e) >= 1)
    assert [e["event_id"] for e in seen] == [event.id]
    assert seen[0]["summary"] == "Registered with the council (phone)"
    assert (seen[0]["summary_code"], seen[0]["summary_params"]) == (
        "registered",
        {"channel": "phone"},
    )


async def test_officers_see_only_the_domains_and_sensitivity_their_roles_allow(
    client: httpx.AsyncClient, kafka_settings: KafkaSettings, issuer: TestIssuer
) -> None:
    resident = str(uuid.uuid4())
    await publish(kafka_settings, "identity.events", registered(resident))
    allowed = issuer.officer(("identity", "personal"))
    await eventually(lambda: entries(client, resident, allowed), lambda e: len(e) == 1)
    assert await entries(client, resident, issuer.officer(("waste", "special"))) == []
    assert await entries(client, resident, issuer.officer(("identity", "public"))) == []


@pytest.mark.parametrize(
    ("path", "authorization", "status"),
    [
        ("/residents/{r}/timeline", None, 401),
        ("/residents/{r}/timeline", "Bearer not-a-token", 401),
        ("/residents/{r}/timeline", "Basic abc", 401),
        ("/residents/{other}/timeline", "resident", 403),
        ("/residents/not-a-uuid/timeline", "resident", 422),
        ("/residents/{r}/timeline?limit=0", "resident", 422),
        ("/residents/{r}/timeline?limit=lots", "resident", 422),
    ],
)
async def test_bad_requests_get_a_problem(
    client: httpx.AsyncClient, issuer: TestIssuer, path: str, authorization: str | None, status: int
) -> None:
    resident, other = str(uuid.uuid4()), str(uuid.uuid4())
    headers = {}
    if authorization == "resident":
        headers["Authorization"] = f"Bearer {issuer.resident(resident)}"
    elif authorization:
        headers["Authorization"] = authorization
    response = await client.get(path.format(r=resident, other=other), headers=headers)
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == "application/problem+json"
