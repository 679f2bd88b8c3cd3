"""The platform as a library: start the broker and every service, supervise, stop.

``townhall up`` is a thin shell around :class:`Platform`; tests use it directly with a
registry of their own.
"""

from __future__ import annotations

import atexit
import os
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import httpx
import structlog

from townhall.cli import config
from townhall.cli.databases import ensure_databases
from townhall.cli.health import probe
from townhall.cli.process import ChildProcess, log_tail, stop_children
from townhall.cli.services import (
    BROKER,
    BROKER_DEFAULT_PORT,
    HOST,
    SERVICES,
    ServiceSpec,
    base_url,
    env_name,
)
from townhall.cli.supervision import RestartPolicy, Watch, run_sync
from townhall.runtime.broker import BrokerError, EmbeddedBroker, port_is_open
from townhall.runtime.settings import embedded_kafka_settings

log = structlog.get_logger(__name__)


class PlatformError(RuntimeError):
    """A process could not be started or did not become healthy."""


class Platform:
    """The embedded broker (unless ``kafka_bootstrap`` names a cluster) and the services."""

    def __init__(
        self,
        *,
        var_dir: Path,
        services: Sequence[str] | None = None,
        ports: Mapping[str, int] | None = None,
        database_urls: Mapping[str, str] | None = None,
        kafka_bootstrap: str | None = None,
        extra_env: Mapping[str, str] | None = None,
        registry: Mapping[str, ServiceSpec] | None = None,
        start_timeout_s: float = 180.0,
        stop_grace_s: float = 5.0,
        restart_policy: RestartPolicy | None = None,
    ):
        self.registry = dict(registry if registry is not None else SERVICES)
        self.services = list(services if services is not None else self.registry)
        if unknown := sorted(set(self.services) - set(self.registry)):
            raise PlatformError(f"unknown services {unknown}; known: {sorted(self.registry)}")
        self.var_dir = Path(var_dir).absolute()
        given = dict(ports or {})
        self.ports = {n: given.get(n, spec.default_port) for n, spec in self.registry.items()}
        self.ports[BROKER] = given.get(BROKER, BROKER_DEFAULT_PORT)
        urls = dict(database_urls or {})
        self.database_urls = {
            name: urls.get(name) or config.sqlite_url(self.var_dir, name) for name in self.services
        }
        self.start_timeout_s = start_timeout_s
        self.stop_grace_s = stop_grace_s
        self.policy = restart_policy or RestartPolicy()
        self._external_bootstrap = kafka_bootstrap
        self.broker = (
            None
            if kafka_bootstrap
            else EmbeddedBroker(self.ports[BROKER], HOST, self.log_file(BROKER))
        )
        self._broker_started_at = 0.0
        self._children = {name: self._child(name, extra_env or {}) for name in self.services}
        self._watches = {name: Watch() for name in self._watched()}
        self._stopping = False

    @classmethod
    def from_env(
        cls,
        env: Mapping[str, str] | None = None,
        *,
        services: Sequence[str] | None = None,
        registry: Mapping[str, ServiceSpec] | None = None,
    ) -> Platform:
        """The platform ``townhall up`` starts, configured by environment variables."""
        env = os.environ if env is None else env
        registry = registry if registry is not None else SERVICES
        names = list(services if services is not None else registry)
        var_dir = config.resolve_var_dir(env)
        return cls(
            var_dir=var_dir,
            services=names,
            ports=config.resolve_ports(env, registry),
            database_urls=config.resolve_database_urls(env, names, var_dir),
            kafka_bootstrap=config.resolve_kafka_bootstrap(env),
            extra_env=config.resolve_environment(env),
            registry=registry,
        )

    # -- what it is -------------------------------------------------------------------

    @property
    def urls(self) -> dict[str, str]:
        """Base URL of every service this platform runs."""
        return config.service_urls(self.ports, self.services)

    @property
    def bootstrap_servers(self) -> str:
        if self.broker is not None:
            return self.broker.bootstrap_servers
        assert self._external_bootstrap is not None
        return self._external_bootstrap

    @property
    def processes(self) -> dict[str, subprocess.Popen[bytes]]:
        """Every process started so far (the broker under ``"broker"``), running or not."""
        found = {name: child.process for name, child in self._children.items()}
        if self.broker is not None:
            found[BROKER] = self.broker.process
        return {name: process for name, process in found.items() if process is not None}

    @property
    def restarts(self) -> dict[str, int]:
        return {name: watch.restarts for name, watch in self._watches.items()}

    @property
    def log_dir(self) -> Path:
        return self.var_dir / "logs"

    def log_file(self, name: str) -> Path:
        return self.log_dir / f"{name}.log"

    def tails(self, lines: int = 25) -> str:
        """The last ``lines`` lines of each process's log, the broker's first."""
        parts = []
        for name in self._watched():
            state = "running" if self.is_running(name) else "stopped"
            parts.append(f"--- {name} ({state}) ---\n{log_tail(self.log_file(name), lines)}")
        return "\n".join(parts)

    def is_running(self, name: str) -> bool:
        if name == BROKER:
            return self.broker is not None and self.broker.is_running()
        return self._children[name].is_running()

    def running(self) -> dict[str, bool]:
        return {name: self.is_running(name) for name in self._watched()}

    # -- start and stop ---------------------------------------------------------------

    def start(self) -> None:
        """Start the broker and every service; return once each answers /healthz and
        /readyz with 200. On failure everything started is stopped again."""
        self._stopping = False
        atexit.register(self.stop)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        try:
            run_sync(ensure_databases(self.database_urls.values()))
            if self.broker is not None:
                self._start_broker()
            for child in self._children.values():
                self._spawn(child)
            self._wait_until_healthy()
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """SIGTERM every process group, SIGKILL what outlives the grace period. Idempotent."""
        self._stopping = True
        atexit.unregister(self.stop)
        stop_children(self._children.values(), self.stop_grace_s)
        if self.broker is not None:
            self.broker.stop(self.stop_grace_s)

    def stop_service(self, name: str) -> None:
        """Stop one service as :meth:`stop` does (an outage, for a test or an operator);
        :meth:`supervise` restarts it, or :meth:`start_service`."""
        stop_children([self._children[name]], self.stop_grace_s)

    def start_service(self, name: str) -> None:
        """Start one stopped service again; return once it is healthy and ready."""
        self._spawn(self._children[name])
        self._wait_until_healthy((name,))

    def _child(self, name: str, extra_env: Mapping[str, str]) -> ChildProcess:
        env = dict(os.environ)
        env.update(
            config.service_environment(
                port=self.ports[name],
                database_url=self.database_urls[name],
                bootstrap=self.bootstrap_servers,
                embedded_broker=self.broker is not None,
                urls={n: base_url(self.ports[n]) for n in self.registry},
            )
        )
        env["TOWNHALL_VAR_DIR"] = str(self.var_dir)
        if self.broker is not None:  # the embedded default: demo data, wired together
            urls = {n: base_url(self.ports[n]) for n in self.services}
            secret = config.demo_service_secret(self.var_dir)
            env.update(config.demo_matching_environment(name, secret, urls))
        env.update(extra_env)
        argv = [sys.executable, "-m", self.registry[name].module]
        return ChildProcess(name, argv, env, self.log_file(name))

    def _start_broker(self) -> None:
        assert self.broker is not None
        self._broker_started_at = time.monotonic()
        try:
            self.broker.start()
        except BrokerError as error:
            raise PlatformError(f"broker: {error}\n{log_tail(self.log_file(BROKER))}") from error
        settings = embedded_kafka_settings(self.broker.bootstrap_servers)
        try:
            run_sync(self.broker.prepare(settings))
        except Exception as error:
            raise PlatformError(f"broker: could not create topics: {error!r}") from error
        log.info("broker_started", bootstrap=self.broker.bootstrap_servers)

    def _spawn(self, child: ChildProcess) -> None:
        port = self.ports[child.name]
        if port_is_open(HOST, port):
            raise PlatformError(
                f"{child.name}: port {port} is already in use; "
                f"set {env_name(child.name)}_PORT or stop what uses it"
            )
        child.start()
        log.info("service_started", service=child.name, pid=child.pid, port=port)

    def _wait_until_healthy(self, names: Sequence[str] | None = None) -> None:
        deadline = time.monotonic() + self.start_timeout_s
        pending = dict.fromkeys(self.services if names is None else names, "not checked yet")
        with httpx.Client(timeout=2.0, trust_env=False) as client:
            while pending:
                for name in list(pending):
                    self._fail_if_exited(name)
                    seen = probe(client, self.urls[name])
                    if seen is None:
                        del pending[name]
                    else:
                        pending[name] = seen
                if pending and time.monotonic() > deadline:
                    raise PlatformError(self._not_healthy(pending))
                if pending:
                    time.sleep(0.1)

    def _fail_if_exited(self, name: str) -> None:
        if self.broker is not None and not self.broker.is_running():
            raise PlatformError(f"broker exited during start\n{log_tail(self.log_file(BROKER))}")
        child = self._children[name]
        if not child.is_running():
            raise PlatformError(
                f"{name} exited with code {child.returncode} during start; "
                f"last lines of {child.log_file}:\n{child.tail()}"
            )

    def _not_healthy(self, pending: Mapping[str, str]) -> str:
        parts = [f"not healthy within {self.start_timeout_s:g}s:"]
        for name, seen in pending.items():
            child = self._children[name]
            parts.append(f"{name} ({seen}); last lines of {child.log_file}:\n{child.tail()}")
        return "\n".join(parts)

    # -- supervision ------------------------------------------------------------------

    def supervise(self, *, max_iterations: int | None = None, interval_s: float = 0.5) -> None:
        """Restart, with backoff, any process that dies, until :meth:`stop` (or
        ``max_iterations`` checks). Services recover from a broker restart themselves."""
        iteration = 0
        while not self._stopping:
            self.supervise_once()
            iteration += 1
            if max_iterations is not None and iteration >= max_iterations:
                return
            time.sleep(interval_s)

    def supervise_once(self) -> None:
        now = time.monotonic()
        for name in self._watched():
            if self._stopping:
                return
            watch = self._watches[name]
            if self.is_running(name):
                continue
            if watch.restart_at is None:
                self._schedule_restart(name, now, self._uptime(name, now))
            elif watch.is_due(now):
                self._restart(name)

    def _watched(self) -> list[str]:
        return ([BROKER] if self.broker is not None else []) + self.services

    def _uptime(self, name: str, now: float) -> float:
        if name == BROKER:
            return now - self._broker_started_at
        return self._children[name].uptime()

    def _returncode(self, name: str) -> int | None:
        if name == BROKER:
            process = self.broker.process if self.broker else None
            return process.poll() if process else None
        return self._children[name].returncode

    def _schedule_restart(self, name: str, now: float, uptime: float) -> None:
        if name != BROKER:
            self._children[name].sweep()
        delay = self._watches[name].schedule(self.policy, now, uptime)
        log.warning(
            "process_exited",
            process=name,
            returncode=self._returncode(name),
            restart_in_s=delay,
            failures=self._watches[name].failures,
            log_file=str(self.log_file(name)),
        )

    def _restart(self, name: str) -> None:
        watch = self._watches[name]
        watch.restart_at = None
        try:
            if name == BROKER:
                self._start_broker()
            else:
                self._spawn(self._children[name])
        except (PlatformError, OSError) as error:
            log.error("restart_failed", process=name, error=str(error))
            if self.broker is not None and name == BROKER:
                self.broker.stop()
            self._schedule_restart(name, time.monotonic(), uptime=0.0)
            return
        watch.restarts += 1
        log.info("process_restarted", process=name, restarts=watch.restarts)
