"""The mapper's own tables: who each legacy person row is, and entries waiting for them.

``legacy_people`` holds identity's answer for each person a legacy row names (``holder``
0, or 1 for a joint account's second holder): the resident, the review item an
officer has still to decide, or ``erased`` (a resident erased after the change was
observed: their entries are dropped). ``legacy_waiting`` holds entries whose person has no
resident yet; they are published when it has one.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from townhall.runtime.db import insert_or_ignore
from townhall.runtime.types import UtcDateTime

metadata = sa.MetaData()

people = sa.Table(
    "legacy_people",
    metadata,
    sa.Column("system", sa.String(64), primary_key=True),
    sa.Column("tbl", sa.String(128), primary_key=True),
    sa.Column("legacy_key", sa.String(256), primary_key=True),
    sa.Column("holder", sa.Integer(), primary_key=True),
    sa.Column("outcome", sa.String(16), nullable=False),
    sa.Column("resident_id", sa.Uuid(), nullable=True),
    sa.Column("review_id", sa.Uuid(), nullable=True),
    sa.Column("matched_at", UtcDateTime(), nullable=False),
)

waiting = sa.Table(
    "legacy_waiting",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("system", sa.String(64), nullable=False),
    sa.Column("person_table", sa.String(128), nullable=False),
    sa.Column("person_key", sa.String(256), nullable=False),
    sa.Column("holder", sa.Integer(), nullable=False),
    sa.Column("entry", sa.Text(), nullable=False),
    sa.Column("waiting_since", UtcDateTime(), nullable=False),
    sa.Index("ix_legacy_waiting_person", "system", "person_table", "person_key"),
)


async def remember(
    session: AsyncSession,
    system: str,
    table: str,
    legacy_key: str,
    holder: int,
    *,
    outcome: str,
    resident_id: uuid.UUID | None,
    review_id: uuid.UUID | None,
    at: datetime,
) -> None:
    """Keep identity's latest answer for one person of a legacy row."""
    where = (
        (people.c.system == system)
        & (people.c.tbl == table)
        & (people.c.legacy_key == legacy_key)
        & (people.c.holder == holder)
    )
    values = {"outcome": outcome, "resident_id": resident_id, "review_id": review_id,
              "matched_at": at}  # fmt: skip
    done = await session.execute(sa.update(people).where(where).values(**values))
    if done.rowcount == 0:  # type: ignore[attr-defined]
        await session.execute(
            sa.insert(people).values(
                system=system, tbl=table, legacy_key=legacy_key, holder=holder, **values
            )
        )


#: A waiting entry's holder when its person row was not seen yet: it is for them all.
EVERY_HOLDER = -1


#: The outcome of a person identity answered was a resident erased since the change.
ERASED = "erased"

#: One person of a legacy row: holder, resident (None while an officer has still to
#: decide, or erased), and whether they were erased.
Person = tuple[int, uuid.UUID | None, bool]


async def people_of(
    session: AsyncSession, system: str, table: str, legacy_key: str
) -> list[Person]:
    """Each person a legacy row names, by holder, with the resident they are (None while
    an officer has still to decide) and whether they were erased; empty when the row
    was not seen yet."""
    query = (
        sa.select(people.c.holder, people.c.resident_id, people.c.outcome)
        .where(
            (people.c.system == system)
            & (people.c.tbl == table)
            & (people.c.legacy_key == legacy_key)
        )
        .order_by(people.c.holder)
    )
    rows = (await session.execute(query)).all()
    return [(int(holder), resident, outcome == ERASED) for holder, resident, outcome in rows]


async def in_review(session: AsyncSession) -> list[tuple[str, str, str, int, uuid.UUID]]:
    """(system, table, key, holder, review item) of every person row an officer has
    still to decide."""
    query = sa.select(people.c.system, people.c.tbl, people.c.legacy_key, people.c.holder,
                      people.c.review_id).where(
        (people.c.outcome == "review") & people.c.review_id.is_not(None)
    )  # fmt: skip
    return [tuple(row) for row in (await session.execute(query)).all()]


async def wait(
    session: AsyncSession,
    entry_id: str,
    system: str,
    person_table: str,
    person_key: str,
    holder: int,
    entry: dict[str, Any],
    at: datetime,
) -> None:
    """Keep an entry until its person (``holder`` of the row, or EVERY_HOLDER) is known."""
    await session.execute(
        insert_or_ignore(session, waiting).values(
            id=f"{entry_id}#{holder}",
            system=system,
            person_table=person_table,
            person_key=person_key,
            holder=holder,
            entry=json.dumps(entry),
            waiting_since=at,
        )
    )


async def take_waiting(
    session: AsyncSession, system: str, person_table: str, person_key: str, holder: int
) -> Sequence[dict[str, Any]]:
    """The entries that waited for this person (``holder`` of the row, or EVERY_HOLDER),
    oldest first, removed."""
    where = (
        (waiting.c.system == system)
        & (waiting.c.person_table == person_table)
        & (waiting.c.person_key == person_key)
        & (waiting.c.holder == holder)
    )
    query = sa.select(waiting.c.entry).where(where).order_by(waiting.c.waiting_since)
    found = [json.loads(text) for text in (await session.execute(query)).scalars()]
    if found:
        await session.execute(sa.delete(waiting).where(where))
    return found


async def counts(session: AsyncSession) -> dict[str, int]:
    """People rows by outcome, and entries waiting: for /readyz and the status page."""
    query = sa.select(people.c.outcome, sa.func.count()).group_by(people.c.outcome)
    found = {str(outcome): int(n) for outcome, n in (await session.execute(query)).all()}
    waited = await session.execute(sa.select(sa.func.count()).select_from(waiting))
    found["waiting"] = int(waited.scalar_one())
    return found
