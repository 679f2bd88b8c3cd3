"""Fixtures for the payments tests: the app on a fresh database, a token issuer, and
helpers to teach it a case's fee as cases' events would."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from townhall.payments.entrypoints.api.app import create
from townhall.payments.entrypoints.api.dependencies import services_of
from townhall.payments.testing import CONTEXT, case_fee, settings_for
from townhall.runtime.testkit.tokens import TestIssuer

SECRET = "webhook-signing-secret"


@pytest.fixture
def issuer(tmp_path: Path) -> TestIssuer:
    return TestIssuer(tmp_path)


async def _client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://payments") as http:
            http.app = app  # type: ignore[attr-defined]
            await services_of(app).bus.handle(case_fee(), CONTEXT)
            yield http


def app_for(database_url: str, issuer: TestIssuer, **overrides: Any) -> FastAPI:
    values: dict[str, Any] = {
        "auth_jwks_url": issuer.jwks_url,
        "govuk_pay_webhook_signing_secret": SECRET,
        "environment": "development",
        **overrides,
    }
    transport = values.pop("provider_transport", None)
    return create(settings_for(database_url, **values), provider_transport=transport)


@pytest.fixture
async def http(tmp_path: Path, issuer: TestIssuer) -> AsyncIterator[httpx.AsyncClient]:
    """The app on a fresh SQLite file, the pest control case PC-2026-000123 known; for
    rules that do not depend on the database (``client`` runs on every database)."""
    app = app_for(f"sqlite+aiosqlite:///{tmp_path / 'payments.db'}", issuer)
    async for client in _client(app):
        yield client


@pytest.fixture
async def client(database_url: str, issuer: TestIssuer) -> AsyncIterator[httpx.AsyncClient]:
    async for http in _client(app_for(database_url, issuer)):
        yield http


@pytest.fixture
async def without_rules(tmp_path: Path, issuer: TestIssuer) -> AsyncIterator[httpx.AsyncClient]:
    """As ``http``, for a council that set no refund rules (only officers refund)."""
    app = app_for(f"sqlite+aiosqlite:///{tmp_path / 'payments.db'}", issuer, refund_rules={})
    async for client in _client(app):
        yield client
