"""A resident's timeline, newest first, a page at a time, with the policy inside the query."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, case, exists, func, literal, not_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from townhall.resident_view.adapters.merges import residents_of
from townhall.resident_view.adapters.orm import timeline_entries as t
from townhall.resident_view.reads.policy import SPECIAL, Visibility


class BadCursorError(ValueError):
    """The cursor was not one this service handed out."""


@dataclass(frozen=True)
class Cursor:
    time: datetime
    event_id: str

    def encode(self) -> str:
        raw = json.dumps([self.time.isoformat(), self.event_id]).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, value: str) -> Cursor:
        try:
            raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
            moment, event_id = json.loads(raw)
            return cls(datetime.fromisoformat(moment), str(event_id))
        except (binascii.Error, ValueError, TypeError) as exc:
            raise BadCursorError("the cursor is not valid; start again without it") from exc


@dataclass(frozen=True)
class Filters:
    domains: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    case_reference: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    text: str | None = None
    #: How the resident reached the council (entries that say: phone, online, …).
    channels: tuple[str, ...] = ()


COLUMNS = (
    t.c.event_id,
    t.c.time,
    t.c.type,
    t.c.domain,
    t.c.sensitivity,
    t.c.summary,
    t.c.summary_code,
    t.c.summary_params,
    t.c.source,
    t.c.sequence,
    t.c.subject,
    t.c.case_reference,
    t.c.channel,
    t.c.audience,
    t.c.claimed,
)


@dataclass(frozen=True)
class Scope:
    """Whose timeline, in which generation of the store, as seen by whom."""

    generation: int
    resident_id: str
    seen: Visibility


async def _whose(session: AsyncSession, scope: Scope) -> list[str]:
    """The resident and everyone merged into them, looked up first: a plain equality
    (or a short IN list) lets the database walk the (generation, resident, time) index
    newest first and stop at the page, where an OR with a subquery made SQLite without
    statistics scan the whole generation (README, Performance)."""
    return await residents_of(session, scope.generation, scope.resident_id)


def _select(scope: Scope, whose: list[str]) -> Select[Any]:
    view = case((scope.seen.detail, literal("detail")), else_=literal("summary")).label("view")
    data = case((scope.seen.detail, t.c.data), else_=None).label("data")
    resident = t.c.resident_id == whose[0] if len(whose) == 1 else t.c.resident_id.in_(whose)
    return (
        select(*COLUMNS, view, data)
        .where(t.c.generation == scope.generation)
        .where(resident)
        .where(scope.seen.any)
    )


def _filtered(query: Select[Any], filters: Filters) -> Select[Any]:
    if filters.domains:
        query = query.where(t.c.domain.in_(filters.domains))
    if filters.types:
        query = query.where(t.c.type.in_(filters.types))
    if filters.case_reference:
        query = query.where(t.c.case_reference == filters.case_reference)
    if filters.since:
        query = query.where(t.c.time >= filters.since)
    if filters.until:
        query = query.where(t.c.time < filters.until)
    if filters.channels:
        query = query.where(t.c.channel.in_(filters.channels))
    if filters.text:
        escaped = filters.text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(t.c.summary.ilike(f"%{escaped}%", escape="\\"))
    return query


def _row(row: Any) -> dict[str, Any]:
    entry = dict(row._mapping)
    entry["data"] = json.loads(entry["data"]) if entry["data"] is not None else None
    entry["summary_params"] = params(entry["summary_params"])
    return entry


def params(stored: str | None) -> dict[str, Any]:
    """An entry's summary facts as stored (none for an entry without a code)."""
    found = json.loads(stored) if stored else {}
    return found if isinstance(found, dict) else {}


async def page(
    session: AsyncSession,
    scope: Scope,
    *,
    filters: Filters,
    limit: int,
    after: Cursor | None = None,
) -> tuple[list[dict[str, Any]], Cursor | None]:
    """One page, newest first, and the cursor for the next page (None at the end)."""
    query = _filtered(_select(scope, await _whose(session, scope)), filters)
    if after is not None:
        query = query.where(
            or_(t.c.time < after.time, and_(t.c.time == after.time, t.c.event_id < after.event_id))
        )
    query = query.order_by(t.c.time.desc(), t.c.event_id.desc()).limit(limit + 1)
    rows = [_row(r) for r in (await session.execute(query)).all()]
    shown, more = rows[:limit], len(rows) > limit
    last = shown[-1] if shown else None
    return shown, Cursor(last["time"], last["event_id"]) if more and last else None


async def entry(session: AsyncSession, scope: Scope, event_id: str) -> dict[str, Any] | None:
    query = _select(scope, await _whose(session, scope)).where(t.c.event_id == event_id)
    row = (await session.execute(query)).first()
    return _row(row) if row is not None else None


async def unseen(session: AsyncSession, scope: Scope) -> int:
    """How many of the history's entries the viewer may not see at all, special-category
    ones left out (the policy does not disclose that they exist)."""
    whose = await _whose(session, scope)
    query = (
        select(func.count())
        .select_from(t)
        .where(t.c.generation == scope.generation)
        .where(t.c.resident_id.in_(whose))
        .where(not_(scope.seen.any))
        .where(t.c.sensitivity_rank < SPECIAL)
    )
    return int((await session.execute(query)).scalar_one())


async def withheld(session: AsyncSession, scope: Scope) -> bool:
    """Whether the viewer's level of assurance withholds any of this history."""
    if scope.seen.withheld is None:
        return False
    whose = await _whose(session, scope)
    query = select(
        exists()
        .where(t.c.generation == scope.generation)
        .where(t.c.resident_id.in_(whose))
        .where(scope.seen.withheld)
    )
    return bool((await session.execute(query)).scalar())
