"""Meta-checks every service runs on its own migrations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData
from sqlalchemy.engine import Connection

from townhall.runtime.db import create_engine, is_sqlite
from townhall.runtime.migrations import alembic_config, upgrade
from townhall.runtime.tables import metadata as runtime_metadata


def single_head(script_location: Path) -> str:
    """The one head revision; more than one means two migrations share a parent."""
    script = ScriptDirectory.from_config(alembic_config("sqlite://", script_location))
    heads = script.get_heads()
    assert len(heads) == 1, f"migrations in {script_location} have {len(heads)} heads: {heads}"
    return heads[0]


async def schema_drift(url: str, script_location: Path, metadata: MetaData) -> list[Any]:
    """Apply every migration, then list differences from the models (empty when none)."""
    await upgrade(url, script_location)
    combined = MetaData()
    for source in (runtime_metadata, metadata):
        for table in source.tables.values():
            table.to_metadata(combined)

    def compare(connection: Connection) -> list[Any]:
        context = MigrationContext.configure(
            connection, opts={"render_as_batch": is_sqlite(url), "compare_type": True}
        )
        return list(compare_metadata(context, combined))

    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(compare)
    finally:
        await engine.dispose()
