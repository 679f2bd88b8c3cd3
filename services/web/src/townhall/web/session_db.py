"""Sessions in web's database, so every web replica sees the same ones.

A row per session, under the SHA-256 of its id (the id is the browser's secret: someone
reading the table cannot present it), holding the session as JSON and when it was last
seen, on the wall clock every replica shares. A request loads its session, changes it,
and ``SessionCookie`` saves it before the response starts; ending a session deletes its
row at once. Idle rows are swept as sessions are saved, at most once a minute.

Identity ends a session whose refresh token is presented twice, so before refreshing,
:meth:`Workspace._token` reads the tokens last saved (another replica may have refreshed
them) and saves the new ones at once.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError
from sqlalchemy import Column, Float, Index, MetaData, String, Table, Text, delete, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from townhall.runtime.db import create_engine, dialect_insert, session_factory
from townhall.runtime.migrations import upgrade
from townhall.web.sessions import Export, Session, Tokens, forget, new_session, renewed

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
SWEEP_EVERY_S = 60.0
#: What is not stored: the id (only its hash is), and what lives only in this process:
#: a resident's data export is prepared by a task here and kept in this process's memory
#: only (it is their whole record; it never goes into the table).
NOT_STORED = {"id", "refreshing", "replaced", "ended", "export"}

metadata = MetaData()
web_sessions = Table(
    "web_sessions",
    metadata,
    Column("id_hash", String(64), primary_key=True),
    Column("data", Text, nullable=False),
    Column("last_seen", Float, nullable=False),
    Index("ix_web_sessions_last_seen", "last_seen"),
)
_SESSION = TypeAdapter(Session)


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


class DatabaseSessionStore:
    """Sessions in a table of web's database (SQLite or PostgreSQL)."""

    def __init__(self, url: str, *, idle_s: float, clock: Callable[[], float] = time.time) -> None:
        self.url, self.idle_s, self.clock = url, idle_s, clock
        self._engine: AsyncEngine | None = None
        self._db: async_sessionmaker[AsyncSession] | None = None
        self._swept_at = 0.0
        #: Exports being prepared or ready, by session id hash: found again by a
        #: request this replica serves (a deployment with several replicas routes a
        #: resident's requests to one, or their export is prepared again).
        self._exports: dict[str, Export] = {}

    async def start(self) -> None:
        """Migrate the table, then connect."""
        await upgrade(self.url, MIGRATIONS)
        self._engine = create_engine(self.url)
        self._db = session_factory(self._engine)

    async def close(self) -> None:
        if self._engine is not None:
            await self._engine.dispose()

    @property
    def db(self) -> async_sessionmaker[AsyncSession]:
        if self._db is None:
            raise RuntimeError("the session store has not started")
        return self._db

    async def _row(self, session_id: str) -> tuple[str, float] | None:
        query = select(web_sessions.c.data, web_sessions.c.last_seen).where(
            web_sessions.c.id_hash == _hash(session_id)
        )
        async with self.db() as db:
            row = (await db.execute(query)).first()
        return None if row is None else (str(row.data), float(row.last_seen))

    async def load(self, session_id: str | None) -> Session | None:
        if not session_id or len(session_id) > 200:
            return None
        found = await self._row(session_id)
        now = self.clock()
        if found is None:
            return None
        data, last_seen = found
        try:
            session = _SESSION.validate_python({**json.loads(data), "id": session_id})
        except (ValueError, ValidationError):
            session = None
        if session is None or now - last_seen > self.idle_s:
            await self._delete([session_id])
            return None
        session.last_seen = now
        session.export = self._exports.get(_hash(session_id))
        return session

    def new(self, language: str = "en") -> Session:
        return new_session(self.clock(), language)

    def renew(self, session: Session) -> Session:
        return renewed(session)

    async def save(self, session: Session) -> None:
        if session.ended:
            return
        now = self.clock()
        session.last_seen = now
        data = _SESSION.dump_json(session, exclude=NOT_STORED).decode()
        for old in session.replaced:
            self._exports.pop(_hash(old), None)
        if session.export is not None:
            self._exports[_hash(session.id)] = session.export
        else:
            self._exports.pop(_hash(session.id), None)
        row = {"id_hash": _hash(session.id), "data": data, "last_seen": now}
        async with self.db.begin() as db:
            if session.replaced:
                hashes = [_hash(old) for old in session.replaced]
                await db.execute(delete(web_sessions).where(web_sessions.c.id_hash.in_(hashes)))
            insert = dialect_insert(db, web_sessions).values(**row)
            await db.execute(
                insert.on_conflict_do_update(
                    index_elements=[web_sessions.c.id_hash],
                    set_={"data": data, "last_seen": now},
                )
            )
            if now - self._swept_at > SWEEP_EVERY_S:
                self._swept_at = now
                idle = web_sessions.c.last_seen < now - self.idle_s
                await db.execute(delete(web_sessions).where(idle))
        session.replaced.clear()

    async def end(self, session: Session) -> None:
        await self._delete([session.id, *session.replaced])
        forget(session)

    async def tokens(self, session: Session) -> Tokens | None:
        found = await self._row(session.id)
        if found is None:
            return None
        stored: dict[str, Any] | None = json.loads(found[0]).get("tokens")
        return None if stored is None else Tokens(**stored)

    async def _delete(self, session_ids: list[str]) -> None:
        hashes = [_hash(session_id) for session_id in session_ids]
        for gone in hashes:
            self._exports.pop(gone, None)
        async with self.db.begin() as db:
            await db.execute(delete(web_sessions).where(web_sessions.c.id_hash.in_(hashes)))
