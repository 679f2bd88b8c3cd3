"""A resident's own requests (``GET /residents/me/cases``): "my requests" in the front
door and cases' part of a subject access export. Only the caller's own, newest first;
a report in their name that they have not confirmed is not theirs yet."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest

from townhall.cases.bootstrap import bootstrap
from townhall.cases.entrypoints.api.app import create
from townhall.cases.fakes import FakeResidentMatcher
from townhall.cases.testing import MISSED_BIN, PEST_CONTROL, bearer, counts, served, settings_for
from townhall.runtime.testkit.data_keys import FakeDataKeys
from townhall.runtime.testkit.tokens import TestIssuer

ADA = uuid.uuid4()
ADA_GIVEN = {"given_name": "Ada", "family_name": "Example", "email": "ada@example.org"}
MINE = "/residents/me/cases"


@pytest.fixture
async def client(
    database_url: str, issuer: TestIssuer, data_keys: FakeDataKeys
) -> AsyncIterator[httpx.AsyncClient]:
    matcher = FakeResidentMatcher({"ada@example.org": ADA})
    services = bootstrap(settings_for(database_url, issuer), matcher=matcher, data_keys=data_keys)
    app = create(services=services)
    async with served(app) as http:
        yield http


async def _report(client: httpx.AsyncClient, case: dict[str, object], token: str | None) -> str:
    headers = bearer(token) if token else {}
    created = await client.post("/cases", json=case, headers=headers)
    assert created.status_code == 201, created.text
    return str(created.json()["reference"])


async def test_a_resident_lists_their_own_requests_newest_first_and_nobody_elses(
    client: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    me, someone = str(uuid.uuid4()), str(uuid.uuid4())
    first = await _report(client, PEST_CONTROL, issuer.resident(me))
    second = await _report(client, MISSED_BIN, issuer.resident(me))
    await _report(client, MISSED_BIN, issuer.resident(someone))

    listed = await client.get(MINE, headers=bearer(issuer.resident(me)))

    assert listed.status_code == 200, listed.text
    assert [c["reference"] for c in listed.json()] == [second, first]
    pest = listed.json()[1]
    assert pest["service_name"] and pest["status"] == "awaiting_payment"
    assert pest["details"] == PEST_CONTROL["details"]
    assert "officer" not in pest and "team" not in pest, "nothing of officers'"


async def test_a_report_in_their_name_is_listed_only_once_they_confirm_it(
    client: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    claimed = await _report(client, {**MISSED_BIN, "reporter": ADA_GIVEN}, None)
    ada = bearer(issuer.resident(str(ADA)))
    assert (await client.get(MINE, headers=ada)).json() == []

    confirmed = await client.post(f"/cases/{claimed}/confirm", headers=ada)
    assert confirmed.status_code == 200, confirmed.text

    assert [c["reference"] for c in (await client.get(MINE, headers=ada)).json()] == [claimed]


async def test_the_limit_is_kept_and_a_bad_limit_is_a_problem_that_changes_nothing(
    client: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    me = issuer.resident(str(uuid.uuid4()))
    for _ in range(3):
        await _report(client, MISSED_BIN, me)
    before = await counts(client)

    assert len((await client.get(MINE, params={"limit": 2}, headers=bearer(me))).json()) == 2
    for bad in ("0", "501", "many"):
        refused = await client.get(MINE, params={"limit": bad}, headers=bearer(me))
        assert refused.status_code == 422
        assert refused.headers["content-type"].startswith("application/problem+json")
    assert await counts(client) == before


async def test_a_tracking_token_or_an_officer_has_no_list_of_mine(
    client: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    me = str(uuid.uuid4())
    reference = await _report(client, MISSED_BIN, issuer.resident(me))
    for token in (issuer.tracking(me, reference), issuer.officer(("waste", "personal"))):
        assert (await client.get(MINE, headers=bearer(token))).status_code == 403
    assert (await client.get(MINE)).status_code == 401
