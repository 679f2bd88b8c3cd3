"""Re-encrypting every wrapped key under a new master key (``rewrap-keys``).

First every row still to do is opened with the configured keys; if any cannot be, the
rewrap is refused before anything is written, naming the rows. Then rows move to the
target key in batches, one transaction each. A row records the key that wrapped it, so
rows already under the target are skipped: an interrupted run resumes where it stopped,
and a second run finds nothing to do. The service keeps working throughout, as long as
it holds both keys (the target as current or previous, the old one as previous).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Table, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from townhall.identity.adapters.master_keys import MasterKeys, key_id
from townhall.identity.adapters.orm import resident_data_keys, signing_keys
from townhall.identity.domain.exceptions import IdentityError
from townhall.runtime.crypto import DecryptionError, wrap_key

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class WrappedKeys:
    """A table of wrapped keys: its primary key and the wrapped column."""

    table: Table
    id_column: str
    wrapped_column: str


WRAPPED = (
    WrappedKeys(signing_keys, "kid", "private_key_wrapped"),
    WrappedKeys(resident_data_keys, "resident_id", "wrapped_key"),
)


class UnreadableKeysError(IdentityError):
    def __init__(self, rows: list[str], *, nothing_changed: bool = True):
        shown = "; ".join(rows[:10]) + (f"; and {len(rows) - 10} more" if len(rows) > 10 else "")
        outcome = "nothing was changed" if nothing_changed else "stopped; rows done stay done"
        super().__init__(
            f"{len(rows)} wrapped key(s) open with no configured master key ({outcome}): {shown}"
        )
        self.rows = rows


def _describe(table: Table, ident: object, wrapped_by: str | None) -> str:
    return f"{table.name} {ident} (master key {wrapped_by or 'not recorded'})"


async def key_ids_in_use(sessions: async_sessionmaker[AsyncSession]) -> set[str]:
    """The master keys that wrapped at least one stored row (rows that record one)."""
    found: set[str] = set()
    async with sessions() as session:
        for wrapped in WRAPPED:
            column = wrapped.table.c.master_key_id
            query = select(column).where(column.is_not(None)).distinct()
            found.update((await session.execute(query)).scalars())
    return found


class Rewrap:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        configured: MasterKeys,
        target: bytes,
        *,
        batch_size: int = 500,
    ):
        self.sessions = sessions
        self.target = target
        self.target_id = key_id(target)
        #: Rows may be under any configured key, or already under the target.
        self.readers = MasterKeys(target, configured.all())
        self.batch_size = batch_size

    def _pending(self, wrapped: WrappedKeys) -> ColumnElement[bool]:
        column = wrapped.table.c.master_key_id
        return or_(column.is_(None), column != self.target_id)

    async def pending(self) -> int:
        async with self.sessions() as session:
            total = 0
            for wrapped in WRAPPED:
                query = select(func.count()).select_from(wrapped.table)
                total += int(
                    (await session.execute(query.where(self._pending(wrapped)))).scalar_one()
                )
        return total

    async def check(self) -> None:
        """Raise UnreadableKeysError, naming each row no configured key opens."""
        unreadable: list[str] = []
        async with self.sessions() as session:
            for wrapped in WRAPPED:
                table = wrapped.table
                query = select(
                    table.c[wrapped.id_column],
                    table.c[wrapped.wrapped_column],
                    table.c.master_key_id,
                ).where(self._pending(wrapped))
                async for ident, blob, wrapped_by in await session.stream(query):
                    try:
                        self.readers.unwrap(blob, wrapped_by)
                    except DecryptionError:
                        unreadable.append(_describe(table, ident, wrapped_by))
        if unreadable:
            raise UnreadableKeysError(unreadable)

    async def run(self, on_progress: Progress | None = None) -> int:
        """Check, then rewrap batch by batch; the number of rows rewrapped."""
        await self.check()
        total, done = await self.pending(), 0
        for wrapped in WRAPPED:
            while moved := await self._batch(wrapped):
                done += moved
                if on_progress:
                    on_progress(done, max(total, done))
        return done

    async def _batch(self, wrapped: WrappedKeys) -> int:
        table = wrapped.table
        ident, blob = table.c[wrapped.id_column], table.c[wrapped.wrapped_column]
        query = (
            select(ident, blob, table.c.master_key_id)
            .where(self._pending(wrapped))
            .order_by(ident)
            .limit(self.batch_size)
        )
        async with self.sessions() as session, session.begin():
            rows = (await session.execute(query)).all()
            for row_id, wrapped_key, wrapped_by in rows:
                try:
                    key = self.readers.unwrap(wrapped_key, wrapped_by)
                except DecryptionError as exc:
                    row = _describe(table, row_id, wrapped_by)
                    raise UnreadableKeysError([row], nothing_changed=False) from exc
                await session.execute(
                    update(table)
                    .where(ident == row_id, table.c.master_key_id.is_not_distinct_from(wrapped_by))
                    .values(
                        {
                            wrapped.wrapped_column: wrap_key(key, self.target),
                            "master_key_id": self.target_id,
                        }
                    )
                )
        return len(rows)
