"""Erasure reaches cases: identity's resident.erased, consumed on the real embedded broker,
blanks what cases holds of the resident on both stores; the record of work stays."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import select

from townhall.cases.adapters.orm import cases, erased_residents
from townhall.cases.testing import bearer, envelopes, rows_holding, runtime_of
from townhall.runtime.settings import KafkaSettings
from townhall.runtime.tables import dead_letters
from townhall.runtime.testkit.topics import publish
from townhall.runtime.testkit.waiting import eventually
from townhall.schemas.envelope import Envelope, Sensitivity
from townhall.schemas.events.identity import ResidentErased

pytestmark = pytest.mark.broker

PERSONAL = (
    "Grace",
    "Hopper",
    "grace@example.org",
    "07700 900456",
    "7 Cobol Close",
    "100023336999",
    "51.4321",
    "Rats nesting under Grace's shed",
    "her dog is called Bug",
)
REPORT = {
    "service_code": "pest_control",
    "details": {"pest": "rats", "rooms_affected": 3, "notes": "her dog is called Bug"},
    "description": "Rats nesting under Grace's shed",
    "reporter": {
        "given_name": "Grace",
        "family_name": "Hopper",
        "email": "grace@example.org",
        "phone": "07700 900456",
    },
    "location": {
        "address": "7 Cobol Close",
        "uprn": "100023336999",
        "latitude": 51.4321,
        "longitude": -0.1,
    },
}


def _erased(resident_id: str) -> Envelope:
    contract = ResidentErased(resident_id=uuid.UUID(resident_id))
    return Envelope(
        id=str(uuid.uuid4()),
        source="/townhall/identity",
        type=contract.TYPE,
        time=datetime.now(UTC),
        subject=f"resident/{resident_id}",
        residentid=resident_id,
        correlationid="erasure-1",
        sensitivity=Sensitivity.PERSONAL,
        domain="identity",
        sequence=1,
        data=contract.model_dump(mode="json"),
    )


async def _erased_at(client: httpx.AsyncClient, reference: str) -> datetime | None:
    async with runtime_of(client).sessions() as session:
        query = select(cases.c.erased_at).where(cases.c.reference == reference)
        found: datetime | None = (await session.execute(query)).scalar_one()
        return found


async def _erasure_recorded(client: httpx.AsyncClient, resident_id: str) -> bool:
    async with runtime_of(client).sessions() as session:
        query = select(erased_residents).where(
            erased_residents.c.resident_id == uuid.UUID(resident_id)
        )
        return (await session.execute(query)).first() is not None


async def _dead_letters(client: httpx.AsyncClient) -> list[object]:
    async with runtime_of(client).sessions() as session:
        return list((await session.execute(select(dead_letters))).all())


async def test_an_erased_residents_cases_keep_the_record_of_work_and_nothing_personal(
    live: httpx.AsyncClient, kafka_settings: KafkaSettings
) -> None:
    issuer = live.issuer  # type: ignore[attr-defined]
    grace = str(uuid.uuid4())
    created = await live.post("/cases", json=REPORT, headers=bearer(issuer.resident(grace)))
    assert created.status_code == 201, created.text
    reference = created.json()["reference"]
    officer = bearer(issuer.officer(("pest_control", "personal")))
    note = await live.post(
        f"/cases/{reference}/notes", json={"text": "Spoke to her about Bug"}, headers=officer
    )
    assert note.status_code == 201
    assert await rows_holding(live, *PERSONAL), "the sweep finds what is there"

    erasure = _erased(grace)
    await publish(kafka_settings, "identity.events", erasure, erasure)  # delivered twice
    await eventually(lambda: _erased_at(live, reference), lambda at: at is not None)

    assert await rows_holding(live, *PERSONAL) == [], "events never carried any of it"
    assert await rows_holding(live, "Spoke to her") == ["th_outbox: Spoke to her"], (
        "the officer's words are blanked in the case; the event that published them is "
        "not cases' to rewrite (see README: officers' free text in events)"
    )
    seen = (await live.get(f"/cases/{reference}", headers=officer)).json()
    assert (seen["reference"], seen["status"]) == (reference, "awaiting_payment")
    assert seen["due_at"] and seen["details"] == {"pest": "rats"} and seen["description"] == ""
    assert [u["text"] for u in seen["updates"]] == ["[erased]"]

    moved = await live.post(
        f"/cases/{reference}/transitions", json={"to": "cancelled"}, headers=officer
    )
    assert moved.status_code == 200, "the council still works the case"
    assert await rows_holding(live, *PERSONAL) == [], "nor in anything published since"
    assert (await envelopes(live))[-1].residentid == grace
    assert await _dead_letters(live) == []


async def test_an_erasure_that_arrives_before_the_case_still_blanks_it(
    live: httpx.AsyncClient, kafka_settings: KafkaSettings
) -> None:
    issuer = live.issuer  # type: ignore[attr-defined]
    grace = str(uuid.uuid4())
    await publish(kafka_settings, "identity.events", _erased(grace))
    await eventually(lambda: _erasure_recorded(live, grace), bool)

    late = await live.post("/cases", json=REPORT, headers=bearer(issuer.resident(grace)))

    assert late.status_code == 201, late.text
    assert await _erased_at(live, late.json()["reference"]) is not None
    assert await rows_holding(live, *PERSONAL) == []
