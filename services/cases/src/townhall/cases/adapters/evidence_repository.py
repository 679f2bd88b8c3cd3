"""What cases' database records of evidence files (the files are the store's)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Row, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from townhall.cases.adapters.orm import case_evidence, evidence_removals
from townhall.cases.domain.evidence import Evidence
from townhall.runtime.db import insert_or_ignore

#: An erased file's name (its row stays: who added what, when).
ERASED = "[erased]"


class EvidenceRepository:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def count(self, case_id: uuid.UUID) -> int:
        """How many files the case has (erased ones no longer count)."""
        query = select(func.count()).where(
            case_evidence.c.case_id == case_id, case_evidence.c.sha256.is_not(None)
        )
        return int((await self.session.execute(query)).scalar_one())

    async def of_case(self, case_id: uuid.UUID) -> list[Evidence]:
        """The case's files, oldest first (an erased resident's are gone)."""
        query = (
            select(case_evidence)
            .where(case_evidence.c.case_id == case_id, case_evidence.c.sha256.is_not(None))
            .order_by(case_evidence.c.created_at, case_evidence.c.id)
        )
        return [_evidence(row) for row in (await self.session.execute(query)).all()]

    async def erase_of_case(self, case_id: uuid.UUID, now: datetime) -> None:
        """Forget the case's files: each row keeps who added what type when, loses its
        name and digest, and the digest is queued for the store to remove."""
        query = select(case_evidence.c.sha256).where(
            case_evidence.c.case_id == case_id, case_evidence.c.sha256.is_not(None)
        )
        digests = set((await self.session.execute(query)).scalars())
        await self.session.execute(
            update(case_evidence)
            .where(case_evidence.c.case_id == case_id, case_evidence.c.sha256.is_not(None))
            .values(filename=ERASED, sha256=None, erased_at=now)
        )
        for digest in sorted(digests):
            queued = {"sha256": digest, "queued_at": now}
            await self.session.execute(
                insert_or_ignore(self.session, evidence_removals).values(queued)
            )

    async def removals(self, limit: int) -> tuple[list[str], list[str]]:
        """Digests queued for removal: those no case's file uses any more, and those
        another case still uses (the same file added to it too), which stay."""
        query = (
            select(evidence_removals.c.sha256).order_by(evidence_removals.c.queued_at).limit(limit)
        )
        queued = list((await self.session.execute(query)).scalars())
        if not queued:
            return [], []
        used_query = select(case_evidence.c.sha256).where(case_evidence.c.sha256.in_(queued))
        used = set((await self.session.execute(used_query)).scalars())
        return [d for d in queued if d not in used], [d for d in queued if d in used]

    async def unqueue(self, digests: list[str]) -> None:
        """The store removed these files (or another case still uses them)."""
        if digests:
            await self.session.execute(
                delete(evidence_removals).where(evidence_removals.c.sha256.in_(digests))
            )


def _evidence(row: Row[Any]) -> Evidence:
    return Evidence(
        id=row.id,
        filename=row.filename,
        content_type=row.content_type,
        size_bytes=row.size_bytes,
        sha256=row.sha256,
        added_by=row.added_by,
        created_at=row.created_at,
    )
