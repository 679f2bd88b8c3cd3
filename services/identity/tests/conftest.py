"""Identity's test fixtures: the app over ASGI, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from townhall.identity.config import IdentitySettings
from townhall.identity.entrypoints.api.app import create
from townhall.identity.linkage import Model, train
from townhall.identity.linkage.synthetic import generate
from townhall.identity.testing import Harness, ready
from townhall.runtime.crypto import encode_key, generate_key
from townhall.runtime.settings import KafkaSettings


@pytest.fixture
def identity_settings(database_url: str) -> IdentitySettings:
    """Identity with its relay off, so it needs no broker: a test that does asks for one."""
    return IdentitySettings(
        database_url=database_url,
        kafka=KafkaSettings(),
        relay_enabled=False,
        identity_key_encryption_key=encode_key(generate_key()),
        identity_password_hashing="cheapest-for-tests",
    )


@pytest.fixture
async def identity(identity_settings: IdentitySettings) -> AsyncIterator[Harness]:
    app = create(identity_settings)
    async with app.router.lifespan_context(app):
        await ready(app)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://identity") as http:
            yield Harness(app, http)


@pytest.fixture(scope="session")
def model() -> Model:
    """One linkage model trained on a synthetic council of 300, shared by the modules
    that score with it (training takes seconds; the model is read-only)."""
    return train(generate(300, seed=5).population)
