"""Registering a resident over HTTP: the record and its event commit together."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import func, select

from townhall.identity.adapters.orm import residents
from townhall.identity.testing import Harness
from townhall.runtime.service import ServiceRuntime
from townhall.runtime.tables import outbox
from townhall.schemas.envelope import Envelope


@pytest.fixture
def client(identity: Harness) -> httpx.AsyncClient:
    client = identity.http
    client.app = identity.app  # type: ignore[attr-defined]
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


async def test_a_second_registration_with_the_same_email_is_refused(
    client: httpx.AsyncClient,
) -> None:
    body = {"given_name": "Ada", "family_name": "Example", "email": "ada@example.org"}
    assert (await client.post("/residents", json=body)).status_code == 201
    again = await client.post("/residents", json={**body, "email": "ADA@example.org"})
    assert again.status_code == 409
    assert again.json()["title"] == "Already registered"
    assert await _counts(client) == (1, 1)
