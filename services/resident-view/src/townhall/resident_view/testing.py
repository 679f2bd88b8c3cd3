"""Helpers for resident-view's tests: entries and consents written straight to the store."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, insert
from sqlalchemy.ext.asyncio import AsyncSession

from townhall.resident_view.adapters.orm import access_audit, consents
from townhall.resident_view.adapters.orm import timeline_entries as t
from townhall.resident_view.projection.entries import entry
from townhall.schemas.envelope import Envelope, Sensitivity

BASE_TIME = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Spec:
    """What a generated entry varies in."""

    domain: str
    sensitivity: Sensitivity
    audience: str = "all"


def envelope(
    resident_id: str,
    spec: Spec,
    n: int,
    *,
    event_type: str = "townhall.cases.case.updated.v1",
    case_reference: str | None = None,
    source: str = "/townhall/cases",
) -> Envelope:
    data: dict[str, object] = {"n": n, "audience": spec.audience, "note": f"detail {n}"}
    if case_reference:
        data["case_reference"] = case_reference
    return Envelope(
        id=str(uuid.uuid4()),
        source=source,
        type=event_type,
        time=BASE_TIME + timedelta(minutes=n),
        subject=f"case/{n}",
        residentid=resident_id,
        correlationid="test",
        sensitivity=spec.sensitivity,
        domain=spec.domain,
        sequence=n + 1,
        data=data,
    )


async def reset(session: AsyncSession) -> None:
    for table in (t, consents):
        await session.execute(delete(table))


async def write(session: AsyncSession, envelopes: Sequence[Envelope], generation: int = 1) -> None:
    rows = [row for e in envelopes if (row := entry(e, generation))]
    if rows:
        await session.execute(insert(t), rows)


async def consent(
    session: AsyncSession, resident_id: str, domains: Sequence[str], generation: int = 1
) -> None:
    rows = [
        {"generation": generation, "resident_id": resident_id, "domain": d, "granted_at": BASE_TIME}
        for d in domains
    ]
    if rows:
        await session.execute(insert(consents), rows)


__all__ = ["BASE_TIME", "Spec", "access_audit", "consent", "envelope", "reset", "write"]
