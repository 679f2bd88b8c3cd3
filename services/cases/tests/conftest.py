"""Fixtures for the cases tests: the app on a fresh database, a token issuer, and the
app with its consumer on the embedded broker."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from townhall.cases.entrypoints.api.app import create
from townhall.cases.testing import settings_for
from townhall.runtime.service import ServiceRuntime
from townhall.runtime.settings import KafkaSettings
from townhall.runtime.testkit.tokens import TestIssuer
from townhall.runtime.testkit.waiting import eventually


@pytest.fixture
def issuer(tmp_path: Path) -> TestIssuer:
    return TestIssuer(tmp_path)


@pytest.fixture
async def client(database_url: str, issuer: TestIssuer) -> AsyncIterator[httpx.AsyncClient]:
    app = create(settings_for(database_url, issuer))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://cases") as http:
            http.app = app  # type: ignore[attr-defined]
            yield http


@pytest.fixture
async def live(
    database_url: str, kafka_settings: KafkaSettings, issuer: TestIssuer
) -> AsyncIterator[httpx.AsyncClient]:
    """The app with its consumer running on the embedded broker, once it has joined."""
    settings = settings_for(database_url, issuer, kafka=kafka_settings, consumers_enabled=True)
    app = create(settings)
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
