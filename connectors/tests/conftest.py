"""Database servers with change capture turned on, each started once per test session.

The machine's own MariaDB and PostgreSQL run without a binary log or logical decoding, and
are left alone: these are separate instances under a temporary folder, on free ports.
Tests that take them also take the broker (change capture publishes to Kafka), which
marks them ``broker`` and lets them start processes. In a parallel run the tests of each
server share one worker (an ``xdist_group``), so each server starts once, not once a worker.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from townhall.connectors.testing import (
    MariaDBServer,
    PostgresServer,
    start_mariadb,
    start_postgres,
    stop,
    stop_postgres,
)

#: The session-wide servers, each with the xdist group its tests run in.
SERVER_GROUPS = {"mariadb": "legacy-mariadb", "logical_postgres": "legacy-postgres"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        fixtures = getattr(item, "fixturenames", ())
        for fixture, group in SERVER_GROUPS.items():
            if fixture in fixtures:
                item.add_marker(pytest.mark.xdist_group(group))


@pytest.fixture(scope="session")
def mariadb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MariaDBServer]:
    try:
        server = start_mariadb(tmp_path_factory.mktemp("mariadb"))
    except FileNotFoundError as missing:
        pytest.skip(str(missing))
    try:
        yield server
    finally:
        stop(server.process)


@pytest.fixture(scope="session")
def logical_postgres() -> Iterator[PostgresServer]:
    # not under pytest's temporary folder: its parents are private to root, and the
    # server runs as the postgres user
    root = Path(tempfile.mkdtemp(prefix="townhall-pg-"))
    try:
        server = start_postgres(root)
    except FileNotFoundError as missing:
        shutil.rmtree(root, ignore_errors=True)
        pytest.skip(str(missing))
    try:
        yield server
    finally:
        stop_postgres(server)
        shutil.rmtree(root, ignore_errors=True)
