"""Erasure leaves nothing of the resident readable in resident-view's database.

A resident with a history here (identity's sealed record, requests and contacts whose
free text names them, searches, reads and tracking look-ups by officers, consent) is
erased; then a late event about them arrives from another service. A sweep of every
table, every column, finds none of their name, email, phone or address — and finds
them before the erasure, so the sweep can see what it looks for.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import AsyncSession

from townhall.resident_view.testing_identity import Searchable
from townhall.schemas.envelope import Envelope
from townhall.schemas.events import cases, identity
from townhall.schemas.events.base import DomainEvent

GIVEN, FAMILY = "Philippa", "Quennell-Auberon"
EMAIL, PHONE = "philippa.qa@example.org", "01632 960123"
STREET, POSTCODE = "17 Marlowe Crescent", "SW1A 2BB"
PERSONAL = (GIVEN, "Quennell", EMAIL, PHONE, PHONE.replace(" ", ""), STREET, POSTCODE)
START = datetime(2026, 11, 4, 9, 0, tzinfo=UTC)


def published(event: DomainEvent, minute: int) -> Envelope:
    return event.to_envelope(
        sequence=minute + 1, time=START + timedelta(minutes=minute), correlation_id="erasure"
    )


def history(resident: str, reference: str) -> list[Envelope]:
    """What cases published about the resident, its free text naming them."""
    case = {
        "case_id": uuid.uuid4(),
        "reference": reference,
        "service_code": "missed_bin",
        "resident_id": uuid.UUID(resident),
        "domain": "waste",
        "sensitivity": "personal",
    }
    return [
        published(
            cases.CaseSubmitted(
                **case,
                status="submitted",
                channel="phone",
                submitted_by="officer",
                due_at=START + timedelta(days=2),
            ),
            1,
        ),
        published(
            cases.CaseUpdatePosted(
                **case,
                note_id=uuid.uuid4(),
                text=f"Crew will call at {STREET}, {POSTCODE} for {GIVEN} {FAMILY}",
                author="officer:1",
            ),
            2,
        ),
        published(
            cases.ContactLogged(
                contact_id=uuid.uuid4(),
                resident_id=uuid.UUID(resident),
                case_reference=reference,
                channel="phone",
                reason=f"rang from {PHONE} about the bin",
                outcome="told the date",
                duration_seconds=120,
                failure_demand=True,
                officer="officer:1",
                domain="waste",
                sensitivity="personal",
            ),
            3,
        ),
    ]


async def readable(session: AsyncSession) -> dict[str, list[str]]:
    """table → the personal values found readable in any of its columns."""
    connection = await session.connection()
    tables = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
    found: dict[str, list[str]] = {}
    for table in sorted(tables):
        rows = (await session.execute(text(f'SELECT * FROM "{table}"'))).all()
        cells = " ".join(_text(value) for row in rows for value in row).lower()
        hits = [value for value in PERSONAL if value.lower() in cells]
        if hits:
            found[table] = hits
    return found


def _text(value: Any) -> str:
    if isinstance(value, bytes | memoryview):
        return bytes(value).decode("utf-8", "replace")
    return str(value)


async def test_after_erasure_nothing_of_the_resident_is_readable_in_any_table(
    searchable: Searchable,
) -> None:
    env = searchable
    resident, reference = str(uuid.uuid4()), "MB-2026-000777"
    officer = env.issuer.officer(("waste", "personal"))
    await env.project(
        env.identity.registered(resident, GIVEN, FAMILY, email=EMAIL, phone=PHONE),
        env.identity.moved(resident, [_address()]),
        env.identity.envelope(identity.ConsentGranted(resident_id=uuid.UUID(resident), domain="*")),
        *history(resident, reference),
    )
    await env.search(officer, name=f"{GIVEN} {FAMILY}", purpose="caller about a missed bin")
    await env.search(officer, email=EMAIL, purpose="caller about a missed bin")
    await env.get(f"/residents/{resident}/timeline", officer, purpose="caller about a bin")
    await env.get(f"/tracking/{reference}", officer, purpose="caller about a bin")
    async with env.runtime.sessions() as session:
        before = await readable(session)

    await env.project(env.identity.erased(resident))
    late = cases.CaseUpdatePosted(
        case_id=uuid.uuid4(),
        reference=reference,
        service_code="missed_bin",
        resident_id=uuid.UUID(resident),
        domain="waste",
        sensitivity="personal",
        note_id=uuid.uuid4(),
        text=f"Emailed {EMAIL} to say it is done",
        author="officer:1",
    )
    await env.project(published(late, 9))  # cases' topic, read after identity's
    async with env.runtime.sessions() as session:
        after = await readable(session)

    assert {"residents", "search_terms", "timeline_entries"} <= set(before)
    assert after == {}


def _address() -> dict[str, Any]:
    return {
        "line1": STREET,
        "line2": None,
        "town": "Townhall",
        "postcode": POSTCODE,
        "uprn": None,
        "moved_in": None,
        "moved_out": None,
    }
