"""`python -m bench.idle`: what `make run`'s platform costs when nobody uses it.

Every service and the embedded broker start as `townhall up` starts them (the demo legacy
databases off); once all are healthy and have settled, the CPU time each process and its
children use over a window is read from ``/proc``. The same is measured with the settings
the platform had before (consumers' fetches held 10 ms by the embedded broker, relays
polling every 50 ms) as the baseline in the same run, and the ratio printed, with a bar
per process.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

from rich.console import Console
from rich.table import Table

from townhall.cli.launcher import Platform
from townhall.cli.services import SERVICES
from townhall.runtime.broker import free_port

SETTLE_S = float(os.environ.get("BENCH_IDLE_SETTLE_S", "20"))
WINDOW_S = float(os.environ.get("BENCH_IDLE_WINDOW_S", "30"))
#: What every run sets: the demo legacy databases are another product's idle cost.
COMMON = {"LEGACY_DEMO_ENABLED": "0"}
BEFORE = {"KAFKA_FETCH_MAX_WAIT_MS": "10", "RELAY_POLL_INTERVAL_S": "0.05"}
TICKS = os.sysconf("SC_CLK_TCK")
console = Console(width=110)


def _tree(pid: int) -> list[int]:
    children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True)
    found = [pid]
    for child in children.stdout.split():
        found.extend(_tree(int(child)))
    return found


def _cpu_seconds(pid: int) -> float:
    total = 0.0
    for each in _tree(pid):
        try:
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime
    return total


def idle_share(extra_env: Mapping[str, str], label: str) -> dict[str, float]:
    """Each process's share of one core while the platform sits idle."""
    services = tuple(SERVICES)
    with tempfile.TemporaryDirectory(prefix="townhall-idle-") as folder:
        platform = Platform(
            var_dir=Path(folder) / "var",
            services=services,
            ports={name: free_port() for name in (*services, "broker")},
            extra_env={**COMMON, **extra_env},
        )
        with console.status(f"{label}: starting every service"):
            platform.start()
        try:
            with console.status(f"{label}: settling for {SETTLE_S:g} s"):
                time.sleep(SETTLE_S)
            pids = {name: process.pid for name, process in platform.processes.items()}
            with console.status(f"{label}: measuring for {WINDOW_S:g} s"):
                before = {name: _cpu_seconds(pid) for name, pid in pids.items()}
                time.sleep(WINDOW_S)
                after = {name: _cpu_seconds(pid) for name, pid in pids.items()}
        finally:
            platform.stop()
    return {name: (after[name] - before[name]) / WINDOW_S for name in pids}


def _bar(share: float, widest: float) -> str:
    return "█" * round(30 * share / widest) if widest else ""


def main() -> None:
    baseline = idle_share(BEFORE, "baseline (10 ms fetches, 50 ms relay polls)")
    now = idle_share({}, "today's settings")
    widest = max([*baseline.values(), *now.values()])
    table = Table(title=f"An idle platform: share of one core over {WINDOW_S:g} s")
    for column in ("process", "baseline", "today", ""):
        table.add_column(column, justify="left" if column in ("process", "") else "right")
    for name in baseline:
        table.add_row(name, f"{baseline[name]:.1%}", f"{now[name]:.1%}", _bar(now[name], widest))
    total_before, total_now = sum(baseline.values()), sum(now.values())
    table.add_row("all", f"{total_before:.1%}", f"{total_now:.1%}", _bar(total_now, widest))
    console.print(table)
    ratio = total_now / total_before if total_before else float("nan")
    console.print(f"idle CPU today / baseline: {ratio:.2f} times")


if __name__ == "__main__":
    main()
