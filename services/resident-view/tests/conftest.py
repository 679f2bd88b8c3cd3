"""Fixtures shared by resident-view's tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from townhall.resident_view.adapters.orm import MIGRATIONS
from townhall.resident_view.config import ResidentViewSettings
from townhall.resident_view.entrypoints.api.app import create
from townhall.resident_view.testing_identity import (
    IdentityEvents,
    KeyServer,
    Searchable,
    with_identity,
)
from townhall.runtime.db import create_engine, session_factory
from townhall.runtime.migrations import upgrade
from townhall.runtime.settings import KafkaSettings
from townhall.runtime.testkit.tokens import TestIssuer


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Sessions on a migrated store, without the service around it."""
    await upgrade(database_url, MIGRATIONS)
    engine = create_engine(database_url)
    yield session_factory(engine)
    await engine.dispose()


@pytest.fixture
async def view(
    database_url: str, kafka_settings: KafkaSettings, tmp_path: Path
) -> AsyncIterator[tuple[httpx.AsyncClient, TestIssuer]]:
    """resident-view running (its projection consuming the real broker), a client, an issuer."""
    issuer = TestIssuer(tmp_path)
    app = create(
        ResidentViewSettings(
            database_url=database_url, kafka=kafka_settings, auth_jwks_url=issuer.jwks_url
        )
    )
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://rv") as client:
            yield client, issuer


@pytest.fixture
async def key_server() -> AsyncIterator[KeyServer]:
    async with KeyServer().running() as server:
        yield server


@pytest.fixture
async def searchable(
    database_url: str, kafka_settings: KafkaSettings, tmp_path: Path, key_server: KeyServer
) -> AsyncIterator[Searchable]:
    issuer = TestIssuer(tmp_path)
    app = create(with_identity(database_url, kafka_settings, issuer, key_server))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://rv") as client:
            yield Searchable(client, app, issuer, key_server, IdentityEvents(key_server))
