"""Database servers with change capture turned on, for tests (see connectors/tests/conftest.py).

The machine's own MariaDB and PostgreSQL run without a binary log or logical decoding, and
are left alone: these are separate instances under a temporary folder, on free ports.
Tests that take them also take the broker (change capture publishes to Kafka), which
marks them ``broker`` and lets them start processes.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pymysql
import yaml
from aiokafka import TopicPartition

from townhall.runtime.broker import free_port, port_is_open
from townhall.runtime.kafka import client_id, make_consumer
from townhall.runtime.settings import KafkaSettings, embedded_environment
from townhall.runtime.testkit.topics import read_all


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


#: A small buffer pool, and InnoDB's own I/O threads rather than Linux native AIO: the
#: kernel's AIO contexts (fs.aio-max-nr) are shared by every container on a host, and a
#: busy CI host can run out of them, which fails the install with io_setup() EAGAIN.
_INNODB_OPTIONS = ("--innodb-buffer-pool-size=16M", "--innodb-use-native-aio=0")


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
        *_INNODB_OPTIONS,
    ]
    done = subprocess.run(install, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(
            f"mariadb-install-db failed (exit {done.returncode}):\n"
            f"{(done.stdout + done.stderr)[-3000:]}"
        )
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
        *_INNODB_OPTIONS,
        "--innodb-flush-log-at-trx-commit=2",  # a test server: no fsync per commit
        "--sync-binlog=0",
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


@dataclass
class PostgresServer:
    """A PostgreSQL with ``wal_level=logical``, run as the postgres user (initdb refuses root)."""

    port: int
    root: Path
    host: str = "127.0.0.1"

    def dsn(self, database: str = "postgres") -> str:
        return f"host={self.host} port={self.port} user=postgres dbname={database}"


POSTGRES_BIN = Path("/usr/lib/postgresql/15/bin")


def _as_postgres(*argv: str) -> list[str]:
    """Run as the postgres user when we are root; as ourselves otherwise."""
    if not _is_root():
        return list(argv)
    return [_binary("runuser"), "-u", "postgres", "--", *argv]


def start_postgres(root: Path, bin_dir: Path = POSTGRES_BIN) -> PostgresServer:
    """initdb a cluster under ``root`` (handed to the postgres user) and start it."""
    if not (bin_dir / "initdb").exists():
        raise FileNotFoundError(f"PostgreSQL is not installed in {bin_dir}")
    if _is_root():
        shutil.chown(root, user="postgres")
    datadir = root / "data"
    initdb = [str(bin_dir / "initdb"), "-D", str(datadir), "-A", "trust", "-U", "postgres"]
    subprocess.run(
        _as_postgres(*initdb, "--no-sync", "-E", "UTF8"), check=True, capture_output=True
    )
    port = free_port()
    options = (
        f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c wal_level=logical "
        "-c max_replication_slots=10 -c max_wal_senders=10 -c fsync=off"
    )
    pg_ctl = [str(bin_dir / "pg_ctl"), "-D", str(datadir), "-l", str(root / "server.log")]
    subprocess.run(
        _as_postgres(*pg_ctl, "-o", options, "-w", "start"), check=True, capture_output=True
    )
    return PostgresServer(port, root)


def stop_postgres(server: PostgresServer) -> None:
    """Fast shutdown by signal (SIGINT to the postmaster), awaited: it may run in another
    test's teardown, where starting a process (pg_ctl) is refused."""
    pid_file = server.root / "data" / "postmaster.pid"
    if not pid_file.exists():
        return
    pid = int(pid_file.read_text().split()[0])
    os.kill(pid, signal.SIGINT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    os.kill(pid, signal.SIGKILL)


def _is_root() -> bool:
    return os.geteuid() == 0


async def changes_on(
    kafka: KafkaSettings, topic: str, *, at_least: int, key: str = "id"
) -> list[tuple[str, Any, Any]]:
    """(op or "tombstone", the key's ``key`` field, the decoded event) per record on ``topic``,
    in partition then offset order (so in order for each key)."""
    found = await read_all(kafka, topic, at_least=at_least)
    return _decoded(list(found), key)


async def changes_until(
    kafka: KafkaSettings,
    topic: str,
    done: Callable[[list[tuple[str, Any, Any]]], bool],
    *,
    key: str = "id",
    timeout_s: float = 60.0,
) -> list[tuple[str, Any, Any]]:
    """Every change on ``topic`` (as ``changes_on``) read until ``done(changes)`` holds."""
    consumer = make_consumer(kafka, group_id=None, client_id=client_id("changes"))
    await consumer.start()
    try:
        await consumer._client.force_metadata_update()
        partitions = consumer.partitions_for_topic(topic) or set()
        consumer.assign([TopicPartition(topic, p) for p in partitions])
        await consumer.seek_to_beginning()
        found: list[Any] = []
        changes: list[tuple[str, Any, Any]] = []
        deadline = time.monotonic() + timeout_s
        while not done(changes):
            if time.monotonic() > deadline:
                raise AssertionError(f"not done within {timeout_s}s: {ops_by_key(changes)}")
            for batch in (await consumer.getmany(timeout_ms=200)).values():
                found.extend(batch)
            changes = _decoded(found, key)
        return changes
    finally:
        await consumer.stop()


def _decoded(found: list[Any], key: str) -> list[tuple[str, Any, Any]]:
    out: list[tuple[str, Any, Any]] = []
    for record in sorted(found, key=lambda record: (record.partition, record.offset)):
        row_key = json.loads(record.key or b"null")[key]
        if record.value is None:
            out.append(("tombstone", row_key, None))
        else:
            event = json.loads(record.value)
            out.append((event["op"], row_key, event))
    return out


def ops_by_key(changes: list[tuple[str, Any, Any]]) -> dict[Any, list[str]]:
    ops: dict[Any, list[str]] = {}
    for op, key, _ in changes:
        ops.setdefault(key, []).append(op)
    return ops


def write_config(folder: Path, config: dict[str, Any]) -> Path:
    path = folder / "connectors.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def connector_process(kafka: KafkaSettings, config: Path) -> subprocess.Popen[bytes]:
    """``python -m townhall.connectors`` on the embedded broker, as ``townhall up`` runs it."""
    env = {
        **os.environ,
        **embedded_environment(),
        "KAFKA_BOOTSTRAP_SERVERS": kafka.bootstrap_servers,
    }
    argv = [sys.executable, "-m", "townhall.connectors", "--config", str(config)]
    return subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
