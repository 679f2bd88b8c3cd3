"""Assisted digital: the contact centre raises any request on a resident's behalf.

A contact-centre officer (identity's demo ``demo.contact@example.org`` holds
``contact_centre``/personal) takes a resident's call, letter or visit and raises a
request of any service type for them, and logs contacts against any case; the case is
then worked by the officers of its area, not by them. Each request's event says who
raised it and through which channel, so channel shift and failure demand stay right.

Who may do what does not depend on the store, so these run on SQLite only.
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from townhall.cases.adapters.catalogue import load_catalogue
from townhall.cases.testing import MISSED_BIN, bearer, counts, envelopes
from townhall.runtime.testkit.tokens import TestIssuer

SUBMITTED = "townhall.cases.case.submitted.v1"
CONTACT_CENTRE = "officer-contact-1"
#: The roles identity's seeded contact-centre officer holds.
CONTACT_ROLES = (("contact_centre", "personal"), ("identity", "personal"))
ASSISTED = ("phone", "face_to_face", "letter", "webchat", "email")
#: A valid request of each bundled type, as a resident would describe it on the phone.
EXAMPLES: dict[str, dict[str, Any]] = {
    "bulky_waste": {"details": {"items": ["sofa"]}, "location": {"uprn": "100023336956"}},
    "council_tax_spd": {
        "details": {"account_number": "12345678", "living_alone_since": "2025-04-01"}
    },
    "fly_tipping": {"details": {"waste_type": "tyres"}, "location": {"address": "Back lane"}},
    "missed_bin": {"details": {"bin_type": "food"}, "location": {"uprn": "100023336956"}},
    "noise_complaint": {"details": {"source": "alarm"}},
    "parking_permit": {"details": {"vehicle_registration": "AB12 CDE", "zone": "B"}},
    "pest_control": {"details": {"pest": "wasps"}, "location": {"uprn": "100023336956"}},
}


def _contact_centre(issuer: TestIssuer, *roles: tuple[str, str]) -> dict[str, str]:
    grants = [{"domain": d, "clearance": c} for d, c in roles or CONTACT_ROLES]
    return bearer(issuer.token(CONTACT_CENTRE, "officer", roles=grants, loa=2))


def _request(code: str, resident_id: uuid.UUID, channel: str) -> dict[str, Any]:
    return {"service_code": code, "resident_id": str(resident_id), "channel": channel} | EXAMPLES[
        code
    ]


def test_the_examples_cover_every_bundled_service_type() -> None:
    assert set(EXAMPLES) == {t.code for t in load_catalogue()}


async def test_a_contact_centre_officer_raises_a_request_of_every_type_for_a_resident(
    http: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    officer = _contact_centre(issuer)
    resident_id = uuid.uuid4()
    raised = {}
    for n, code in enumerate(sorted(EXAMPLES)):
        channel = ASSISTED[n % len(ASSISTED)]
        created = await http.post(
            "/cases", json=_request(code, resident_id, channel), headers=officer
        )
        assert created.status_code == 201, f"{code}: {created.text}"
        raised[created.json()["reference"]] = (code, channel)

    events = {e.subject: e for e in await envelopes(http) if e.type == SUBMITTED}
    recorded = {
        e.subject.removeprefix("case/"): (e.data["service_code"], e.data["channel"])
        for e in events.values()
    }
    assert recorded == raised
    assert {e.data["raised_by"] for e in events.values()} == {f"officer:{CONTACT_CENTRE}"}
    assert {e.data["submitted_by"] for e in events.values()} == {"officer"}
    assert {e.residentid for e in events.values()} == {str(resident_id)}


async def test_any_contact_centre_clearance_raises_requests_of_any_sensitivity(
    http: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    officer = _contact_centre(issuer, ("contact_centre", "public"))
    body = _request("council_tax_spd", uuid.uuid4(), "letter")
    created = await http.post("/cases", json=body, headers=officer)
    assert created.status_code == 201, created.text
    assert (await envelopes(http))[-1].sensitivity == "sensitive"


async def test_the_contact_centre_cannot_then_work_the_case_it_raised(
    http: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    officer = _contact_centre(issuer)
    body = _request("pest_control", uuid.uuid4(), "phone")
    reference = (await http.post("/cases", json=body, headers=officer)).json()["reference"]
    before = await counts(http)
    path = f"/cases/{reference}"
    attempts = {
        "read it": await http.get(path, headers=officer),
        "move it on": await http.post(
            f"{path}/transitions", json={"to": "triaged"}, headers=officer
        ),
        "assign it": await http.put(f"{path}/assignment", json={"team": "Crew"}, headers=officer),
        "post an update": await http.post(f"{path}/updates", json={"text": "Hi"}, headers=officer),
        "add a note": await http.post(f"{path}/notes", json={"text": "Dog"}, headers=officer),
    }
    answered = {what: r.status_code for what, r in attempts.items()}
    assert answered == dict.fromkeys(attempts, 404), "as to any officer outside its area"
    assert await counts(http) == before
    pest = bearer(issuer.officer(("pest_control", "personal")))
    moved = await http.post(f"{path}/transitions", json={"to": "triaged"}, headers=pest)
    assert moved.json()["status"] == "triaged", "the service's officers work it"


async def test_the_contact_centre_logs_contacts_against_any_case(
    http: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    resident_id = uuid.uuid4()
    tax = bearer(issuer.officer(("council_tax", "sensitive")))
    body = _request("council_tax_spd", resident_id, "email")
    reference = (await http.post("/cases", json=body, headers=tax)).json()["reference"]
    contact = {
        "resident_id": str(resident_id),
        "case_reference": reference,
        "channel": "phone",
        "reason": "progress_chase",
        "outcome": "resolved",
        "duration_seconds": 180,
    }
    logged = await http.post("/contacts", json=contact, headers=_contact_centre(issuer))
    assert logged.status_code == 201, logged.text
    event = (await envelopes(http))[-1]
    assert (event.domain, event.sensitivity) == ("council_tax", "sensitive")
    assert event.data["failure_demand"] is True, "chasing an open case"


async def test_an_officer_of_another_area_logs_no_contact_and_learns_nothing_of_the_case(
    http: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    resident_id = uuid.uuid4()
    body = _request("council_tax_spd", resident_id, "email")
    tax = bearer(issuer.officer(("council_tax", "sensitive")))
    reference = (await http.post("/cases", json=body, headers=tax)).json()["reference"]
    waste = bearer(issuer.officer(("waste", "personal")))
    before = await counts(http)
    answers = []
    for whose in (resident_id, uuid.uuid4()):
        contact = {
            "resident_id": str(whose),
            "case_reference": reference,
            "channel": "phone",
            "reason": "information",
            "outcome": "no_action",
            "duration_seconds": 60,
        }
        answers.append(await http.post("/contacts", json=contact, headers=waste))
    assert [a.status_code for a in answers] == [403, 403]
    assert answers[0].json()["detail"] == answers[1].json()["detail"], "not whose case it is"
    assert await counts(http) == before


BAD_CHANNELS = [
    pytest.param("officer", None, id="officer-says-nothing"),
    pytest.param("officer", "online", id="officer-says-online"),
    pytest.param("resident", "phone", id="resident-says-phone"),
    pytest.param("anonymous", "letter", id="anonymous-says-letter"),
]


@pytest.mark.parametrize(("who", "channel"), BAD_CHANNELS)
async def test_a_request_records_only_the_channel_its_caller_can_have_used(
    http: httpx.AsyncClient, issuer: TestIssuer, who: str, channel: str | None
) -> None:
    resident_id = uuid.uuid4()
    headers = {
        "officer": _contact_centre(issuer),
        "resident": bearer(issuer.resident(str(resident_id))),
        "anonymous": {},
    }[who]
    body: dict[str, Any] = {**MISSED_BIN}
    if who == "officer":
        body["resident_id"] = str(resident_id)
    if channel is not None:
        body["channel"] = channel
    refused = await http.post("/cases", json=body, headers=headers)
    assert refused.status_code == 422, refused.text
    problem = refused.json()
    assert refused.headers["Content-Type"] == "application/problem+json"
    assert problem["errors"][0]["loc"] == ["channel"]
    assert problem["title"] == "Channel not allowed"
    assert set((await counts(http)).values()) == {0}


async def test_the_event_records_who_raised_each_request(
    http: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    resident_id = str(uuid.uuid4())
    callers = {
        f"resident:{resident_id}": (bearer(issuer.resident(resident_id)), {"reporter": {}}),
        "anonymous": ({}, {}),
        "service:webchat-bot": (
            bearer(issuer.service("webchat-bot", "cases:write")),
            {"resident_id": resident_id, "channel": "webchat"},
        ),
    }
    for headers, change in callers.values():
        created = await http.post("/cases", json={**MISSED_BIN, **change}, headers=headers)
        assert created.status_code == 201, created.text
    submitted = [e.data for e in await envelopes(http) if e.type == SUBMITTED]
    assert [(d["raised_by"], d["channel"]) for d in submitted] == [
        (f"resident:{resident_id}", "online"),
        ("anonymous", "online"),
        ("service:webchat-bot", "webchat"),
    ]
