"""The demo seed of the embedded platform wires cases to identity's matcher and to
residents' data keys."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator

import httpx
import pytest
from pydantic import SecretStr

from townhall.identity.config import IdentitySettings
from townhall.identity.entrypoints.api.app import create
from townhall.identity.entrypoints.api.dependencies import services_of
from townhall.identity.seed import seed_demo
from townhall.identity.service_layer.client_handlers import RegisterServiceClient
from townhall.runtime.outbox import EventContext

SECRET = "a-development-secret-made-by-townhall-up"


@pytest.fixture
async def seeded(identity_settings: IdentitySettings) -> AsyncIterator[httpx.AsyncClient]:
    settings = identity_settings.model_copy(
        update={"identity_seed_demo": True, "identity_demo_service_secret": SecretStr(SECRET)}
    )
    app = create(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://identity") as http:
            yield http


async def _scopes(http: httpx.AsyncClient, client_id: str) -> list[str]:
    grant = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": SECRET}
    token = await http.post("/auth/service-token", json=grant)
    assert token.status_code == 200, token.text
    payload = token.json()["access_token"].split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return sorted(claims["scope"].split())


async def test_the_seed_registers_cases_as_a_client_that_may_match_and_seal(
    seeded: httpx.AsyncClient,
) -> None:
    assert await _scopes(seeded, "cases") == ["pii:read", "residents:match"]
    assert await _scopes(seeded, "resident-view") == ["pii:read"]
    grant = {"grant_type": "client_credentials", "client_id": "cases", "client_secret": "guess"}
    wrong = await seeded.post("/auth/service-token", json=grant)
    assert wrong.status_code == 401


async def test_a_demo_client_seeded_by_an_earlier_version_gets_the_scopes_it_lacks(
    identity_settings: IdentitySettings,
) -> None:
    app = create(identity_settings)
    async with app.router.lifespan_context(app):
        bus = services_of(app).bus
        earlier = RegisterServiceClient("cases", ("residents:match",), secret=SECRET)
        await bus.handle(earlier, EventContext(correlation_id="earlier-seed"))
        await seed_demo(bus, SECRET)
        await seed_demo(bus, SECRET)  # and again: nothing more changes
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://identity") as http:
            assert await _scopes(http, "cases") == ["pii:read", "residents:match"]
