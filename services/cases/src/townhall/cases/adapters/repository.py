"""Cases and contacts in the cases database."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from townhall.cases.adapters.orm import (
    case_attachments,
    case_evidence,
    case_notes,
    cases,
    contacts,
    erased_residents,
    open311_tokens,
    reference_counters,
)
from townhall.cases.domain.catalogue import Catalogue
from townhall.cases.domain.commands import Location, Reporter
from townhall.cases.domain.contacts import Contact
from townhall.cases.domain.exceptions import ConcurrentUpdateError
from townhall.cases.domain.model import Case
from townhall.runtime.db import insert_or_ignore

#: What erased free text becomes (kept non-empty: the columns say something was there).
ERASED = "[erased]"


class CaseRepository:
    def __init__(self, session: AsyncSession, catalogue: Catalogue):
        self.session = session
        self.catalogue = catalogue
        #: Aggregates touched in this unit of work, whose events it will collect.
        self.seen: list[Case] = []

    async def next_number(self, prefix: str, year: int) -> int:
        """The next reference number for ``prefix`` in ``year`` (gapless per transaction)."""
        await self.session.execute(
            insert_or_ignore(self.session, reference_counters).values(
                prefix=prefix, year=year, value=0
            )
        )
        result = await self.session.execute(
            update(reference_counters)
            .where(reference_counters.c.prefix == prefix, reference_counters.c.year == year)
            .values(value=reference_counters.c.value + 1)
            .returning(reference_counters.c.value)
        )
        return int(result.scalar_one())

    async def add(self, case: Case) -> None:
        await self.session.execute(insert(cases).values(**_row(case), version=1))
        case.version = 1
        await self._insert_children(case)
        self.seen.append(case)

    async def add_token(self, case_id: uuid.UUID) -> str:
        token = secrets.token_urlsafe(16)
        await self.session.execute(insert(open311_tokens).values(token=token, case_id=case_id))
        return token

    async def save(self, case: Case) -> None:
        """Write a changed case back, refusing if someone else changed it meanwhile."""
        result = await self.session.execute(
            update(cases)
            .where(cases.c.id == case.id, cases.c.version == case.version)
            .values(**_row(case), version=case.version + 1)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise ConcurrentUpdateError(case.reference)
        case.version += 1
        await self._insert_children(case)
        if case not in self.seen:
            self.seen.append(case)

    async def get(self, reference: str) -> Case | None:
        query = select(cases).where(cases.c.reference == reference)
        row = (await self.session.execute(query)).one_or_none()
        return None if row is None else self._case(row)

    async def get_by_id(self, case_id: uuid.UUID) -> Case | None:
        row = (await self.session.execute(select(cases).where(cases.c.id == case_id))).one_or_none()
        return None if row is None else self._case(row)

    async def of_resident(self, resident_id: uuid.UUID) -> list[Case]:
        """The resident's cases whose personal data is not yet erased."""
        query = (
            select(cases)
            .where(cases.c.resident_id == resident_id, cases.c.erased_at.is_(None))
            .order_by(cases.c.created_at)
        )
        return [self._case(row) for row in (await self.session.execute(query)).all()]

    async def of_erased_residents(self, limit: int) -> list[Case]:
        """Cases of residents identity erased whose personal data is not yet erased."""
        erased = select(erased_residents.c.resident_id)
        query = (
            select(cases)
            .where(cases.c.resident_id.in_(erased), cases.c.erased_at.is_(None))
            .order_by(cases.c.created_at)
            .limit(limit)
        )
        return [self._case(row) for row in (await self.session.execute(query)).all()]

    async def blank_children(self, case: Case) -> None:
        """Blank what officers wrote on an erased case (notes may name or describe its
        resident) and the file names of attachments recorded before evidence replaced
        them; who wrote them and when stay."""
        await self.session.execute(
            update(case_notes).where(case_notes.c.case_id == case.id).values(text=ERASED)
        )
        await self.session.execute(
            update(case_attachments)
            .where(case_attachments.c.case_id == case.id)
            .values(filename=ERASED)
        )

    async def overdue(self, now: datetime, finished: Sequence[str], limit: int) -> list[Case]:
        query = (
            select(cases)
            .where(cases.c.due_at <= now, cases.c.breached_at.is_(None))
            .where(cases.c.status.not_in(list(finished)))
            .order_by(cases.c.due_at)
            .limit(limit)
        )
        return [self._case(row) for row in (await self.session.execute(query)).all()]

    async def awaiting_match(self, now: datetime, limit: int) -> list[Case]:
        """Cases whose resident identity could not say, due to be asked about again."""
        query = (
            select(cases)
            .where(cases.c.match_due_at <= now)
            .order_by(cases.c.match_due_at)
            .limit(limit)
        )
        return [self._case(row) for row in (await self.session.execute(query)).all()]

    async def _insert_children(self, case: Case) -> None:
        if case.new_notes:
            await self.session.execute(
                insert(case_notes),
                [{**vars(n), "case_id": case.id} for n in case.new_notes],
            )
            case.new_notes.clear()
        if case.new_evidence:
            await self.session.execute(
                insert(case_evidence),
                [{**vars(e), "case_id": case.id} for e in case.new_evidence],
            )
            case.new_evidence.clear()

    def _case(self, row: Row[Any]) -> Case:
        service_type = self.catalogue.get(row.service_code)
        if service_type is None:
            raise LookupError(f"case {row.reference} has unknown service type {row.service_code}")
        location = None
        where = (row.latitude, row.longitude, row.address, row.uprn, row.postcode)
        if any(v is not None for v in where):
            location = Location(*where)
        return Case(
            id=row.id,
            reference=row.reference,
            service_type=service_type,
            status=row.status,
            channel=row.channel,
            details=dict(row.details),
            description=row.description,
            created_at=row.created_at,
            due_at=row.due_at,
            resident_id=row.resident_id,
            reporter=Reporter(row.given_name, row.family_name, row.email, row.phone),
            location=location,
            team=row.team,
            officer=row.officer,
            breached_at=row.breached_at,
            updated_at=row.updated_at,
            reporter_claimed=row.reporter_claimed,
            reporter_confirmed_at=row.reporter_confirmed_at,
            erased_at=row.erased_at,
            match_due_at=row.match_due_at,
            match_attempts=row.match_attempts,
            version=row.version,
        )


