"""One child process in its own session, its output appended to a log file."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path


def signal_group(pid: int, sig: signal.Signals) -> None:
    """Send ``sig`` to the process group ``pid`` leads; a group already gone is fine."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)


def group_exists(pid: int) -> bool:
    try:
        os.killpg(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def log_tail(log_file: Path, lines: int = 20) -> str:
    """The last ``lines`` lines of ``log_file`` ("" when it does not exist)."""
    try:
        with log_file.open("rb") as handle:
            handle.seek(0, os.SEEK_END)
            handle.seek(max(0, handle.tell() - 64 * 1024))
            text = handle.read().decode("utf-8", errors="replace")
    except FileNotFoundError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


class ChildProcess:
    """``argv`` started in a new session (so its whole group can be signalled)."""

    def __init__(self, name: str, argv: Sequence[str], env: Mapping[str, str], log_file: Path):
        self.name = name
        self.argv = list(argv)
        self.env = dict(env)
        self.log_file = log_file
        self.process: subprocess.Popen[bytes] | None = None
        self.started_at = 0.0

    def start(self) -> None:
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        with self.log_file.open("ab") as log:
            stamp = datetime.now(UTC).isoformat(timespec="seconds")
            log.write(f"--- {stamp} townhall: starting {self.name}\n".encode())
            log.flush()
            self.process = subprocess.Popen(
                self.argv,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self.env,
                start_new_session=True,
            )
        self.started_at = time.monotonic()

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    @property
    def returncode(self) -> int | None:
        return self.process.poll() if self.process else None

    def is_running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def uptime(self) -> float:
        return time.monotonic() - self.started_at

    def tail(self, lines: int = 20) -> str:
        return log_tail(self.log_file, lines)

    def signal(self, sig: signal.Signals) -> None:
        """Signal the whole group while the leader runs (its pid cannot be reused then)."""
        if self.process is not None and self.process.poll() is None:
            signal_group(self.process.pid, sig)

    def sweep(self) -> None:
        """SIGKILL whatever is left of the group after the leader exited."""
        if self.process is not None and self.process.poll() is not None:
            signal_group(self.process.pid, signal.SIGKILL)


def stop_children(children: Iterable[ChildProcess], grace_s: float) -> None:
    """SIGTERM every group, wait up to ``grace_s``, then SIGKILL what is still there."""
    running = [child for child in children if child.is_running()]
    for child in running:
        child.signal(signal.SIGTERM)
    deadline = time.monotonic() + grace_s
    for child in running:
        assert child.process is not None
        try:
            child.process.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.signal(signal.SIGKILL)
            child.process.wait()
    for child in running:
        child.sweep()
