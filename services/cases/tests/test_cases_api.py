"""Cases over HTTP: residents without an account, officers on their behalf, working a case."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

import httpx
import pytest

from townhall.cases.testing import MISSED_BIN, PEST_CONTROL, bearer, counts, envelopes
from townhall.runtime.testkit.tokens import TestIssuer

REFERENCE = re.compile(r"^PC-\d{4}-\d{6}$")


async def test_a_resident_without_an_account_submits_a_case_that_only_a_token_reads(
    client: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    created = await client.post("/cases", json=PEST_CONTROL)
    assert created.status_code == 201, created.text
    reference = created.json()["reference"]
    assert REFERENCE.match(reference)
    assert (await client.get(f"/cases/{reference}")).status_code == 401, "a reference alone"
    officer = bearer(issuer.officer(("pest_control", "personal")))
    tracked = (await client.get(f"/cases/{reference}", headers=officer)).json()
    assert tracked["status"] == "awaiting_payment"
    types = [e.type for e in await envelopes(client)]
    assert types == [
        "townhall.cases.case.submitted.v1",
        "townhall.cases.case.status_changed.v1",
    ]
    submitted = (await envelopes(client))[0]
    assert submitted.domain == "pest_control" and submitted.sensitivity == "personal"
    assert submitted.residentid is None, "no matcher configured: no resident id yet"
    assert "Ada" not in submitted.model_dump_json()


async def test_references_count_up_per_service_type(client: httpx.AsyncClient) -> None:
    first = (await client.post("/cases", json=PEST_CONTROL)).json()["reference"]
    second = (await client.post("/cases", json=PEST_CONTROL)).json()["reference"]
    bin_ref = (await client.post("/cases", json=MISSED_BIN)).json()["reference"]
    assert int(second[-6:]) == int(first[-6:]) + 1
    assert bin_ref.startswith("MB-") and bin_ref.endswith("000001")


async def test_an_officer_submits_on_a_residents_behalf_and_works_the_case(
    client: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    officer = bearer(issuer.officer(("waste", "personal")))
    resident_id = str(uuid.uuid4())
    body = {**MISSED_BIN, "reporter": {}, "resident_id": resident_id, "channel": "phone"}
    reference = (await client.post("/cases", json=body, headers=officer)).json()["reference"]
    path = f"/cases/{reference}"
    moved = await client.post(f"{path}/transitions", json={"to": "triaged"}, headers=officer)
    assert moved.json() == {"reference": reference, "status": "triaged"}
    assign = {"team": "Waste crew 3", "officer": "o-17"}
    assert (await client.put(f"{path}/assignment", json=assign, headers=officer)).status_code == 204
    await client.post(f"{path}/updates", json={"text": "Crew on the way"}, headers=officer)
    await client.post(f"{path}/notes", json={"text": "Dog on site"}, headers=officer)
    resident = bearer(issuer.resident(resident_id))
    own = (await client.get(path, headers=resident)).json()
    assert [u["text"] for u in own["updates"]] == ["Crew on the way"]
    assert own["details"] == {"bin_type": "recycling"}
    full = (await client.get(path, headers=officer)).json()
    assert [u["text"] for u in full["updates"]] == ["Crew on the way", "Dog on site"]
    events = await envelopes(client)
    assert {e.residentid for e in events} == {resident_id}
    assert events[-1].type == "townhall.cases.case.internal_note_added.v1"


async def test_a_forbidden_transition_is_refused_and_changes_nothing(
    client: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    officer = bearer(issuer.officer(("waste", "personal")))
    reference = (await client.post("/cases", json=MISSED_BIN)).json()["reference"]
    before = await counts(client)
    refused = await client.post(
        f"/cases/{reference}/transitions", json={"to": "closed"}, headers=officer
    )
    assert refused.status_code == 409
    assert refused.json()["title"] == "Transition not allowed"
    assert await counts(client) == before


async def test_a_resident_may_cancel_their_own_case_but_not_triage_it(
    client: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    resident_id = str(uuid.uuid4())
    me = bearer(issuer.resident(resident_id))
    body = {**MISSED_BIN, "reporter": {}}
    reference = (await client.post("/cases", json=body, headers=me)).json()["reference"]
    path = f"/cases/{reference}/transitions"
    assert (await client.post(path, json={"to": "triaged"}, headers=me)).status_code == 403
    cancelled = await client.post(path, json={"to": "cancelled"}, headers=me)
    assert cancelled.json()["status"] == "cancelled"


async def test_officers_need_a_role_in_the_types_domain_and_clearance(
    client: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    wrong_domain = bearer(issuer.officer(("parking", "sensitive")))
    body = {**MISSED_BIN, "resident_id": str(uuid.uuid4())}
    assert (await client.post("/cases", json=body, headers=wrong_domain)).status_code == 403
    low = bearer(issuer.officer(("council_tax", "personal")))
    spd = {
        "service_code": "council_tax_spd",
        "details": {"account_number": "12345678", "living_alone_since": "2025-04-01"},
        "resident_id": str(uuid.uuid4()),
        "channel": "letter",
    }
    assert (await client.post("/cases", json=spd, headers=low)).status_code == 403
    cleared = bearer(issuer.officer(("council_tax", "sensitive")))
    assert (await client.post("/cases", json=spd, headers=cleared)).status_code == 201
    events = await envelopes(client)
    assert events[0].sensitivity == "sensitive" and events[0].domain == "council_tax"


async def test_sensitive_cases_are_not_trackable_with_a_tracking_code(
    client: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    resident_id = str(uuid.uuid4())
    spd = {
        "service_code": "council_tax_spd",
        "details": {"account_number": "12345678", "living_alone_since": "2025-04-01"},
    }
    anonymous = await client.post("/cases", json=spd)
    assert anonymous.status_code == 403
    me = bearer(issuer.resident(resident_id))
    reference = (await client.post("/cases", json=spd, headers=me)).json()["reference"]
    path = f"/cases/{reference}"
    assert (await client.get(path)).status_code == 401
    tracking = bearer(issuer.tracking(resident_id, reference))
    assert (await client.get(path, headers=tracking)).status_code == 404
    assert (await client.get(path, headers=me)).status_code == 200


def _without(key: str) -> dict[str, object]:
    return {k: v for k, v in PEST_CONTROL.items() if k != key}


BAD_SUBMISSIONS = [
    pytest.param(b"{not json", 400, id="not-json"),
    pytest.param(b"[]", 422, id="not-an-object"),
    pytest.param({**PEST_CONTROL, "service_code": "dragons"}, 422, id="unknown-type"),
    pytest.param({**PEST_CONTROL, "details": {"pest": "dragons"}}, 422, id="not-in-enum"),
    pytest.param({**PEST_CONTROL, "details": {}}, 422, id="required-field-missing"),
    pytest.param({**PEST_CONTROL, "details": {"pest": "rats", "x": 1}}, 422, id="extra-field"),
    pytest.param({**PEST_CONTROL, "details": {"pest": "rats", "rooms_affected": 0}}, 422, id="min"),
    pytest.param(_without("location"), 422, id="location-required"),
    pytest.param({**PEST_CONTROL, "reporter": {"given_name": "Ada"}}, 422, id="no-reporter"),
    pytest.param({**PEST_CONTROL, "reporter": {"email": "nope"}}, 422, id="bad-email"),
    pytest.param({**PEST_CONTROL, "location": {"latitude": 91}}, 422, id="bad-latitude"),
    pytest.param({**PEST_CONTROL, "location": {"uprn": "abc"}}, 422, id="bad-uprn"),
    pytest.param({**PEST_CONTROL, "admin": True}, 422, id="unknown-member"),
    pytest.param({**PEST_CONTROL, "channel": "pigeon"}, 422, id="bad-channel"),
]


@pytest.mark.parametrize(("body", "status"), BAD_SUBMISSIONS)
async def test_bad_submissions_get_a_problem_and_change_nothing(
    client: httpx.AsyncClient, body: object, status: int
) -> None:
    content = body if isinstance(body, bytes) else httpx.Request("POST", "/", json=body).content
    response = await client.post(
        "/cases", content=content, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == "application/problem+json"
    assert set((await counts(client)).values()) == {0}


async def test_bad_tokens_are_refused(client: httpx.AsyncClient) -> None:
    response = await client.post("/cases", json=PEST_CONTROL, headers=bearer("not-a-jwt"))
    assert response.status_code == 401
    assert set((await counts(client)).values()) == {0}


async def test_the_catalogue_lists_every_type_with_its_form(client: httpx.AsyncClient) -> None:
    listed = (await client.get("/service-types")).json()
    assert {t["code"] for t in listed} >= {
        "pest_control",
        "missed_bin",
        "bulky_waste",
        "fly_tipping",
        "parking_permit",
        "noise_complaint",
        "council_tax_spd",
    }
    pest = (await client.get("/service-types/pest_control")).json()
    assert pest["fee_pence"] == 6500 and pest["booking"] is True
    assert "pest" in pest["form"]["properties"]
    assert (await client.get("/service-types/dragons")).status_code == 404


async def test_the_catalogue_is_read_in_welsh_with_its_choices_in_words(
    client: httpx.AsyncClient,
) -> None:
    welsh = (await client.get("/service-types/pest_control", params={"language": "cy"})).json()
    assert welsh["language"] == "cy" and welsh["name"] == "Rheoli plâu"
    pest = welsh["form"]["properties"]["pest"]
    assert pest["title"] == "Pa bla?" and pest["x-choices"]["rats"] == "Llygod mawr"
    assert pest["enum"][0] == "rats", "the values a request sends stay the same"

    english = (await client.get("/service-types/pest_control")).json()
    assert english["language"] == "en" and english["name"] == "Pest control"
    assert english["form"]["properties"]["pest"]["x-choices"]["bedbugs"] == "Bedbugs"
    listed = (await client.get("/service-types", params={"language": "cy"})).json()
    assert {t["language"] for t in listed} == {"cy"}

    refused = await client.get("/service-types/pest_control", params={"language": "fr"})
    assert refused.status_code == 422 and "language" in refused.text


async def _own_case(client: httpx.AsyncClient, issuer: TestIssuer, resident_id: str) -> str:
    me = bearer(issuer.resident(resident_id))
    created = await client.post("/cases", json={**MISSED_BIN, "reporter": {}}, headers=me)
    assert created.status_code == 201, created.text
    return str(created.json()["reference"])


async def test_a_case_that_is_not_yours_is_answered_as_one_that_does_not_exist(
    client: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    reference = await _own_case(client, issuer, str(uuid.uuid4()))
    missing = reference[:-6] + "999999"
    someone_else = str(uuid.uuid4())
    strangers: dict[str, Callable[[str], str]] = {
        "another resident": lambda ref: issuer.resident(someone_else),
        "another resident's tracking code for it": lambda ref: issuer.tracking(someone_else, ref),
        "an officer of another area": lambda ref: issuer.officer(("pest_control", "sensitive")),
    }
    for who, token in strangers.items():
        answers = [
            await client.get(f"/cases/{ref}", headers=bearer(token(ref)))
            for ref in (reference, missing)
        ]
        assert [a.status_code for a in answers] == [404, 404], who
        shown = [a.json() for a in answers]
        assert shown[0]["detail"].replace(reference, "X") == shown[1]["detail"].replace(
            missing, "X"
        )
    cancel = {"to": "cancelled"}
    other = bearer(issuer.resident(someone_else))
    walked = await client.post(f"/cases/{reference}/transitions", json=cancel, headers=other)
    assert walked.status_code == 404


async def test_a_tracking_code_shows_its_request_status_and_public_updates_only(
    client: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    resident_id = str(uuid.uuid4())
    reference = await _own_case(client, issuer, resident_id)
    officer = bearer(issuer.officer(("waste", "personal")))
    await client.post(f"/cases/{reference}/updates", json={"text": "Crew sent"}, headers=officer)
    await client.post(f"/cases/{reference}/notes", json={"text": "Gate code 1234"}, headers=officer)
    tracking = bearer(issuer.tracking(resident_id, reference))

    seen = await client.get(f"/cases/{reference}", headers=tracking)

    assert seen.status_code == 200, seen.text
    assert seen.json()["status"] == "submitted"
    assert [u["text"] for u in seen.json()["updates"]] == ["Crew sent"]
    assert not {"details", "description", "resident_id", "team"} & set(seen.json())
    cancel = {"to": "cancelled"}
    refused = await client.post(f"/cases/{reference}/transitions", json=cancel, headers=tracking)
    assert refused.status_code == 403, "a tracking code never cancels"
    assert refused.json()["required_loa"] == 1


async def test_a_submitted_request_names_its_service_in_each_language_of_the_catalogue(
    client: httpx.AsyncClient,
) -> None:
    """So notifications can name the service in a Welsh message without asking cases."""
    created = await client.post("/cases", json=PEST_CONTROL)
    assert created.status_code == 201, created.text

    [submitted] = [e for e in await envelopes(client) if e.type.endswith("case.submitted.v1")]

    assert submitted.data["service_names"] == {"en": "Pest control", "cy": "Rheoli plâu"}
