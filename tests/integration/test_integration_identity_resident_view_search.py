"""Officers find residents identity registered: resident-view opens identity's sealed
personal data with keys it fetches from the real identity app, and erasure removes them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from townhall.identity.testing import Harness, bearer
from townhall.resident_view.config import ResidentViewSettings
from townhall.resident_view.entrypoints.api.app import create as create_resident_view
from townhall.resident_view.testing_identity import UNLIMITED
from townhall.runtime.settings import KafkaSettings
from townhall.runtime.testkit.fixtures import PostgresDatabases
from townhall.runtime.testkit.tokens import TestIssuer
from townhall.runtime.testkit.topics import publish
from townhall.runtime.testkit.waiting import eventually
from townhall.schemas.envelope import Envelope


class Published:
    """Identity's outbox, published to the broker as its relay would (each event once)."""

    def __init__(self, identity: Harness, kafka: KafkaSettings):
        self.identity, self.kafka = identity, kafka
        self.sent: set[str] = set()

    async def flush(self) -> None:
        fresh = [Envelope.model_validate(e) for e in await self.identity.events()]
        fresh = [e for e in fresh if e.id not in self.sent]
        await publish(self.kafka, "identity.events", *fresh)
        self.sent |= {e.id for e in fresh}


@pytest.fixture
async def resident_view_url(
    database_url: str, tmp_path: Path, request: pytest.FixtureRequest
) -> str:
    if database_url.startswith("sqlite"):
        return f"sqlite+aiosqlite:///{tmp_path / 'resident-view.db'}"
    postgres: PostgresDatabases = request.getfixturevalue("postgres")
    return await postgres.create()


@pytest.fixture
async def admin(identity: Harness) -> dict[str, str]:
    return bearer(await identity.admin_token())


@pytest.fixture
async def resident_view(
    identity: Harness,
    admin: dict[str, str],
    resident_view_url: str,
    kafka_settings: KafkaSettings,
    issuer: TestIssuer,
) -> AsyncIterator[httpx.AsyncClient]:
    body = {"client_id": "resident-view", "scopes": ["pii:read"]}
    registered = await identity.http.post("/service-clients", json=body, headers=admin)
    assert registered.status_code == 201, registered.text
    settings = ResidentViewSettings(
        database_url=resident_view_url,
        kafka=kafka_settings,
        auth_jwks_url=issuer.jwks_url,
        identity_url="http://identity",
        identity_client_secret=SecretStr(registered.json()["client_secret"]),
        # the test polls search until the projection catches up: not a sweep to throttle
        officer_search_limit=UNLIMITED,
    )
    app = create_resident_view(settings, identity_transport=httpx.ASGITransport(app=identity.app))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://rv") as client:
            yield client


async def test_officers_find_residents_identity_registered_until_they_are_erased(
    identity: Harness,
    admin: dict[str, str],
    resident_view: httpx.AsyncClient,
    kafka_settings: KafkaSettings,
    issuer: TestIssuer,
) -> None:
    published = Published(identity, kafka_settings)
    resident = await identity.register(
        given_name="Gwendolyn",
        family_name="Pritchard",
        date_of_birth="1961-07-30",
        email="gwen.pritchard@example.org",
    )
    move = {
        "line1": "2 Quay Street",
        "town": "Cardiff",
        "postcode": "cf10 1ep",
        "uprn": "010012345678",
    }
    moved = await identity.http.post(f"/residents/{resident}/addresses", json=move, headers=admin)
    assert moved.status_code == 204, moved.text
    await published.flush()
    officer = bearer(issuer.officer(("identity", "personal")))

    async def search(**params: Any) -> list[dict[str, Any]]:
        response = await resident_view.get(
            "/residents/search", params={"purpose": "a call", **params}, headers=officer
        )
        assert response.status_code == 200, response.text
        results: list[dict[str, Any]] = response.json()["results"]
        return results

    found = await eventually(lambda: search(name="Gwen Pritchard", postcode="CF10 1EP"), bool)
    assert [f["resident_id"] for f in found] == [resident]
    assert found[0]["given_name"] == "Gwendolyn" and found[0]["postcode"] == "CF10 1EP"
    assert found[0]["matched_on"] == ["nickname", "postcode"]
    assert [f["resident_id"] for f in await search(uprn="010012345678")] == [resident]

    erased = await identity.http.delete(f"/residents/{resident}", headers=admin)
    assert erased.status_code == 204, erased.text
    await published.flush()
    await eventually(lambda: search(email="gwen.pritchard@example.org"), lambda f: f == [])
    assert await search(name="Gwendolyn Pritchard") == []
