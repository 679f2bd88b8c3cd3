"""Migrations are ordered and produce exactly the tables the code expects."""

import asyncio

from alembic import command

from townhall.payments.adapters.orm import metadata
from townhall.payments.bootstrap import MIGRATIONS
from townhall.runtime.migrations import alembic_config, upgrade
from townhall.runtime.testkit.migrations import schema_drift, single_head


def test_migrations_form_a_single_line() -> None:
    assert single_head(MIGRATIONS)


async def test_migrations_match_the_models_and_downgrade_cleanly(database_url: str) -> None:
    await upgrade(database_url, MIGRATIONS)
    await asyncio.to_thread(command.downgrade, alembic_config(database_url, MIGRATIONS), "base")
    assert await schema_drift(database_url, MIGRATIONS, metadata) == []
