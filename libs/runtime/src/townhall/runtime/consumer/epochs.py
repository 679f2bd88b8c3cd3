"""Following the broker epoch, so a group notices when the broker lost its data.

The embedded broker keeps its log in memory: after a restart every topic starts again
at offset 0 and the committed offsets are gone. The broker epoch (townhall.runtime.epoch)
changes then. A group remembers the epoch it last saw in its own database; when the
broker shows another, the group must read every partition again from offset 0 and let
its dedupe drop what it had applied already. Deciding that is here; seeking is the
fetch loop's (townhall.runtime.consumer.pipeline).
"""

from __future__ import annotations

from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from townhall.runtime.state import get_value, set_value


class EpochSource(Protocol):
    async def current(self) -> str: ...


class EpochFollower:
    """One group's view of the broker epoch, remembered in ``th_runtime_state``."""

    def __init__(self, group: str, sessions: async_sessionmaker[AsyncSession], epoch: EpochSource):
        self.sessions = sessions
        self.epoch = epoch
        self.state_name = f"consumer.{group}.broker_epoch"
        self._seen: str | None = None

    async def new_epoch(self) -> str | None:
        """The broker's epoch when it differs from the one this group last saw, else
        None. A first look is remembered at once; a new epoch only by :meth:`rewound`,
        so a crash before the rewind finished notices the reset again."""
        current = await self.epoch.current()
        if self._seen is None:
            async with self.sessions() as session:
                self._seen = await get_value(session, self.state_name)
        if self._seen is None:
            await self.rewound(current)
            return None
        return current if current != self._seen else None

    async def rewound(self, current: str) -> None:
        """Every partition was read again from offset 0 since ``current`` began."""
        async with self.sessions.begin() as session:
            await set_value(session, self.state_name, current)
        self._seen = current
