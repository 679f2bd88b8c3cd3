"""Database servers with change capture turned on, each started once per test session.

The machine's own MariaDB and PostgreSQL run without a binary log or logical decoding, and
are left alone: these are separate instances under a temporary folder, on free ports.
Tests that take them also take the broker (change capture publishes to Kafka), which
marks them ``broker`` and lets them start processes.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from townhall.connectors.testing import MariaDBServer, start_mariadb, stop


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
