"""Migrations are ordered and produce exactly the tables the code expects."""

from townhall.resident_view.adapters.orm import MIGRATIONS, metadata
from townhall.runtime.testkit.migrations import schema_drift, single_head


def test_migrations_form_a_single_line() -> None:
    assert single_head(MIGRATIONS)


async def test_migrations_match_the_models(database_url: str) -> None:
    assert await schema_drift(database_url, MIGRATIONS, metadata) == []
