"""Helpers for the cases tests (and other packages' tests of cases): counts, envelopes, bodies."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import func, inspect, select, text

from townhall.cases.adapters.orm import case_notes, cases, contacts
from townhall.cases.config import CasesSettings
from townhall.cases.entrypoints.api.dependencies import services_of
from townhall.runtime.service import ServiceRuntime
from townhall.runtime.settings import KafkaSettings
from townhall.runtime.tables import outbox
from townhall.runtime.testkit.tokens import TestIssuer
from townhall.schemas.envelope import Envelope

API_KEY = "fixmystreet-test-key"


def settings_for(database_url: str, issuer: TestIssuer, **overrides: Any) -> CasesSettings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "kafka": KafkaSettings(),
        "relay_enabled": False,
        "consumers_enabled": False,
        "sla_check_interval_s": 0,
        "auth_jwks_url": issuer.jwks_url,
        "open311_api_keys": [API_KEY],
        **overrides,
    }
    return CasesSettings(**values)


@asynccontextmanager
async def served(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """``app`` started (its lifespan run) and a client calling it in process; the client
    keeps the app as ``client.app`` for :func:`runtime_of` and the helpers below."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://cases") as http:
            http.app = app  # type: ignore[attr-defined]
            yield http


def runtime_of(client: httpx.AsyncClient) -> ServiceRuntime:
    app: FastAPI = client.app  # type: ignore[attr-defined]
    return services_of(app).runtime


async def counts(client: httpx.AsyncClient) -> dict[str, int]:
    """Rows in each table a write could touch."""
    found: dict[str, int] = {}
    async with runtime_of(client).sessions() as session:
        for table in (cases, case_notes, contacts, outbox):
            query = select(func.count()).select_from(table)
            found[table.name] = (await session.execute(query)).scalar_one()
    return found


async def envelopes(client: httpx.AsyncClient) -> list[Envelope]:
    async with runtime_of(client).sessions() as session:
        rows = (await session.execute(select(outbox.c.envelope).order_by(outbox.c.sequence))).all()
    return [Envelope.model_validate_json(r[0]) for r in rows]


async def rows_holding(client: httpx.AsyncClient, *values: str) -> list[str]:
    """Every row, in every table of cases' database, whose text holds one of ``values``
    (case-insensitive): what an erasure must leave none of."""
    found: list[str] = []
    async with runtime_of(client).sessions() as session:
        connection = await session.connection()
        names = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
        for name in sorted(names):
            for row in (await session.execute(text(f'SELECT * FROM "{name}"'))).all():
                line = " | ".join(str(v) for v in row).lower()
                found += [f"{name}: {v}" for v in values if v.lower() in line]
    return found


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


PEST_CONTROL = {
    "service_code": "pest_control",
    "details": {"pest": "rats", "rooms_affected": 2},
    "description": "Rats in the kitchen",
    "reporter": {"given_name": "Ada", "family_name": "Example", "email": "ada@example.org"},
    "location": {"address": "1 High Street", "uprn": "100023336956"},
}
MISSED_BIN = {
    "service_code": "missed_bin",
    "details": {"bin_type": "recycling"},
    "reporter": {"given_name": "Bo", "family_name": "Example", "phone": "07700 900123"},
    "location": {"latitude": 51.5, "longitude": -0.12},
}
