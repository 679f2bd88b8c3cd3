"""pytest fixtures for every package's tests: the real embedded broker and databases.

Loaded from the repository's root ``conftest.py``. PostgreSQL comes from
``TEST_POSTGRES_URL`` (default: the server at 127.0.0.1:5432, user postgres); every test
session creates fresh databases there and drops them at the end. A test is marked by the
fixtures it takes (see :mod:`townhall.runtime.testkit.markers`): ``broker``,
``postgres`` and ``processes`` are the ones that need something.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Protocol, TypeVar

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from townhall.runtime.broker import EmbeddedBroker, free_port
from townhall.runtime.kafka import ensure_topics
from townhall.runtime.settings import KafkaSettings, embedded_kafka_settings

DEFAULT_POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"


@pytest.fixture(scope="session")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedBroker]:
    """One embedded broker for the whole test session, on a free port."""
    log_file = tmp_path_factory.mktemp("broker") / "tansu.log"
    embedded = EmbeddedBroker(port=free_port(), log_file=log_file)
    embedded.start()
    asyncio.run(embedded.prepare(embedded_kafka_settings(embedded.bootstrap_servers)))
    yield embedded
    embedded.stop()


@pytest.fixture(scope="session")
def kafka_settings(broker: EmbeddedBroker) -> KafkaSettings:
    return embedded_kafka_settings(broker.bootstrap_servers)


@pytest.fixture
async def topic(kafka_settings: KafkaSettings) -> str:
    """A fresh, explicitly created topic for one test."""
    from townhall.schemas.topics import TopicSpec

    name = f"test.{uuid.uuid4().hex[:12]}"
    await ensure_topics(kafka_settings, [TopicSpec(name, kafka_settings.topic_partitions)])
    return name


class PostgresDatabases:
    """Creates throwaway databases on one server and drops them all at the end."""

    def __init__(self, server_url: str):
        self.server_url = server_url
        self.prefix = f"townhall_test_{uuid.uuid4().hex[:8]}"
        self.created: list[str] = []

    async def _admin(self, statement: str) -> None:
        engine = create_async_engine(self.server_url, isolation_level="AUTOCOMMIT")
        try:
            async with engine.connect() as connection:
                await connection.execute(text(statement))
        finally:
            await engine.dispose()

    async def create(self) -> str:
        name = f"{self.prefix}_{len(self.created)}"
        await self._admin(f'CREATE DATABASE "{name}"')
        self.created.append(name)
        url = make_url(self.server_url).set(database=name)
        return url.render_as_string(hide_password=False)

    async def drop_all(self) -> None:
        for name in self.created:
            await self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresDatabases]:
    databases = PostgresDatabases(os.environ.get("TEST_POSTGRES_URL", DEFAULT_POSTGRES))
    yield databases
    asyncio.run(databases.drop_all())


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A fresh, empty database: each test using it runs on SQLite and on PostgreSQL.

    Only the PostgreSQL run takes the server, so the SQLite one needs nothing.
    """
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
    else:
        postgres: PostgresDatabases = request.getfixturevalue("postgres")
        yield await postgres.create()


class Startable(Protocol):
    def start(self) -> None: ...

    def stop(self) -> None: ...


S = TypeVar("S", bound=Startable)


class Processes:
    """What one test starts as OS processes (a platform, a worker), stopped at its end."""

    def __init__(self) -> None:
        self._started: list[Startable] = []

    def start(self, processes: S) -> S:
        """Start ``processes``; they are stopped when the test ends, even if start fails."""
        self._started.append(processes)
        processes.start()
        return processes

    @property
    def started(self) -> list[Startable]:
        """What was started, in order (a failed test's report shows their logs)."""
        return list(self._started)

    def stop_all(self) -> None:
        for processes in reversed(self._started):
            processes.stop()


@pytest.fixture
def processes() -> Iterator[Processes]:
    """The one way a test starts service processes: taking it marks the test ``processes``."""
    started = Processes()
    yield started
    started.stop_all()
