"""Engines: a transaction is all or nothing on SQLite as on PostgreSQL."""

from __future__ import annotations

from sqlalchemy import Column, Integer, MetaData, Table, func, insert, select

from townhall.runtime.db import create_engine, session_factory

metadata = MetaData()
rows = Table("rows", metadata, Column("n", Integer, primary_key=True))


async def _count(url: str) -> int:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return int(
                (await connection.execute(select(func.count()).select_from(rows))).scalar_one()
            )
    finally:
        await engine.dispose()


async def test_a_savepoint_that_opens_a_transaction_rolls_back_with_it(database_url: str) -> None:
    engine = create_engine(database_url)
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    sessions = session_factory(engine)
    async with sessions() as session:
        async with session.begin_nested():  # the transaction's first statement
            await session.execute(insert(rows).values(n=1))
        await session.execute(insert(rows).values(n=2))
        await session.rollback()
    await engine.dispose()
    assert await _count(database_url) == 0


async def test_a_committed_transaction_keeps_its_savepoints(database_url: str) -> None:
    engine = create_engine(database_url)
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    async with session_factory(engine)() as session:
        async with session.begin_nested():
            await session.execute(insert(rows).values(n=1))
        await session.commit()
    await engine.dispose()
    assert await _count(database_url) == 1
