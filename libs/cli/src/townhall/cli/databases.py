"""Creating each service's PostgreSQL database when it does not exist yet."""

from __future__ import annotations

from collections.abc import Iterable

import structlog
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import create_async_engine

from townhall.cli.config import is_postgres_url

#: The database every PostgreSQL server has, to connect to while creating others.
MAINTENANCE_DATABASE = "postgres"
_DUPLICATE_DATABASE = "42P04"

log = structlog.get_logger(__name__)


def _sqlstate(error: DBAPIError) -> str | None:
    original = error.orig
    return getattr(original, "sqlstate", None) or getattr(original, "pgcode", None)


async def ensure_database(url: str) -> bool:
    """Create the database ``url`` names on its server; False when it already existed."""
    target = make_url(url)
    name = target.database
    if not name:
        raise ValueError(f"no database name in {target!r}")
    admin_url = target.set(drivername="postgresql+asyncpg", database=MAINTENANCE_DATABASE)
    engine = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            found = await connection.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            )
            if found:
                return False
            quoted = engine.dialect.identifier_preparer.quote(name)
            try:
                await connection.execute(text(f"CREATE DATABASE {quoted}"))
            except DBAPIError as error:
                if _sqlstate(error) == _DUPLICATE_DATABASE:  # created concurrently
                    return False
                raise
            log.info("database_created", database=name, host=target.host)
            return True
    finally:
        await engine.dispose()


async def ensure_databases(urls: Iterable[str]) -> list[str]:
    """Create every missing PostgreSQL database among ``urls``; return the URLs created."""
    created: list[str] = []
    for url in urls:
        if is_postgres_url(url) and await ensure_database(url):
            created.append(url)
    return created
