"""The audits (append-only): every read of a resident's history, allowed or not, and
every look-up (a search, or tracking a request by its reference)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, Table, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from townhall.resident_view.adapters.orm import access_audit as a
from townhall.resident_view.adapters.orm import lookup_audit as la
from townhall.runtime.auth import Principal
from townhall.runtime.logging import get_correlation_id


async def record(
    session: AsyncSession,
    viewer: Principal,
    resident_id: str,
    *,
    at: datetime,
    purpose: str,
    outcome: str,
    entry_ids: Sequence[str] = (),
) -> None:
    await session.execute(
        insert(a).values(
            at=at,
            viewer=viewer.subject,
            viewer_kind=viewer.kind,
            resident_id=resident_id,
            purpose=purpose,
            outcome=outcome,
            entry_ids=json.dumps(list(entry_ids)),
            correlation_id=get_correlation_id(),
        )
    )


@dataclass(frozen=True)
class Window:
    """What an administrator narrows an audit to: a time range (``since`` included,
    ``until`` not), words in the purpose (any case), and the page (``offset`` rows on)."""

    since: datetime | None = None
    until: datetime | None = None
    purpose: str | None = None
    offset: int = 0

    def narrow(self, query: Select[Any], table: Table) -> Select[Any]:
        if self.since is not None:
            query = query.where(table.c.at >= self.since)
        if self.until is not None:
            query = query.where(table.c.at < self.until)
        if self.purpose:
            query = query.where(table.c.purpose.ilike(f"%{_escaped(self.purpose)}%", escape="\\"))
        return query.offset(self.offset)


def _escaped(words: str) -> str:
    return words.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def trail(
    session: AsyncSession,
    *,
    resident_id: str | None = None,
    viewer: str | None = None,
    limit: int = 100,
    window: Window = Window(),
) -> list[dict[str, Any]]:
    query = window.narrow(select(a).order_by(a.c.at.desc(), a.c.id.desc()).limit(limit), a)
    if resident_id:
        query = query.where(a.c.resident_id == resident_id)
    if viewer:
        query = query.where(a.c.viewer == viewer)
    rows = (await session.execute(query)).mappings().all()
    return [{**row, "entry_ids": json.loads(row["entry_ids"])} for row in rows]


async def record_lookup(
    session: AsyncSession,
    viewer: Principal,
    action: str,
    *,
    at: datetime,
    purpose: str,
    query: str,
    outcome: str,
    resident_ids: Sequence[str] = (),
) -> None:
    """A search (``query``: the fields searched by, never their values) or a tracking
    look-up (``query``: the reference), and the residents it concerned."""
    await session.execute(
        insert(la).values(
            at=at,
            viewer=viewer.subject,
            viewer_kind=viewer.kind,
            action=action,
            purpose=purpose,
            query=query[:500],
            outcome=outcome,
            resident_ids=json.dumps(list(resident_ids)),
            correlation_id=get_correlation_id(),
        )
    )


async def lookups(
    session: AsyncSession,
    *,
    viewer: str | None = None,
    action: str | None = None,
    limit: int = 100,
    resident_id: str | None = None,
    window: Window = Window(),
) -> list[dict[str, Any]]:
    """``resident_id``: only the look-ups that returned this resident."""
    query = window.narrow(select(la).order_by(la.c.at.desc(), la.c.id.desc()).limit(limit), la)
    if viewer:
        query = query.where(la.c.viewer == viewer)
    if action:
        query = query.where(la.c.action == action)
    if resident_id:
        query = query.where(la.c.resident_ids.contains(json.dumps(resident_id)))
    rows = (await session.execute(query)).mappings().all()
    return [{**row, "resident_ids": json.loads(row["resident_ids"])} for row in rows]
