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


def create_runtime_tables() -> None:
    """Create the outbox, sequence, dedupe and state tables (inside a migration)."""
    bind = op.get_bind()
    for table in runtime_metadata.sorted_tables:
        table.create(bind)


def drop_runtime_tables() -> None:
    bind = op.get_bind()
    for table in reversed(runtime_metadata.sorted_tables):
        table.drop(bind)
