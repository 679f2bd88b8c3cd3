"""Fixtures for the notifications API tests: the app on a fresh SQLite file with the
development mailbox, a token issuer, and residents' data keys in memory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from townhall.notifications.bootstrap import bootstrap
from townhall.notifications.entrypoints.api.app import create
from townhall.notifications.testing import CALLBACK_TOKEN, MORNING, settings_for
from townhall.runtime.clock import ManualClock
from townhall.runtime.testkit.data_keys import FakeDataKeys
from townhall.runtime.testkit.tokens import TestIssuer


@pytest.fixture
def issuer(tmp_path: Path) -> TestIssuer:
    return TestIssuer(tmp_path)


@pytest.fixture
def keys() -> FakeDataKeys:
    return FakeDataKeys()


@pytest.fixture
async def http(
    tmp_path: Path, issuer: TestIssuer, keys: FakeDataKeys
) -> AsyncIterator[httpx.AsyncClient]:
    """The app (access and bad input do not depend on the store: SQLite only)."""
    settings = settings_for(
        f"sqlite+aiosqlite:///{tmp_path / 'notifications.db'}",
        auth_jwks_url=issuer.jwks_url,
        notify_callback_token=CALLBACK_TOKEN,
    )
    services = bootstrap(settings, data_keys=keys, clock=ManualClock(MORNING))
    app = create(services=services)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://notifications"
        ) as client:
            client.app = app  # type: ignore[attr-defined]
            client.services = services  # type: ignore[attr-defined]
            yield client
