"""Database servers with change capture turned on: separate instances under a folder.

The machine's own MariaDB and PostgreSQL run without a binary log or logical decoding,
and are left alone: these are separate instances on their own ports, for the tests
(``connectors/tests/conftest.py``, a fresh one per session) and for the demo legacy
systems ``make run`` starts (:mod:`townhall.connectors.demo`, kept under ``var/``).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import tempfile
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


#: A Unix socket's path may not exceed 107 bytes (sun_path); PostgreSQL adds
#: ``/.s.PGSQL.<port>`` to its directory.
_SOCKET_DIR_LIMIT = 80


def socket_dir(root: Path) -> Path:
    """``root`` when a socket under it fits sun_path; else a short folder named after it
    under the system's temporary folder (open to the postgres user, as /tmp is)."""
    if len(str(root)) <= _SOCKET_DIR_LIMIT:
        return root
    digest = hashlib.sha256(str(root).encode()).hexdigest()[:12]
    short = Path(tempfile.gettempdir()) / f"townhall-sock-{digest}"
    short.mkdir(exist_ok=True)
    short.chmod(0o1777)
    return short


def _free(port: int) -> int:
    """``port``, refused if something already listens there: the server would fail to
    bind, and waiting for the port would find the other program instead."""
    if port_is_open("127.0.0.1", port):
        raise RuntimeError(f"port {port} is already in use")
    return port


def _wait_for_port(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while not port_is_open("127.0.0.1", port):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            text = log.read_text() if log.exists() else "(no log)"
            raise RuntimeError(f"the database did not start; its log:\n{text[-2000:]}")
        time.sleep(0.05)
    if process.poll() is not None:  # the port is another program's after all
        raise RuntimeError(f"the database exited at start (port {port} taken?)")


#: A small buffer pool, and InnoDB's own I/O threads rather than Linux native AIO: the
#: kernel's AIO contexts (fs.aio-max-nr) are shared by every container on a host, and a
#: busy CI host can run out of them, which fails the install with io_setup() EAGAIN.
_INNODB_OPTIONS = ("--innodb-buffer-pool-size=16M", "--innodb-use-native-aio=0")


def start_mariadb(
    root: Path, port: int | None = None, *, own_session: bool = True
) -> MariaDBServer:
    """Start a server on ``port`` (a free one if None) over the data directory under
    ``root``, installing it first if there is none. ``own_session=False`` keeps it in the
    caller's process group, so stopping the group (as ``townhall up`` stops a service)
    stops it too."""
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
    done = (
        subprocess.run(install, capture_output=True, text=True)
        if not (datadir / "mysql").exists()
        else None
    )
    if done is not None and done.returncode != 0:
        raise RuntimeError(
            f"mariadb-install-db failed (exit {done.returncode}):\n"
            f"{(done.stdout + done.stderr)[-3000:]}"
        )
    port = _free(port) if port else free_port()
    log = root / "error.log"
    server = [
        _binary("mariadbd"),
        "--no-defaults",
        "--user=root",
        f"--datadir={datadir}",
        f"--port={port}",
        "--bind-address=127.0.0.1",
        f"--socket={socket_dir(root) / 'mysqld.sock'}",
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
        server, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=own_session
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
        f"-p {port} -k {socket_dir(root)} -c listen_addresses=127.0.0.1 -c wal_level=logical "
        "-c max_replication_slots=10 -c max_wal_senders=10 -c fsync=off"
    )
    pg_ctl = [str(bin_dir / "pg_ctl"), "-D", str(datadir), "-l", str(root / "server.log")]
    subprocess.run(
        _as_postgres(*pg_ctl, "-o", options, "-w", "start"), check=True, capture_output=True
    )
    return PostgresServer(port, root)


def run_postgres(root: Path, port: int, bin_dir: Path = POSTGRES_BIN) -> subprocess.Popen[bytes]:
    """initdb a cluster under ``root`` if it has none, and run its postmaster as a child of
    this process, in its process group (pg_ctl would detach it): stopping the group stops
    it. Returns once it accepts connections."""
    if not (bin_dir / "initdb").exists():
        raise FileNotFoundError(f"PostgreSQL is not installed in {bin_dir}")
    datadir = root / "data"
    if not (datadir / "PG_VERSION").exists():
        if _is_root():
            shutil.chown(root, user="postgres")
        initdb = [str(bin_dir / "initdb"), "-D", str(datadir), "-A", "trust", "-U", "postgres"]
        done = subprocess.run(
            _as_postgres(*initdb, "--no-sync", "-E", "UTF8"), capture_output=True, text=True
        )
        if done.returncode != 0:
            raise RuntimeError(f"initdb failed: {(done.stdout + done.stderr).strip()[-1500:]}")
    log = root / "server.log"
    _free(port)
    argv = [str(bin_dir / "postgres"), "-D", str(datadir), *_postgres_options(root, port)]
    with log.open("ab") as out:
        process = subprocess.Popen(_as_postgres(*argv), stdout=out, stderr=subprocess.STDOUT)
    _wait_for_port(port, process, log)
    return process


def reachable_by_postgres(folder: Path) -> bool:
    """Whether the postgres user can reach ``folder`` (every parent traversable); always
    true when we are not root (the server then runs as us)."""
    if not _is_root():
        return True
    probe = [_binary("runuser"), "-u", "postgres", "--", "test", "-x", str(folder)]
    return subprocess.run(probe, capture_output=True).returncode == 0


def _postgres_options(root: Path, port: int) -> list[str]:
    settings = {
        "listen_addresses": "127.0.0.1",
        "unix_socket_directories": str(socket_dir(root)),
        "wal_level": "logical",
        "max_replication_slots": "10",
        "max_wal_senders": "10",
        "fsync": "off",
    }
    return ["-p", str(port), *(f"-c{name}={value}" for name, value in settings.items())]


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
