"""Which generation of the projection is served, and by which consumer group it is fed.

A rebuild fills generation N+1 from the beginning of the topics with its own consumer
group while generation N keeps serving; when it has caught up it is activated, and the
live service switches its readers and its consumer to it (see :mod:`.live`). Finding
and discarding a generation's rows is townhall.resident_view.adapters.generation_rows.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from townhall.runtime.state import get_value, set_value

STATE = "resident-view.active"
GROUP_PREFIX = "resident-view-g"


@dataclass(frozen=True)
class Generation:
    """A build of the projection and the consumer group that feeds it.

    The group name is new for every build (and for every new store), so a build always
    reads the topics from the beginning, whatever offsets an older group committed.
    """

    number: int
    group: str

    @classmethod
    def new(cls, number: int) -> Generation:
        return cls(number, f"{GROUP_PREFIX}{number}-{uuid.uuid4().hex[:8]}")


async def active(session: AsyncSession) -> Generation:
    """The served generation; a new store starts (and records) its first one."""
    value = await get_value(session, STATE)
    if value is None:
        first = Generation.new(1)
        await activate(session, first)
        return first
    state = json.loads(value)
    return Generation(int(state["generation"]), str(state["group"]))


async def activate(session: AsyncSession, generation: Generation) -> None:
    state = {"generation": generation.number, "group": generation.group}
    await set_value(session, STATE, json.dumps(state))
