"""Small named values in ``th_runtime_state``: remembered epochs and leases."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from townhall.runtime.db import dialect_insert
from townhall.runtime.tables import runtime_state


async def get_value(session: AsyncSession, name: str) -> str | None:
    query = select(runtime_state.c.value).where(runtime_state.c.name == name)
    return (await session.execute(query)).scalar_one_or_none()


async def set_value(session: AsyncSession, name: str, value: str) -> None:
    """Set ``name`` (and clear any lease expiry), in one statement: two processes that
    set the same name at once (say, two consumers in one group recording the broker's
    epoch) both succeed, the later one's value standing."""
    await session.execute(
        dialect_insert(session, runtime_state)
        .values(name=name, value=value, expires_at=None)
        .on_conflict_do_update(
            index_elements=[runtime_state.c.name], set_={"value": value, "expires_at": None}
        )
    )


async def try_lease(
    session: AsyncSession, name: str, owner: str, *, now: datetime, until: datetime
) -> bool:
    """Take or renew the lease ``name`` for ``owner`` unless someone else holds it."""
    renewed = await session.execute(
        update(runtime_state)
        .where(runtime_state.c.name == name)
        .where(or_(runtime_state.c.value == owner, runtime_state.c.expires_at < now))
        .values(value=owner, expires_at=until)
    )
    if renewed.rowcount:  # type: ignore[attr-defined]
        return True
    if await get_value(session, name) is not None:
        return False
    await session.execute(insert(runtime_state).values(name=name, value=owner, expires_at=until))
    return True
