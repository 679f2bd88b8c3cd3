"""Who reported a case: the resident's own act, or only a claim until they confirm it.

An anonymous reporter's name and email are matched to a resident by identity, but
they prove nothing: the case is marked ``reporter_claimed`` and is not the resident's
own until they confirm it (``POST /cases/{reference}/confirm``).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest

from townhall.cases.bootstrap import bootstrap
from townhall.cases.entrypoints.api.app import create
from townhall.cases.fakes import FakeResidentMatcher
from townhall.cases.testing import (
    API_KEY,
    MISSED_BIN,
    bearer,
    counts,
    envelopes,
    served,
    settings_for,
)
from townhall.runtime.testkit.data_keys import FakeDataKeys
from townhall.runtime.testkit.tokens import TestIssuer

ADA = uuid.uuid4()
ADA_GIVEN = {"given_name": "Ada", "family_name": "Example", "email": "ada@example.org"}
ADA_REPORTS = {**MISSED_BIN, "reporter": ADA_GIVEN}
SUBMITTED = "townhall.cases.case.submitted.v1"
CONFIRMED = "townhall.cases.case.reporter_confirmed.v1"


@pytest.fixture
def matcher() -> FakeResidentMatcher:
    return FakeResidentMatcher({"ada@example.org": ADA})


@pytest.fixture
async def client(
    database_url: str, issuer: TestIssuer, matcher: FakeResidentMatcher, data_keys: FakeDataKeys
) -> AsyncIterator[httpx.AsyncClient]:
    services = bootstrap(settings_for(database_url, issuer), matcher=matcher, data_keys=data_keys)
    app = create(services=services)
    async with served(app) as http:
        yield http


async def _claimed_case(client: httpx.AsyncClient) -> str:
    created = await client.post("/cases", json=ADA_REPORTS)
    assert created.status_code == 201, created.text
    return str(created.json()["reference"])


async def test_an_anonymous_report_in_someones_name_is_only_a_claim(
    client: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    reference = await _claimed_case(client)

    [submitted] = [e for e in await envelopes(client) if e.type == SUBMITTED]
    assert submitted.residentid == str(ADA), "matched by identity"
    assert submitted.data["reporter_claimed"] is True
    as_ada = await client.get(f"/cases/{reference}", headers=bearer(issuer.resident(str(ADA))))
    assert as_ada.json()["reporter_claimed"] is True
    assert "details" not in as_ada.json(), "not hers until she confirms it"


async def test_a_signed_in_report_is_the_residents_own_whatever_names_it_gives(
    client: httpx.AsyncClient, issuer: TestIssuer, matcher: FakeResidentMatcher
) -> None:
    me = str(uuid.uuid4())
    for token in (issuer.resident(me), issuer.token(me, "resident", loa=0)):
        created = await client.post("/cases", json=ADA_REPORTS, headers=bearer(token))
        assert created.status_code == 201, created.text

    submitted = [e for e in await envelopes(client) if e.type == SUBMITTED]
    assert [(e.residentid, e.data["reporter_claimed"]) for e in submitted] == [(me, False)] * 2
    assert matcher.asked == [], "a signed-in resident is not matched by what they typed"


@pytest.mark.parametrize("who", ["a resident", "an anonymous caller", "a tracking token"])
async def test_naming_a_resident_id_is_refused_unless_officer_or_service_and_stores_nothing(
    client: httpx.AsyncClient, issuer: TestIssuer, matcher: FakeResidentMatcher, who: str
) -> None:
    me = str(uuid.uuid4())
    headers = {
        "a resident": bearer(issuer.resident(me)),
        "an anonymous caller": {},
        "a tracking token": bearer(issuer.token(me, "resident", loa=0)),
    }[who]
    for named in (str(ADA), me):
        body = {**ADA_REPORTS, "resident_id": named}
        refused = await client.post("/cases", json=body, headers=headers)
        assert refused.status_code == 403, refused.text
        assert "resident_id" in refused.json()["detail"]

    assert set((await counts(client)).values()) == {0}
    assert matcher.asked == [], "identity is not even asked"


async def test_officers_and_service_clients_name_the_resident_and_it_is_no_claim(
    client: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    officer = bearer(issuer.officer(("waste", "personal")))
    service = bearer(issuer.service("web", "cases:write"))
    for headers in (officer, service):
        body = {**MISSED_BIN, "reporter": {}, "resident_id": str(ADA), "channel": "phone"}
        created = await client.post("/cases", json=body, headers=headers)
        assert created.status_code == 201, created.text

    submitted = [e for e in await envelopes(client) if e.type == SUBMITTED]
    assert [(e.residentid, e.data["reporter_claimed"]) for e in submitted] == [
        (str(ADA), False)
    ] * 2


async def test_the_resident_confirms_a_claim_once_however_often_they_ask(
    client: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    reference = await _claimed_case(client)
    ada = bearer(issuer.resident(str(ADA)))
    cancel = {"to": "cancelled"}
    before = await client.post(f"/cases/{reference}/transitions", json=cancel, headers=ada)
    assert before.status_code == 403, "a claim is not hers to cancel until she confirms it"

    answers = [await client.post(f"/cases/{reference}/confirm", headers=ada) for _ in range(2)]

    assert [a.status_code for a in answers] == [200, 200]
    assert answers[0].json() == answers[1].json()
    confirmed = [e for e in await envelopes(client) if e.type == CONFIRMED]
    assert [(e.residentid, e.data["confirmed_by"]) for e in confirmed] == [
        (str(ADA), f"resident:{ADA}")
    ]
    after = (await client.get(f"/cases/{reference}", headers=ada)).json()
    assert after["details"] == MISSED_BIN["details"] and after["reporter_confirmed_at"]


async def test_someone_else_cannot_confirm_a_claim_it_is_not_theirs_to_see(
    client: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    reference = await _claimed_case(client)
    for token in (
        issuer.resident(str(uuid.uuid4())),
        issuer.officer(("pest_control", "sensitive")),
    ):
        refused = await client.post(f"/cases/{reference}/confirm", headers=bearer(token))
        assert refused.status_code == 404
    assert not [e for e in await envelopes(client) if e.type == CONFIRMED]


async def test_a_tracking_token_cannot_confirm_even_for_its_own_request(
    client: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    reference = await _claimed_case(client)
    tracking = bearer(issuer.tracking(str(ADA), reference))

    refused = await client.post(f"/cases/{reference}/confirm", headers=tracking)

    assert refused.status_code == 403
    assert refused.json()["required_loa"] == 1
    assert not [e for e in await envelopes(client) if e.type == CONFIRMED]


async def test_an_officer_of_its_area_confirms_on_the_residents_behalf(
    client: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    reference = await _claimed_case(client)
    officer = issuer.officer(("waste", "personal"))

    confirmed = await client.post(f"/cases/{reference}/confirm", headers=bearer(officer))

    assert confirmed.status_code == 200, confirmed.text
    [event] = [e for e in await envelopes(client) if e.type == CONFIRMED]
    assert event.data["confirmed_by"].startswith("officer:")


async def test_confirming_a_request_that_was_never_a_claim_is_a_conflict(
    client: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    me = str(uuid.uuid4())
    headers = bearer(issuer.resident(me))
    created = await client.post("/cases", json={**MISSED_BIN, "reporter": {}}, headers=headers)
    reference = created.json()["reference"]

    refused = await client.post(f"/cases/{reference}/confirm", headers=headers)

    assert refused.status_code == 409
    assert refused.json()["title"] == "Not a claim"


async def test_an_open311_report_in_someones_name_is_only_a_claim(
    client: httpx.AsyncClient,
) -> None:
    form = {
        "api_key": API_KEY,
        "service_code": "fly_tipping",
        "lat": "51.5",
        "long": "-0.1",
        "attribute[waste_type]": "tyres",
        "first_name": "Ada",
        "last_name": "Example",
        "email": "ada@example.org",
    }
    created = await client.post(
        "/open311/v2/requests.json",
        data=form,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert created.status_code == 201, created.text

    [submitted] = [e for e in await envelopes(client) if e.type == SUBMITTED]
    assert (submitted.residentid, submitted.data["reporter_claimed"]) == (str(ADA), True)
