"""When to restart a process that died: exponential backoff, reset after a stable run."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class RestartPolicy:
    """Wait ``initial_delay_s``, doubling per consecutive failure up to ``max_delay_s``.

    A process that ran for ``stable_after_s`` before dying starts again from the
    initial delay, so a crash loop backs off but a rare crash restarts quickly.
    """

    initial_delay_s: float = 0.5
    max_delay_s: float = 30.0
    stable_after_s: float = 60.0

    def delay(self, failures: int) -> float:
        """The wait before restarting after the ``failures``-th consecutive failure."""
        return min(self.max_delay_s, self.initial_delay_s * 2.0 ** max(0, failures - 1))


@dataclass
class Watch:
    """Supervision state of one process."""

    failures: int = 0
    restart_at: float | None = None
    restarts: int = 0

    def schedule(self, policy: RestartPolicy, now: float, uptime: float) -> float:
        """Note a failure; return the delay until the restart is due."""
        if uptime >= policy.stable_after_s:
            self.failures = 0
        self.failures += 1
        delay = policy.delay(self.failures)
        self.restart_at = now + delay
        return delay

    def is_due(self, now: float) -> bool:
        return self.restart_at is not None and now >= self.restart_at


def run_sync(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run ``coroutine`` to completion, also when called from inside an event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()
