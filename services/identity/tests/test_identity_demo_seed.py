"""The demo seed of the embedded platform wires cases to identity's matcher."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator

import httpx
import pytest
from pydantic import SecretStr

from townhall.identity.config import IdentitySettings
from townhall.identity.entrypoints.api.app import create

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


async def test_the_seed_registers_cases_as_a_client_that_may_match_residents(
    seeded: httpx.AsyncClient,
) -> None:
    grant = {"grant_type": "client_credentials", "client_id": "cases"}
    token = await seeded.post("/auth/service-token", json={**grant, "client_secret": SECRET})
    assert token.status_code == 200, token.text
    payload = token.json()["access_token"].split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert claims["scope"].split() == ["residents:match"]
    wrong = await seeded.post("/auth/service-token", json={**grant, "client_secret": "guess"})
    assert wrong.status_code == 401
