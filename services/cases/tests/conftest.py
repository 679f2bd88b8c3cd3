"""Fixtures for the cases tests: the app on a fresh database and a token issuer."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from townhall.cases.entrypoints.api.app import create
from townhall.cases.testing import settings_for
from townhall.runtime.testkit.tokens import TestIssuer


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
