"""The launcher with real processes: the embedded broker plus one small service."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from townhall.cli.health import probe
from townhall.cli.launcher import Platform, PlatformError
from townhall.cli.services import BROKER, ServiceSpec
from townhall.cli.status import collect_status
from townhall.cli.supervision import RestartPolicy
from townhall.runtime.broker import free_port, port_is_open
from townhall.runtime.testkit.fixtures import Processes

PROBE = "probe"
QUICK_RESTARTS = RestartPolicy(initial_delay_s=0.05, max_delay_s=1.0)


def _platform(tmp_path: Path, module: str = "townhall.cli.testing_service") -> Platform:
    port = free_port()
    return Platform(
        var_dir=tmp_path / "var",
        registry={PROBE: ServiceSpec(PROBE, module, port)},
        ports={PROBE: port, BROKER: free_port()},
        restart_policy=QUICK_RESTARTS,
        start_timeout_s=60.0,
    )


@pytest.fixture
def platform(tmp_path: Path, processes: Processes) -> Platform:
    return processes.start(_platform(tmp_path))


def _gone(pid: int) -> bool:
    """True when no process of the group ``pid`` led is left."""
    try:
        os.killpg(pid, 0)
    except ProcessLookupError:
        return True
    return False


def _supervise_until(platform: Platform, done: Callable[[], bool], timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while not done():
        assert time.monotonic() < deadline, "supervise did not get there in time"
        platform.supervise(max_iterations=1)
        time.sleep(0.05)


def _healthy(url: str) -> bool:
    with httpx.Client(timeout=1.0, trust_env=False) as client:
        return probe(client, url) is None


def test_a_service_gets_the_platform_environment(platform: Platform) -> None:
    env = httpx.get(f"{platform.urls[PROBE]}/env", trust_env=False).json()
    assert env["PORT"] == str(platform.ports[PROBE])
    assert env["KAFKA_BOOTSTRAP_SERVERS"] == platform.bootstrap_servers
    assert env["KAFKA_SESSION_TIMEOUT_MS"] == "2000"
    assert env["DATABASE_URL"] == f"sqlite+aiosqlite:///{platform.var_dir}/{PROBE}.db"
    assert json.loads(env["SERVICE_URLS_JSON"]) == platform.urls
    assert (platform.var_dir / "logs" / f"{PROBE}.log").exists()
    assert (platform.var_dir / "logs" / "broker.log").exists()


def test_status_of_a_running_platform_is_healthy(platform: Platform) -> None:
    status = asyncio.run(
        collect_status(
            platform.urls,
            bootstrap_servers=platform.bootstrap_servers,
            processes=platform.running(),
        )
    )
    assert status.healthy, status
    assert status.services[0].metrics is not None


def test_stop_leaves_nothing_running_and_can_be_repeated(
    tmp_path: Path, processes: Processes
) -> None:
    platform = processes.start(_platform(tmp_path))
    pids = {name: process.pid for name, process in platform.processes.items()}
    assert set(pids) == {PROBE, BROKER}
    platform.stop()
    platform.stop()
    assert all(_gone(pid) for pid in pids.values())
    assert not port_is_open("127.0.0.1", platform.ports[PROBE])
    assert not port_is_open("127.0.0.1", platform.ports[BROKER])


def test_a_crashed_service_is_restarted_by_supervise(platform: Platform) -> None:
    crashed = platform.processes[PROBE].pid
    os.killpg(crashed, signal.SIGKILL)
    _supervise_until(
        platform,
        lambda: platform.processes[PROBE].pid != crashed and _healthy(platform.urls[PROBE]),
    )
    assert platform.restarts[PROBE] == 1
    assert platform.restarts[BROKER] == 0


def test_a_crashed_broker_is_restarted_and_the_service_recovers(platform: Platform) -> None:
    assert platform.broker is not None
    crashed = platform.processes[BROKER].pid
    platform.broker.kill()
    _supervise_until(platform, lambda: platform.processes[BROKER].pid != crashed)
    _supervise_until(platform, lambda: _healthy(platform.urls[PROBE]))
    assert platform.restarts[BROKER] == 1
    assert platform.restarts[PROBE] == 0


def test_a_service_that_dies_at_start_is_named_with_its_log(
    tmp_path: Path, processes: Processes
) -> None:
    platform = _platform(tmp_path, module="townhall.cli.no_such_service")
    with pytest.raises(PlatformError, match=r"probe exited with code 1(.|\n)*No module named"):
        processes.start(platform)
    assert all(_gone(process.pid) for process in platform.processes.values())
    assert not platform.running()[BROKER]
