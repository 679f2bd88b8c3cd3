"""Registering a resident over HTTP: officers and services only; the record and its
event commit together."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import func, select

from townhall.identity.adapters.orm import residents
from townhall.identity.testing import Harness, bearer
from townhall.runtime.service import ServiceRuntime
from townhall.runtime.tables import outbox
from townhall.schemas.envelope import Envelope

ADA_ID = "0f0c5cc6-0000-4000-8000-000000000001"
ADA = {"given_name": "Ada", "family_name": "Example", "email": "ada@example.org"}


@pytest.fixture
async def client(identity: Harness) -> httpx.AsyncClient:
    """Identity's client, as a service that matches records (and so may register)."""
    client = identity.http
    client.app = identity.app  # type: ignore[attr-defined]
    client.headers.update(bearer(await identity.service_token("cases", "residents:match")))
    return client


async def _counts(client: httpx.AsyncClient) -> tuple[int, int]:
    runtime: ServiceRuntime = client.app.state.runtime  # type: ignore[attr-defined]
    async with runtime.sessions() as session:
        people = (await session.execute(select(func.count()).select_from(residents))).scalar_one()
        events = (await session.execute(select(func.count()).select_from(outbox))).scalar_one()
    return people, events


async def test_registering_a_resident_writes_the_record_and_its_event_together(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/residents",
        json={"given_name": "Ada", "family_name": "Example", "email": "ada@example.org"},
        headers={"X-Correlation-ID": "journey-1"},
    )
    assert response.status_code == 201, response.text
    resident_id = response.json()["id"]
    assert response.headers["Location"] == f"/residents/{resident_id}"
    runtime: ServiceRuntime = client.app.state.runtime  # type: ignore[attr-defined]
    async with runtime.sessions() as session:
        row = (await session.execute(select(outbox.c.envelope))).scalar_one()
    envelope = Envelope.model_validate_json(row)
    assert envelope.type == "townhall.identity.resident.registered.v1"
    assert envelope.residentid == resident_id
    assert envelope.correlationid == "journey-1"
    assert envelope.sequence == 1
    assert "Ada" not in row, "no personal data travels in this event"


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"{not json", 400),
        (b'{"given_name": "Ada"}', 422),
        (b'{"given_name": "", "family_name": "Example"}', 422),
        (b'{"given_name": "Ada", "family_name": "Example", "email": "not-an-email"}', 422),
        (b'{"given_name": "Ada", "family_name": "Example", "date_of_birth": "2999-01-01"}', 422),
        (b'{"given_name": "Ada", "family_name": "Example", "channel": "pigeon"}', 422),
        (b'{"given_name": "Ada", "family_name": "Example", "admin": true}', 422),
        (b"[]", 422),
    ],
)
async def test_bad_registrations_get_a_problem_and_change_nothing(
    client: httpx.AsyncClient, body: bytes, status: int
) -> None:
    response = await client.post(
        "/residents", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == status
    assert await _counts(client) == (0, 0)


async def test_residents_are_registered_by_officers_and_services_never_anonymously(
    identity: Harness,
) -> None:
    contact = await identity.officer_token("cc@example.org", ("contact_centre", "personal"))
    waste = await identity.officer_token("waste@example.org", ("waste", "personal"))
    no_scope = await identity.service_token("resident-view", "pii:read")
    resident = (await identity.services.tokens.issue(ADA_ID, "resident", loa=2)).access_token
    statuses = {
        name: (await identity.http.post("/residents", json=ADA, headers=headers)).status_code
        for name, headers in {
            "anonymous": {},
            "resident": bearer(resident),
            "officer without a record role": bearer(waste),
            "service without residents:match": bearer(no_scope),
        }.items()
    }
    assert statuses == {
        "anonymous": 401,
        "resident": 403,
        "officer without a record role": 403,
        "service without residents:match": 403,
    }
    assert await identity.count(residents) == 0
    created = await identity.http.post("/residents", json=ADA, headers=bearer(contact))
    assert created.status_code == 201, created.text


async def test_a_second_registration_with_the_same_email_is_refused(
    client: httpx.AsyncClient,
) -> None:
    assert (await client.post("/residents", json=ADA)).status_code == 201
    again = await client.post("/residents", json={**ADA, "email": "ADA@example.org"})
    assert again.status_code == 409
    assert again.json()["title"] == "Already registered"
    assert await _counts(client) == (1, 1)
