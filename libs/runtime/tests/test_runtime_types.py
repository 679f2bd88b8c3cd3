"""UtcDateTime: one meaning for a moment on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, insert, select
from sqlalchemy.exc import StatementError

from townhall.runtime.db import create_engine
from townhall.runtime.types import UtcDateTime

metadata = MetaData()
moments = Table(
    "moments", metadata, Column("id", Integer, primary_key=True), Column("at", UtcDateTime())
)


async def test_moments_come_back_aware_in_utc_and_order_by_instant(database_url: str) -> None:
    engine = create_engine(database_url)
    summer = timezone(timedelta(hours=1))  # British Summer Time
    written = [
        datetime(2026, 7, 1, 12, 30, tzinfo=summer),  # 11:30 UTC
        datetime(2026, 7, 1, 11, 45, tzinfo=UTC),
    ]
    try:
        async with engine.begin() as connection:
            await connection.run_sync(metadata.create_all)
            await connection.execute(
                insert(moments), [{"id": i, "at": w} for i, w in enumerate(written)]
            )
        async with engine.connect() as connection:
            rows = (
                await connection.execute(select(moments.c.id, moments.c.at).order_by(moments.c.at))
            ).all()
    finally:
        await engine.dispose()
    assert [r.id for r in rows] == [0, 1], "ordered by the instant, not the wall clock"
    assert [r.at for r in rows] == written
    assert all(r.at.tzinfo is not None and r.at.utcoffset() == timedelta(0) for r in rows)


async def test_a_naive_moment_is_refused_and_nothing_is_written(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(metadata.create_all)
        with pytest.raises(StatementError, match="naive datetime"):
            async with engine.begin() as connection:
                await connection.execute(insert(moments).values(id=9, at=datetime(2026, 1, 1)))
        async with engine.connect() as connection:
            assert (await connection.execute(select(moments))).all() == []
    finally:
        await engine.dispose()
