"""Fixtures for cross-service tests: each service in-process on its own database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from townhall.identity.config import IdentitySettings
from townhall.identity.entrypoints.api.app import create as create_identity
from townhall.identity.testing import Harness
from townhall.runtime.crypto import encode_key, generate_key
from townhall.runtime.settings import KafkaSettings
from townhall.runtime.testkit.fixtures import PostgresDatabases
from townhall.runtime.testkit.tokens import TestIssuer


@pytest.fixture
async def identity_database_url(
    database_url: str, tmp_path: Path, request: pytest.FixtureRequest
) -> str:
    """A second fresh database, of the same kind as ``database_url`` (which cases uses)."""
    if database_url.startswith("sqlite"):
        return f"sqlite+aiosqlite:///{tmp_path / 'identity.db'}"
    postgres: PostgresDatabases = request.getfixturevalue("postgres")
    return await postgres.create()


@pytest.fixture
async def identity(identity_database_url: str) -> AsyncIterator[Harness]:
    settings = IdentitySettings(
        database_url=identity_database_url,
        kafka=KafkaSettings(),
        relay_enabled=False,
        identity_key_encryption_key=encode_key(generate_key()),
        identity_password_hashing="cheapest-for-tests",
    )
    app = create_identity(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://identity") as http:
            yield Harness(app, http)


@pytest.fixture
def issuer(tmp_path: Path) -> TestIssuer:
    """Tokens for cases' own callers (officers, residents); not used to reach identity."""
    return TestIssuer(tmp_path)
