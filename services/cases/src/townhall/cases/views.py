"""Read-side SQL. The permission filter is part of each query, not applied afterwards."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import and_, not_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from townhall.cases.adapters.evidence_repository import EvidenceRepository
from townhall.cases.adapters.orm import case_notes, cases
from townhall.cases.domain.catalogue import FINISHED_STATES, Catalogue
from townhall.cases.domain.commands import Actor
from townhall.cases.domain.evidence import Evidence
from townhall.cases.service_layer.permissions import audience, resident_id_of, resident_level


async def case_view(
    session: AsyncSession, catalogue: Catalogue, reference: str, viewer: Actor
) -> dict[str, Any] | None:
    """The case as ``viewer`` may see it, or None when it is not theirs to see (the same
    answer as for a case that does not exist).

    Everyone who sees it at all: status, dates, public updates (officers' names as
    "council") and whether who reported it is only a claim. Its resident at their level
    (once they have confirmed a claim), and service clients: also the details and
    description given. Officers of its area: everything, internal notes included.
    """
    row = (await session.execute(select(cases).where(cases.c.reference == reference))).first()
    service_type = catalogue.get(row.service_code) if row else None
    if row is None or service_type is None:
        return None
    pending = row.reporter_claimed and row.reporter_confirmed_at is None
    seen_as = audience(viewer, service_type, row.resident_id, claim_pending=pending)
    if seen_as is None:
        return None
    officer = seen_as == "officer"
    notes = select(case_notes).where(case_notes.c.case_id == row.id)
    notes = notes.where(true() if officer else case_notes.c.public.is_(True))
    updates = (await session.execute(notes.order_by(case_notes.c.created_at))).all()
    view: dict[str, Any] = {
        "reference": row.reference,
        "service_code": row.service_code,
        "service_name": service_type.name,
        "status": row.status,
        "submitted_at": row.created_at,
        "updated_at": row.updated_at,
        "due_at": row.due_at,
        "allowed_transitions": sorted(service_type.lifecycle.transitions.get(row.status, ())),
        "updates": [_update(n, officer) for n in updates],
        "reporter_claimed": row.reporter_claimed,
        "reporter_confirmed_at": row.reporter_confirmed_at,
    }
    if seen_as not in ("tracker", "claimant"):
        view |= {"details": row.details, "description": row.description}
        view |= {"resident_id": row.resident_id, "team": row.team}
    if officer:
        view |= {"officer": row.officer, "breached_at": row.breached_at}
    return view


@dataclass(frozen=True)
class CaseEvidence:
    """A case's files as one viewer may see them, and whether its type asks for any and
    its resident may still add them (the request is open)."""

    items: list[Evidence]
    evidence_required: bool
    open: bool


async def evidence_view(
    session: AsyncSession, catalogue: Catalogue, reference: str, viewer: Actor
) -> CaseEvidence | None:
    """The case's evidence files, to whoever may read the case (None: not theirs to
    see, the same answer as for a case that does not exist). Who added each names an
    officer only to officers and services; its resident reads ``council`` for it, as
    for a public update's author."""
    row = (await session.execute(select(cases).where(cases.c.reference == reference))).first()
    service_type = catalogue.get(row.service_code) if row else None
    if row is None or service_type is None:
        return None
    pending = row.reporter_claimed and row.reporter_confirmed_at is None
    seen_as = audience(viewer, service_type, row.resident_id, claim_pending=pending)
    if seen_as is None:
        return None
    found = await EvidenceRepository(session).of_case(row.id)
    if seen_as not in ("officer", "service"):
        found = [replace(e, added_by=_in_public(e.added_by)) for e in found]
    return CaseEvidence(found, service_type.evidence_required, row.status not in FINISHED_STATES)


def _in_public(added_by: str) -> str:
    return added_by if added_by.startswith("resident:") else "council"


def _update(note: Any, officer: bool) -> dict[str, Any]:
    author = note.author if officer or not note.author.startswith("officer:") else "council"
    created: datetime = note.created_at
    return {"text": note.text, "author": author, "created_at": created, "public": note.public}


async def own_cases(
    session: AsyncSession, catalogue: Catalogue, resident: Actor, limit: int
) -> list[dict[str, Any]]:
    """A resident's own requests, newest first, as each one's page shows them to them.

    Only requests matched to them that are theirs (a claim they have not confirmed is
    not yet), and only of the types their level of assurance may see in full (special
    category needs ``VERIFIED``): the filter is the query's, so a limit counts only
    what is shown. Internal notes and officers' fields are never part of it.
    """
    resident_id = resident_id_of(resident)
    visible = [t.code for t in catalogue if resident.loa >= resident_level(t)]
    claim_pending = and_(
        cases.c.reporter_claimed.is_(True), cases.c.reporter_confirmed_at.is_(None)
    )
    query = (
        select(cases)
        .where(cases.c.resident_id == resident_id)
        .where(cases.c.erased_at.is_(None))
        .where(cases.c.service_code.in_(visible))
        .where(not_(claim_pending))
        .order_by(cases.c.created_at.desc(), cases.c.reference.desc())
        .limit(limit)
    )
    rows = (await session.execute(query)).all()
    return [_own(row, catalogue) for row in rows]


def _own(row: Any, catalogue: Catalogue) -> dict[str, Any]:
    service_type = catalogue.get(row.service_code)
    return {
        "reference": row.reference,
        "service_code": row.service_code,
        "service_name": service_type.name if service_type else row.service_code,
        "status": row.status,
        "channel": row.channel,
        "submitted_at": row.created_at,
        "updated_at": row.updated_at,
        "due_at": row.due_at,
        "details": row.details,
        "description": row.description,
        "address": row.address,
    }
