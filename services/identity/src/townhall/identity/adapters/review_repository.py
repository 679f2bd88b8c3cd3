"""The match review queue and the log of links, in identity's database."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence

from sqlalchemy import and_, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from townhall.identity.adapters.orm import resident_links, review_items
from townhall.identity.domain.model import Link
from townhall.identity.domain.review import DUPLICATE, RECORD, ReviewItem
from townhall.runtime.clock import Clock, utc_now


def _item(row: dict[str, object]) -> ReviewItem:
    return ReviewItem(**row)  # type: ignore[arg-type]


class ReviewRepository:
    def __init__(self, session: AsyncSession, *, clock: Clock = utc_now):
        self.session = session
        self.clock = clock

    async def add(self, item: ReviewItem) -> None:
        await self.session.execute(insert(review_items).values(**vars(item)))

    async def get(self, item_id: uuid.UUID) -> ReviewItem | None:
        query = select(review_items).where(review_items.c.id == item_id)
        row = (await self.session.execute(query)).mappings().one_or_none()
        return None if row is None else _item(dict(row))

    async def save(self, item: ReviewItem) -> None:
        values = {
            "status": item.status,
            "resident_id": item.resident_id,
            "probability": item.probability,
            "decided_by": item.decided_by,
            "decided_at": item.decided_at or self.clock(),
            "created_resident_id": item.created_resident_id,
            "record": item.record,
            "evidence": item.evidence,
        }
        await self.session.execute(
            update(review_items).where(review_items.c.id == item.id).values(**values)
        )

    async def open_for(self, system: str, reference: str) -> ReviewItem | None:
        """The item still waiting for an officer about this source record, if any."""
        record = review_items.c.record
        query = (
            select(review_items)
            .where(review_items.c.status == "open")
            .where(review_items.c.kind == RECORD)
            .where(record["system"].as_string() == system)
            .where(record["reference"].as_string() == reference)
            .limit(1)
        )
        row = (await self.session.execute(query)).mappings().one_or_none()
        return None if row is None else _item(dict(row))

    async def waiting_records(self) -> list[uuid.UUID]:
        """Every record item still waiting for an officer, the likeliest first."""
        query = (
            select(review_items.c.id)
            .where(review_items.c.status == "open", review_items.c.kind == RECORD)
            .order_by(review_items.c.probability.desc(), review_items.c.id)
        )
        return list((await self.session.execute(query)).scalars())

    async def naming(self, resident_ids: Collection[uuid.UUID]) -> list[ReviewItem]:
        """Every item, decided or not, that names one of these residents."""
        ids = list(resident_ids)
        query = select(review_items).where(
            or_(review_items.c.resident_id.in_(ids), review_items.c.other_resident_id.in_(ids))
        )
        return [_item(dict(row)) for row in (await self.session.execute(query)).mappings()]

    async def duplicate_pair(self, a: uuid.UUID, b: uuid.UUID) -> ReviewItem | None:
        """The item about these two residents (either way round) that still counts: one
        waiting, or one an officer rejected (they are two people)."""
        items = review_items.c
        pair = or_(
            and_(items.resident_id == a, items.other_resident_id == b),
            and_(items.resident_id == b, items.other_resident_id == a),
        )
        query = (
            select(review_items)
            .where(items.kind == DUPLICATE, items.status.in_(("open", "rejected")), pair)
            .limit(1)
        )
        row = (await self.session.execute(query)).mappings().one_or_none()
        return None if row is None else _item(dict(row))

    async def duplicate_pairs(self) -> list[tuple[uuid.UUID, uuid.UUID, str]]:
        """(resident, other resident, status) of every duplicate item waiting or
        rejected: what the duplicate pass must not ask again, or merge."""
        items = review_items.c
        query = select(items.resident_id, items.other_resident_id, items.status).where(
            items.kind == DUPLICATE, items.status.in_(("open", "rejected"))
        )
        rows = (await self.session.execute(query)).all()
        return [(a, b, status) for a, b, status in rows if b is not None]

    async def list(self, status: str, limit: int) -> list[ReviewItem]:
        query = (
            select(review_items)
            .where(review_items.c.status == status)
            .order_by(review_items.c.probability.desc(), review_items.c.id)
            .limit(limit)
        )
        return [_item(dict(row)) for row in (await self.session.execute(query)).mappings()]

    async def add_link(self, link: Link) -> None:
        """Keep why a record joined a resident (automatically or by an officer)."""
        await self.session.execute(insert(resident_links).values(**vars(link)))

    async def links(self, resident_ids: Collection[uuid.UUID]) -> Sequence[Link]:
        """The links of these residents (a survivor and those merged into it), oldest
        first."""
        query = (
            select(resident_links)
            .where(resident_links.c.resident_id.in_(list(resident_ids)))
            .order_by(resident_links.c.linked_at, resident_links.c.id)
        )
        return [Link(**row) for row in (await self.session.execute(query)).mappings()]
