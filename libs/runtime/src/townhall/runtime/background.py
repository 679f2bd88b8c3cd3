"""A pass a service runs every so often in the background (an SLA check, a retry sweep).

A pass that fails is logged and tried again at the next interval; an interval of 0
turns the pass off. Passes must be safe to run on several replicas at once (guard
their writes with a version or a unique key): this only decides when they run.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

import structlog

log = structlog.get_logger(__name__)


class Periodic:
    """Runs ``step`` every ``interval_s`` seconds between :meth:`start` and :meth:`stop`."""

    def __init__(self, name: str, interval_s: float, step: Callable[[], Awaitable[object]]):
        self.name = name
        self.interval_s = interval_s
        self.step = step
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        if self.interval_s > 0 and self._task is None:
            self._task = asyncio.create_task(self._run(), name=self.name)

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        while True:
            try:
                await self.step()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("background_pass_failed", task=self.name, retry_in_s=self.interval_s)
            await asyncio.sleep(self.interval_s)