def _row(case: Case) -> dict[str, Any]:
    location = case.location or Location()
    return {
        "id": case.id,
        "reference": case.reference,
        "service_code": case.service_type.code,
        "status": case.status,
        "channel": case.channel,
        "resident_id": case.resident_id,
        "given_name": case.reporter.given_name,
        "family_name": case.reporter.family_name,
        "email": case.reporter.email,
        "phone": case.reporter.phone,
        "latitude": location.latitude,
        "longitude": location.longitude,
        "address": location.address,
        "uprn": location.uprn,
        "postcode": location.postcode,
        "description": case.description,
        "details": case.details,
        "team": case.team,
        "officer": case.officer,
        "created_at": case.created_at,
        "updated_at": case.updated_at or case.created_at,
        "due_at": case.due_at,
        "breached_at": case.breached_at,
        "reporter_claimed": case.reporter_claimed,
        "reporter_confirmed_at": case.reporter_confirmed_at,
        "erased_at": case.erased_at,
        "match_due_at": case.match_due_at,
        "match_attempts": case.match_attempts,
    }


class ErasureRepository:
    """The residents identity erased, kept so that their cases arriving later are
    blanked too (events from different topics arrive in no particular order)."""

    def __init__(self, session: AsyncSession):
        self.session = session

    async def add(self, resident_id: uuid.UUID, now: datetime) -> None:
        """Record the erasure (once: a second one changes nothing)."""
        row = {"resident_id": resident_id, "erased_at": now}
        await self.session.execute(insert_or_ignore(self.session, erased_residents).values(row))

    async def contains(self, resident_id: uuid.UUID) -> bool:
        query = select(erased_residents.c.resident_id).where(
            erased_residents.c.resident_id == resident_id
        )
        return (await self.session.execute(query)).first() is not None


class ContactRepository:
    def __init__(self, session: AsyncSession):
        self.session = session
        self.seen: list[Contact] = []

    async def add(self, contact: Contact) -> None:
        row = {k: v for k, v in vars(contact).items() if k != "events"}
        await self.session.execute(insert(contacts).values(**row))
        self.seen.append(contact)
