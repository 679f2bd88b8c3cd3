"""Each service's PostgreSQL database is created on first start, and only then."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from townhall.cli.config import per_service_database_url
from townhall.cli.databases import ensure_databases
from townhall.runtime.testkit.fixtures import PostgresDatabases


async def _admin(server: str, statement: str) -> None:
    engine = create_async_engine(server, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(text(statement))
    finally:
        await engine.dispose()


@pytest.fixture
async def server_url(postgres: PostgresDatabases) -> AsyncIterator[str]:
    """A plain postgresql:// server URL naming a database that does not exist."""
    name = f"townhall_cli_test_{uuid.uuid4().hex[:8]}"
    url = make_url(postgres.server_url).set(drivername="postgresql", database=name)
    yield url.render_as_string(hide_password=False)
    for service in ("cases", "resident_view"):
        drop = f'DROP DATABASE IF EXISTS "{name}_{service}" WITH (FORCE)'
        await _admin(postgres.server_url, drop)


async def _can_connect(url: str) -> bool:
    engine = create_async_engine(make_url(url).set(drivername="postgresql+asyncpg"))
    try:
        async with engine.connect() as connection:
            return bool(await connection.scalar(text("SELECT 1")))
    finally:
        await engine.dispose()


async def test_missing_service_databases_are_created_once(server_url: str) -> None:
    urls = [per_service_database_url(server_url, name) for name in ("cases", "resident-view")]
    assert await ensure_databases(urls) == urls
    assert await ensure_databases(urls) == []
    assert all([await _can_connect(url) for url in urls])


async def test_sqlite_urls_are_left_alone() -> None:
    assert await ensure_databases(["sqlite+aiosqlite:///var/cases.db"]) == []
