"""A report whose match waited while identity was away, and whose reporter was erased
meanwhile, is blanked when identity answers ``erased`` (both stores, the real
repositories; identity's matcher faked as the other cases tests do)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import select

from townhall.cases.adapters.orm import cases
from townhall.cases.bootstrap import bootstrap
from townhall.cases.entrypoints.api.app import create
from townhall.cases.entrypoints.api.dependencies import services_of
from townhall.cases.fakes import FakeResidentMatcher
from townhall.cases.testing import envelopes, rows_holding, runtime_of, served, settings_for
from townhall.runtime.testkit.data_keys import FakeDataKeys
from townhall.runtime.testkit.tokens import TestIssuer

ERIN = uuid.uuid4()
PERSONAL = ("Erin", "Example", "erin@example.org", "07700 900789", "9 Shed Lane",
            "Rats under Erin's shed")  # fmt: skip
REPORT = {
    "service_code": "pest_control",
    "details": {"pest": "rats", "rooms_affected": 1},
    "description": "Rats under Erin's shed",
    "reporter": {"given_name": "Erin", "family_name": "Example", "email": "erin@example.org",
                 "phone": "07700 900789"},
    "location": {"address": "9 Shed Lane", "latitude": 51.5, "longitude": -0.12},
}  # fmt: skip


@pytest.fixture
def matcher() -> FakeResidentMatcher:
    return FakeResidentMatcher({"erin@example.org": ERIN})


@pytest.fixture
async def client(
    database_url: str, issuer: TestIssuer, matcher: FakeResidentMatcher, data_keys: FakeDataKeys
) -> AsyncIterator[httpx.AsyncClient]:
    services = bootstrap(settings_for(database_url, issuer), matcher=matcher, data_keys=data_keys)
    app = create(services=services)
    async with served(app) as http:
        yield http


async def test_a_report_pending_its_match_when_its_resident_is_erased_is_blanked(
    client: httpx.AsyncClient, matcher: FakeResidentMatcher
) -> None:
    matcher.unavailable = True
    created = await client.post("/cases", json=REPORT)
    assert created.status_code == 201, created.text
    reference = created.json()["reference"]
    matcher.erased["erin@example.org"] = datetime.now(UTC)  # Erin erased meanwhile
    matcher.unavailable = False

    services = services_of(client.app)  # type: ignore[attr-defined]
    assert await services.passes.retry_matches_once() == 0

    assert await rows_holding(client, *PERSONAL) == [], "nothing readable is left"
    async with runtime_of(client).sessions() as session:
        query = select(cases.c.resident_id, cases.c.match_due_at, cases.c.erased_at)
        row = (await session.execute(query.where(cases.c.reference == reference))).one()
    assert (row.resident_id, row.match_due_at) == (None, None), "nobody's, not asked again"
    assert row.erased_at is not None
    kinds = [e.type for e in await envelopes(client)]
    assert "townhall.cases.case.resident_matched.v1" not in kinds
    asked = len(matcher.asked)
    assert await services.passes.retry_matches_once() == 0
    assert len(matcher.asked) == asked
