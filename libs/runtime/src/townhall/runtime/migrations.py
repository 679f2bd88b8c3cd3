"""Alembic, one migration history per service, applied on start.

A service's ``migrations/env.py`` is two lines: import its metadata and call
:func:`run_env`. :func:`upgrade` runs Alembic in a worker thread so it can be awaited
from a running event loop (the service's lifespan).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command, context, op
from alembic.config import Config
from sqlalchemy import MetaData
from sqlalchemy.engine import Connection

from townhall.runtime.db import async_url, create_engine, is_sqlite
from townhall.runtime.tables import metadata as runtime_metadata


def alembic_config(url: str, script_location: Path) -> Config:
    config = Config()
    config.set_main_option("script_location", str(script_location))
    config.set_main_option("sqlalchemy.url", async_url(url).replace("%", "%%"))
    return config


async def upgrade(url: str, script_location: Path, revision: str = "head") -> None:
    """Apply migrations up to ``revision``."""
    await asyncio.to_thread(command.upgrade, alembic_config(url, script_location), revision)


def run_env(target_metadata: MetaData) -> None:
    """Body of every service's ``env.py`` (online mode, async engine)."""
    url = context.config.get_main_option("sqlalchemy.url")
    assert url, "sqlalchemy.url is set by alembic_config()"

    def migrate(connection: Connection) -> None:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=is_sqlite(url),
        )
        with context.begin_transaction():
            context.run_migrations()

    async def main() -> None:
        engine = create_engine(url)
        try:
            async with engine.connect() as connection:
                await connection.run_sync(migrate)
                await connection.commit()
        finally:
            await engine.dispose()

    asyncio.run(main())


#: The runtime tables every service's first migration creates; later ones are created
#: one by one in migrations of their own, so an old migration never changes meaning.
FIRST_RUNTIME_TABLES = (
    "th_outbox",
    "th_outbox_sequence",
    "th_processed_events",
    "th_runtime_state",
)


def create_runtime_tables() -> None:
    """Create the outbox, sequence, dedupe and state tables (inside a migration)."""
    for name in FIRST_RUNTIME_TABLES:
        create_runtime_table(name)


def drop_runtime_tables() -> None:
    for name in reversed(FIRST_RUNTIME_TABLES):
        drop_runtime_table(name)


def create_runtime_table(name: str) -> None:
    """Create the runtime table ``name`` as :mod:`townhall.runtime.tables` defines it."""
    runtime_metadata.tables[name].create(op.get_bind())


def drop_runtime_table(name: str) -> None:
    runtime_metadata.tables[name].drop(op.get_bind())
