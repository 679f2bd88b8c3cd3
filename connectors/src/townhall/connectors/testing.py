"""Database servers with change capture turned on, for tests (see connectors/tests/conftest.py).

The machine's own MariaDB and PostgreSQL run without a binary log or logical decoding, and
are left alone: these are separate instances under a temporary folder, on free ports.
Tests that take them also take the broker (change capture publishes to Kafka), which
marks them ``broker`` and lets them start processes.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pymysql

from townhall.runtime.broker import free_port, port_is_open


@dataclass
class MariaDBServer:
    """A MariaDB with the binary log in row format (full row image and metadata)."""

    port: int
    datadir: Path
    process: subprocess.Popen[bytes]
    host: str = "127.0.0.1"
    user: str = "root"

    def execute(self, *statements: str, database: str | None = None) -> list[tuple[Any, ...]]:
        connection = pymysql.connect(
            host=self.host, port=self.port, user=self.user, database=database, autocommit=True
        )
        rows: list[tuple[Any, ...]] = []
        try:
            with connection.cursor() as cursor:
                for statement in statements:
                    cursor.execute(statement)
                    rows = list(cursor.fetchall())
        finally:
            connection.close()
        return rows


def _binary(name: str) -> str:
    found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin")
    if found is None:
        raise FileNotFoundError(f"{name} is not installed (Debian: mariadb-server)")
    return found


def _wait_for_port(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while not port_is_open("127.0.0.1", port):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"the database did not start; its log:\n{log.read_text()[-2000:]}")
        time.sleep(0.05)


def start_mariadb(root: Path) -> MariaDBServer:
    """Install a fresh data directory under ``root`` and start a server on a free port."""
    datadir = root / "data"
    install = [
        _binary("mariadb-install-db"),
        "--no-defaults",
        "--user=root",
        f"--datadir={datadir}",
        "--auth-root-authentication-method=normal",
        "--skip-test-db",
    ]
    subprocess.run(install, check=True, capture_output=True)
    port = free_port()
    log = root / "error.log"
    server = [
        _binary("mariadbd"),
        "--no-defaults",
        "--user=root",
        f"--datadir={datadir}",
        f"--port={port}",
        "--bind-address=127.0.0.1",
        f"--socket={root / 'mysqld.sock'}",
        f"--pid-file={root / 'mysqld.pid'}",
        f"--log-error={log}",
        f"--log-bin={datadir / 'binlog'}",
        "--binlog-format=ROW",
        "--binlog-row-image=FULL",
        "--binlog-row-metadata=FULL",
        "--server-id=1",
        "--default-time-zone=+00:00",
        "--innodb-buffer-pool-size=16M",
        "--skip-name-resolve",
    ]
    process = subprocess.Popen(
        server, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    _wait_for_port(port, process, log)
    return MariaDBServer(port, datadir, process)


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
