"""Residents in identity's database: one row plus child rows per aggregate."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Table, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from townhall.identity.adapters.orm import (
    resident_addresses,
    resident_consents,
    resident_contact_points,
    resident_identifiers,
    resident_links,
    resident_names,
    residents,
    review_items,
)
from townhall.identity.domain.exceptions import DuplicateEmailError, DuplicateIdentifierError
from townhall.identity.domain.model import Address, ContactPoint, Name, Resident

_LISTS: tuple[tuple[Table, str, type], ...] = (
    (resident_names, "names", Name),
    (resident_addresses, "addresses", Address),
    (resident_contact_points, "contact_points", ContactPoint),
)
_CHUNK = 2000  # residents named in one query (bound parameters are limited)


class ResidentRepository:
    def __init__(self, session: AsyncSession):
        self.session = session
        #: Aggregates touched in this unit of work, whose events it will collect.
        self.seen: list[Resident] = []
        #: Each resident loaded once per unit of work: a second look-up (a candidate,
        #: then the resident it links to) is the same aggregate, its events kept once.
        self._loaded: dict[uuid.UUID, Resident] = {}

    async def add(self, resident: Resident) -> None:
        try:
            async with self.session.begin_nested():
                await self.session.execute(
                    insert(residents).values(id=resident.id, **_row(resident))
                )
                await self._write_children(resident)
        except IntegrityError as exc:  # the unique index is the last line of defence
            raise DuplicateEmailError(resident.email or "") from exc
        self._loaded[resident.id] = resident
        self._track(resident)

    def _track(self, resident: Resident) -> None:
        if all(held is not resident for held in self.seen):
            self.seen.append(resident)

    async def save(self, resident: Resident) -> None:
        """Write a changed aggregate back (children replaced as a whole)."""
        try:
            async with self.session.begin_nested():
                await self.session.execute(
                    update(residents).where(residents.c.id == resident.id).values(**_row(resident))
                )
                for table in (*(t for t, _, _ in _LISTS), resident_identifiers, resident_consents):
                    await self.session.execute(
                        delete(table).where(table.c.resident_id == resident.id)
                    )
                await self._write_children(resident)
                if resident.erased:
                    await self._forget_link_evidence(resident.id)
        except IntegrityError as exc:
            raise DuplicateIdentifierError("external") from exc

    async def _forget_link_evidence(self, resident_id: uuid.UUID) -> None:
        """Erasure: links' and review items' evidence quoted the resident's data; keep
        only which fields agreed and by how much."""
        for table in (resident_links, review_items):
            query = select(table.c.id, table.c.evidence).where(table.c.resident_id == resident_id)
            for row_id, evidence in (await self.session.execute(query)).all():
                blanked = [{**e, "incoming": None, "existing": None} for e in evidence]
                await self.session.execute(
                    update(table).where(table.c.id == row_id).values(evidence=blanked)
                )

    async def get(self, resident_id: uuid.UUID, *, follow: bool = True) -> Resident | None:
        """The resident, following merges to the survivor unless ``follow`` is False."""
        for _ in range(16):  # merges never chain (a merged record cannot be a survivor)
            resident = await self._load(resident_id)
            if resident is None or resident.merged_into is None or not follow:
                break
            resident_id = resident.merged_into
        if resident is not None:
            self._track(resident)
        return resident

    async def _load(self, resident_id: uuid.UUID) -> Resident | None:
        if resident_id in self._loaded:
            return self._loaded[resident_id]
        row = (
            await self.session.execute(select(residents).where(residents.c.id == resident_id))
        ).one_or_none()
        if row is None:
            return None
        resident = Resident(
            id=row.id,
            names=[],
            date_of_birth=row.date_of_birth,
            preferred_language=row.preferred_language,
            loa=row.loa,
            erased=row.erased,
            password_hash=row.password_hash,
            merged_into=row.merged_into,
            ni_number=row.ni_number,
        )
        for table, attribute, kind in _LISTS:
            setattr(
                resident, attribute, [kind(**values) for values in await self._rows(table, row.id)]
            )
        resident.identifiers = {
            (r["system"], r["value"]) for r in await self._rows(resident_identifiers, row.id)
        }
        resident.consents = {r["domain"] for r in await self._rows(resident_consents, row.id)}
        if not resident.names:
            resident.names = [Name(row.given_name, row.family_name)]
        self._loaded[resident.id] = resident
        return resident

    async def population(self) -> list[Resident]:
        """Every resident not erased (merged ones too), in a handful of queries: what
        the matcher indexes at start. Not tracked in ``seen``."""
        return await self._read_many(~residents.c.erased, by_id=False)

    async def changed(self, ids: Collection[uuid.UUID]) -> list[Resident]:
        """These residents, erased or not, and those merged into them, a few queries per
        thousand: what the matcher reloads when they change. Not tracked in ``seen``."""
        wanted = list(ids)
        found: dict[uuid.UUID, Resident] = {}
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            where = residents.c.id.in_(chunk) | residents.c.merged_into.in_(chunk)
            found.update((r.id, r) for r in await self._read_many(where, by_id=True))
        return list(found.values())

    async def _read_many(self, where: ColumnElement[bool], *, by_id: bool) -> list[Resident]:
        """The residents ``where`` selects; their lists read whole tables at a time, or
        (``by_id``) only those residents' rows."""
        rows = (await self.session.execute(select(residents).where(where))).all()
        found = {
            row.id: Resident(
                id=row.id, names=[], date_of_birth=row.date_of_birth, erased=row.erased,
                merged_into=row.merged_into, ni_number=row.ni_number,
            )
            for row in rows
        }  # fmt: skip
        for table, attribute, kind in _LISTS:
            query = select(table).order_by(table.c.resident_id, table.c.position)
            if by_id:
                query = query.where(table.c.resident_id.in_(list(found)))
            for values in (await self.session.execute(query)).mappings():
                resident = found.get(values["resident_id"])
                if resident is not None:
                    item = {k: v for k, v in values.items() if k not in ("resident_id", "position")}
                    getattr(resident, attribute).append(kind(**item))
        for row in rows:
            if not found[row.id].names:
                found[row.id].names = [Name(row.given_name, row.family_name)]
        return list(found.values())

    async def merged_into(self, survivor_id: uuid.UUID) -> list[Resident]:
        """The records merged into ``survivor_id`` (not followed)."""
        query = select(residents.c.id).where(residents.c.merged_into == survivor_id)
        found = [
            await self.get(rid, follow=False)
            for rid in (await self.session.execute(query)).scalars()
        ]
        return [resident for resident in found if resident is not None]

    async def find_by_contact(self, kind: str, value: str) -> Resident | None:
        """The resident holding this email address or phone number, if any."""
        table = resident_contact_points
        query = select(table.c.resident_id).where(table.c.kind == kind, table.c.value == value)
        resident_id = (await self.session.execute(query.limit(1))).scalar_one_or_none()
        return None if resident_id is None else await self.get(resident_id)

    async def email_taken(self, email: str) -> bool:
        query = select(residents.c.id).where(residents.c.email == email.lower())
        return (await self.session.execute(query)).first() is not None

    async def with_email(self, email: str) -> Resident | None:
        """The resident whose account email this is, if any."""
        query = select(residents.c.id).where(residents.c.email == email.lower())
        resident_id = (await self.session.execute(query.limit(1))).scalar_one_or_none()
        return None if resident_id is None else await self.get(resident_id)

    async def born_on(self, family_name: str, date_of_birth: date) -> list[uuid.UUID]:
        """Residents not erased with this family name, born on this day."""
        query = select(residents.c.id).where(
            residents.c.family_name == family_name,
            residents.c.date_of_birth == date_of_birth,
            residents.c.erased.is_(False),
        )
        return list((await self.session.execute(query)).scalars())

    async def identifier_owner(self, system: str, value: str) -> uuid.UUID | None:
        query = select(resident_identifiers.c.resident_id).where(
            resident_identifiers.c.system == system, resident_identifiers.c.value == value
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def _rows(self, table: Table, resident_id: uuid.UUID) -> list[dict[str, Any]]:
        query = select(table).where(table.c.resident_id == resident_id)
        if "position" in table.c:
            query = query.order_by(table.c.position)
        rows = (await self.session.execute(query)).mappings()
        skip = {"resident_id", "position"}
        return [{k: v for k, v in r.items() if k not in skip} for r in rows]

    async def _write_children(self, resident: Resident) -> None:
        for table, attribute, _ in _LISTS:
            items = getattr(resident, attribute)
            rows = [
                {"resident_id": resident.id, "position": i, **vars(v)} for i, v in enumerate(items)
            ]
            if rows:
                await self.session.execute(insert(table), rows)
        identifiers = [
            {"resident_id": resident.id, "system": s, "value": v}
            for s, v in sorted(resident.identifiers)
        ]
        if identifiers:
            await self.session.execute(insert(resident_identifiers), identifiers)
        consents = [{"resident_id": resident.id, "domain": d} for d in sorted(resident.consents)]
        if consents:
            await self.session.execute(insert(resident_consents), consents)


def _row(resident: Resident) -> dict[str, Any]:
    return {
        "given_name": resident.given_name,
        "family_name": resident.family_name,
        "date_of_birth": resident.date_of_birth,
        "email": resident.email,
        "preferred_language": resident.preferred_language,
        "loa": resident.loa,
        "erased": resident.erased,
        "password_hash": resident.password_hash,
        "merged_into": resident.merged_into,
        "ni_number": resident.ni_number,
    }
