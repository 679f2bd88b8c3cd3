"""Fixtures for the cases tests: the app on a fresh database, a token issuer, residents'
data keys in memory, and the app with its consumer on the embedded broker."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from townhall.cases.entrypoints.api.app import create
from townhall.cases.testing import served, settings_for
from townhall.runtime.service import ServiceRuntime
from townhall.runtime.settings import KafkaSettings
from townhall.runtime.testkit.data_keys import FakeDataKeys
from townhall.runtime.testkit.tokens import TestIssuer
from townhall.runtime.testkit.waiting import eventually


@pytest.fixture
def issuer(tmp_path: Path) -> TestIssuer:
    return TestIssuer(tmp_path)


@pytest.fixture
def data_keys() -> FakeDataKeys:
    """Identity's residents' data keys, in memory (the test may erase or take it down)."""
    return FakeDataKeys()


@pytest.fixture
async def client(
    database_url: str, issuer: TestIssuer, data_keys: FakeDataKeys
) -> AsyncIterator[httpx.AsyncClient]:
    app = create(settings_for(database_url, issuer), data_keys=data_keys)
    async with served(app) as http:
        yield http


@pytest.fixture
async def http(tmp_path: Path, issuer: TestIssuer) -> AsyncIterator[httpx.AsyncClient]:
    """The cases app on a fresh SQLite file, for rules that do not depend on the database
    (who may do what, what input is refused); ``client`` runs on every database."""
    database = f"sqlite+aiosqlite:///{tmp_path / 'cases.db'}"
    app = create(settings_for(database, issuer), data_keys=FakeDataKeys())
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://cases") as client:
            client.app = app  # type: ignore[attr-defined]
            yield client


@pytest.fixture
async def live(
    database_url: str, kafka_settings: KafkaSettings, issuer: TestIssuer, data_keys: FakeDataKeys
) -> AsyncIterator[httpx.AsyncClient]:
    """The app with its consumer running on the embedded broker, once it has joined."""
    settings = settings_for(database_url, issuer, kafka=kafka_settings, consumers_enabled=True)
    app = create(settings, data_keys=data_keys)
    async with app.router.lifespan_context(app):
        runtime: ServiceRuntime = app.state.runtime
        await eventually(lambda: _ready(runtime), bool, timeout_s=60)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://cases") as http:
            http.app = app  # type: ignore[attr-defined]
            http.issuer = issuer  # type: ignore[attr-defined]
            yield http


async def _ready(runtime: ServiceRuntime) -> bool:
    return all(c.ready for c in runtime.components)
