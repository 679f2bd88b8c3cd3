"""The work queue in SQL: one query per page, one per dashboard count.

Everything that decides which cases appear is in the ``WHERE`` clause: the service
types the officer may see (worked out by :mod:`townhall.cases.service_layer.queue`),
then their filter. Pages are keyset-paged on ``(sort key, id)``: a page starts strictly
after the last case of the one before, so cases submitted meanwhile neither repeat nor
push others off a page, and a deep page costs what the first does.

On PostgreSQL a page is an index scan on ``created_at`` (or ``due_at``) in sort order,
the types and filters checked on each row, ties on ``id`` put right by an incremental
sort, stopping at the page's end; the counts are an index-only scan of
``(service_code, status)``. Text search is the exception: words found in few cases mean
reading many rows (a trigram index would serve it; not added, it is PostgreSQL only).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Row,
    Select,
    Uuid,
    and_,
    false,
    func,
    literal,
    or_,
    select,
    tuple_,
)
from sqlalchemy.ext.asyncio import AsyncSession

from townhall.cases.adapters.orm import cases
from townhall.cases.domain.catalogue import FINISHED_STATES
from townhall.cases.domain.queue import After, QueueFilter, Sort
from townhall.runtime.types import UtcDateTime

#: Each sort: its key column and whether it runs newest (highest) first.
_SORTS: dict[str, tuple[Any, bool]] = {
    "newest": (cases.c.created_at, True),
    "oldest": (cases.c.created_at, False),
    "due_soonest": (cases.c.due_at, False),
}


def sort_key(row: Row[Any], sort: Sort) -> datetime:
    """The value of ``sort``'s key on ``row`` (what a cursor remembers)."""
    column, _ = _SORTS[sort]
    key: datetime = getattr(row, column.name)
    return key


def conditions(
    types: Collection[str], wanted: QueueFilter, *, officer: str, now: datetime
) -> list[ColumnElement[bool]]:
    """The ``WHERE`` of a queue: the officer's types first, then what they asked for."""
    if not types:
        return [false()]
    found: list[ColumnElement[bool]] = [cases.c.service_code.in_(sorted(types))]
    if wanted.statuses:
        found.append(cases.c.status.in_(sorted(wanted.statuses)))
    if wanted.channels:
        found.append(cases.c.channel.in_(sorted(wanted.channels)))
    if wanted.assignee == "me":
        found.append(cases.c.officer == officer)
    elif wanted.assignee == "unassigned":
        found.append(cases.c.officer.is_(None))
    if wanted.team is not None:
        found.append(cases.c.team == wanted.team)
    found += _sla(wanted, now)
    if wanted.submitted_from is not None:
        found.append(cases.c.created_at >= wanted.submitted_from)
    if wanted.submitted_before is not None:
        found.append(cases.c.created_at < wanted.submitted_before)
    if wanted.text:
        found.append(
            or_(
                cases.c.description.icontains(wanted.text, autoescape=True),
                cases.c.reference == wanted.text.upper(),
            )
        )
    return found


def _sla(wanted: QueueFilter, now: datetime) -> list[ColumnElement[bool]]:
    open_ = cases.c.status.not_in(sorted(FINISHED_STATES))
    if wanted.sla == "breached":
        return [or_(cases.c.breached_at.is_not(None), and_(open_, cases.c.due_at <= now))]
    if wanted.sla == "due":
        return [open_, cases.c.due_at > now, cases.c.due_at <= now + wanted.due_within]
    return []


def page_query(
    where: Sequence[ColumnElement[bool]], sort: Sort, after: After | None, limit: int
) -> Select[Any]:
    """One page: ``limit`` cases from just after ``after`` in ``sort`` order."""
    column, descending = _SORTS[sort]
    query = select(cases).where(*where)
    if after is not None:
        position = tuple_(column, cases.c.id)
        mark = tuple_(literal(after.key, UtcDateTime()), literal(after.case_id, Uuid()))
        query = query.where(position < mark if descending else position > mark)
    order = (column.desc(), cases.c.id.desc()) if descending else (column, cases.c.id)
    return query.order_by(*order).limit(limit)


class CaseQueue:
    """Reads an officer's queue (read-only; the permission is in every query)."""

    def __init__(self, session: AsyncSession):
        self.session = session

    async def page(
        self, where: Sequence[ColumnElement[bool]], sort: Sort, after: After | None, limit: int
    ) -> tuple[list[Row[Any]], After | None]:
        """Up to ``limit`` cases, and where the next page starts (None: this is the last)."""
        query = page_query(where, sort, after, limit + 1)
        rows = list((await self.session.execute(query)).all())
        if len(rows) <= limit:
            return rows, None
        last = rows[limit - 1]
        return rows[:limit], After(sort_key(last, sort), last.id)

    async def counts(self, where: Sequence[ColumnElement[bool]]) -> dict[str, int]:
        """How many cases are in each status (statuses with none are absent)."""
        query = select(cases.c.status, func.count()).where(*where).group_by(cases.c.status)
        rows = (await self.session.execute(query)).all()
        return {str(status): int(count) for status, count in rows}
