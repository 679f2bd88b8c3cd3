"""Async SQLAlchemy engines for SQLite (embedded default) and PostgreSQL (at scale)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Insert, Table, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import AsyncAdaptedQueuePool

_ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg"}


def async_url(url: str) -> str:
    """Accept plain ``sqlite:///`` and ``postgresql://`` URLs and pick the async driver."""
    parsed = make_url(url)
    if parsed.drivername in _ASYNC_DRIVERS:
        parsed = parsed.set(drivername=_ASYNC_DRIVERS[parsed.drivername])
    return parsed.render_as_string(hide_password=False)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # The driver begins a transaction only before a data-changing statement, so a
    # SAVEPOINT that comes first starts one of its own, and releasing it commits: a
    # nested write would outlive the rollback of its unit of work (and its outbox
    # rows). Turn the driver's own BEGIN off; _begin emits it when SQLAlchemy starts
    # a transaction (SQLAlchemy's documented recipe for pysqlite and aiosqlite).
    # IMMEDIATE takes the write lock at the start: a transaction reads, then writes,
    # and a deferred one whose snapshot another process has since written past could
    # not upgrade (SQLITE_BUSY at once, no waiting); this way the second writer waits
    # its turn under busy_timeout instead. One connection per process serialises a
    # process's own transactions anyway.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    # One connection per process, so its page cache is the process's: 32 MiB rather
    # than the default 2 MiB keeps the hot parts of indexes in memory under writes.
    cursor.execute("PRAGMA cache_size=-32768")
    # Checkpoint every 10,000 pages (about 40 MiB of WAL) rather than 1,000: a page
    # written by many commits is copied back once, and the fsyncs are a tenth as many.
    cursor.execute("PRAGMA wal_autocheckpoint=10000")
    cursor.close()


def _begin(connection: Connection) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An engine with WAL and a busy timeout on SQLite (its parent folder created)."""
    url = async_url(url)
    if is_sqlite(url):
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        # One connection per process: SQLite has one writer at a time, and a queue for
        # the pool is far kinder than its busy handler, which sleeps up to 100 ms a try.
        kwargs.setdefault("poolclass", AsyncAdaptedQueuePool)
        kwargs.setdefault("pool_size", 1)
        kwargs.setdefault("max_overflow", 0)
        kwargs.setdefault("pool_timeout", 60)
        engine = create_async_engine(url, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "begin", _begin)
        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("pool_pre_ping", True)
    return create_async_engine(url, **kwargs)


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def dialect_insert(session: AsyncSession, table: Table) -> postgresql.Insert | sqlite.Insert:
    """``INSERT`` in the session's dialect, with its ``on_conflict_do_…`` methods."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def insert_or_ignore(session: AsyncSession, table: Table) -> Insert:
    """``INSERT … ON CONFLICT DO NOTHING`` in the session's dialect."""
    return dialect_insert(session, table).on_conflict_do_nothing()
