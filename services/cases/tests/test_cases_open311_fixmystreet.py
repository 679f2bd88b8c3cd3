"""mySociety's Open311 extensions, as FixMyStreet speaks them (perllib/Open311.pm in
mysociety/fixmystreet): its own request attributes, ``POST servicerequestupdates`` (a
resident's comment as a public update) and ``GET servicerequestupdates`` (the council's
updates since a date)."""

from __future__ import annotations

import uuid
from typing import Any
from xml.etree import ElementTree as ET

import httpx
import pytest
from sqlalchemy import select

from townhall.cases.adapters.orm import case_notes, cases, open311_requests
from townhall.cases.bootstrap import bootstrap
from townhall.cases.domain.commands import EraseResidentData
from townhall.cases.entrypoints.api.app import create
from townhall.cases.fakes import FakeResidentMatcher
from townhall.cases.testing import (
    API_KEY,
    bearer,
    envelopes,
    rows_holding,
    runtime_of,
    served,
    settings_for,
)
from townhall.cases.testing_open311 import (
    BASE,
    all_counts,
    fly_tipping_form,
    post,
    posted,
    spec_errors,
)
from townhall.runtime.outbox import EventContext
from townhall.runtime.testkit.data_keys import FakeDataKeys
from townhall.runtime.testkit.tokens import TestIssuer


def _comment(reference: str, **extra: str) -> dict[str, str]:
    """What FixMyStreet posts for a comment (Open311.pm, update params)."""
    return {
        "api_key": API_KEY,
        "service_request_id": reference,
        "update_id": "4321",
        "updated_datetime": "2026-05-01T10:00:00+01:00",
        "status": "OPEN",
        "description": "It is still there and now there are two",
        "first_name": "Ada",
        "last_name": "Example",
        "email": "ada@example.org",
        **extra,
    }


async def _feed(client: httpx.AsyncClient, **params: str) -> list[dict[str, Any]]:
    response = await client.get(
        f"{BASE}/servicerequestupdates.json", params={"api_key": API_KEY, **params}
    )
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()
    return found


# --- FixMyStreet's own request attributes ----------------------------------------------


async def test_fixmystreets_own_attributes_are_kept_beside_the_case(
    client: httpx.AsyncClient,
) -> None:
    """Open311.pm sends attribute[fixmystreet_id], attribute[easting],
    attribute[northing], attribute[title], attribute[report_url]; with
    send_notpinpointed, address_id=#NOTPINPOINTED# and no lat/long."""
    form = fly_tipping_form(
        **{
            "attribute[fixmystreet_id]": "12345",
            "attribute[easting]": "530047.5",
            "attribute[northing]": "180381",
            "attribute[title]": "Mattress at the bus stop",
            "attribute[report_url]": "https://www.fixmystreet.com/report/12345",
            "address_id": "#NOTPINPOINTED#",
        }
    )
    del form["lat"], form["long"]

    reference = await posted(client, form)

    async with runtime_of(client).sessions() as session:
        query = select(open311_requests).join(cases, cases.c.id == open311_requests.c.case_id)
        kept = (await session.execute(query.where(cases.c.reference == reference))).one()
        uprn = (await session.execute(select(cases.c.uprn))).scalar_one()
    assert (kept.fixmystreet_id, kept.easting, kept.northing) == ("12345", 530047.5, 180381.0)
    assert kept.title == "Mattress at the bus stop"
    assert kept.report_url == "https://www.fixmystreet.com/report/12345"
    assert kept.not_pinpointed is True and uprn is None, "not a UPRN"


async def test_a_report_with_no_pin_is_placed_by_its_grid_reference(
    client: httpx.AsyncClient,
) -> None:
    """No lat/long, only FixMyStreet's easting/northing (Trafalgar Square, OSGB36): the
    case is placed at its WGS84 position, to within the few metres PROJ promises."""
    form = fly_tipping_form(
        **{
            "attribute[easting]": "530034",
            "attribute[northing]": "180381",
            "address_id": "#NOTPINPOINTED#",
        }
    )
    del form["lat"], form["long"]

    reference = await posted(client, form)

    [one] = (await client.get(f"{BASE}/requests/{reference}.json")).json()
    assert one["lat"] == pytest.approx(51.5074, abs=1e-4)
    assert one["long"] == pytest.approx(-0.1277, abs=1e-4)


async def test_a_pin_wins_over_the_grid_reference(client: httpx.AsyncClient) -> None:
    form = fly_tipping_form(**{"attribute[easting]": "530034", "attribute[northing]": "180381"})
    form["lat"], form["long"] = "53.4808", "-2.2426"

    reference = await posted(client, form)

    [one] = (await client.get(f"{BASE}/requests/{reference}.json")).json()
    assert (one["lat"], one["long"]) == (pytest.approx(53.4808), pytest.approx(-2.2426))


# --- POST servicerequestupdates ---------------------------------------------------------


async def test_a_comment_from_fixmystreet_lands_as_a_public_update(
    client: httpx.AsyncClient,
) -> None:
    reference = await posted(client, fly_tipping_form())

    response = await post(client, "servicerequestupdates", "xml", _comment(reference))

    assert response.status_code == 201, response.text
    root = ET.fromstring(response.content)
    assert root.tag == "service_request_updates"
    update_id = root.findtext("request_update/update_id")
    assert update_id, "FixMyStreet reads request_update/update_id"
    async with runtime_of(client).sessions() as session:
        notes = (await session.execute(select(case_notes.c.text, case_notes.c.public))).all()
    assert [tuple(n) for n in notes] == [("It is still there and now there are two", True)]
    [one] = (await client.get(f"{BASE}/requests/{reference}.json")).json()
    assert one["status_notes"] == "It is still there and now there are two"
    assert [e.type for e in await envelopes(client)][-1] == "townhall.cases.case.update_posted.v1"


async def test_posting_the_same_comment_again_changes_nothing(
    client: httpx.AsyncClient,
) -> None:
    """FixMyStreet posts a comment again when it did not read an update_id back."""
    reference = await posted(client, fly_tipping_form())
    first = await post(client, "servicerequestupdates", "json", _comment(reference))
    before = await all_counts(client)

    again = await post(client, "servicerequestupdates", "json", _comment(reference))

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert await all_counts(client) == before


@pytest.mark.parametrize(
    ("change", "status", "says"),
    [
        ({"api_key": None}, 403, "api_key is required"),
        ({"api_key": "guessed"}, 403, "invalid api_key"),
        ({"jurisdiction_id": "elsewhere.example"}, 404, "jurisdiction_id 'elsewhere.example'"),
        ({"service_request_id": "FT-2026-999999"}, 404, "service_request_id 'FT-2026-999999'"),
        ({"service_request_id": "../etc"}, 404, "service_request_id '../etc' not found"),
        ({"service_request_id": None}, 400, "service_request_id is required"),
        ({"description": " "}, 400, "description is required"),
        ({"updated_datetime": "last Tuesday"}, 400, "updated_datetime: 'last Tuesday' is not"),
        ({"update_id": "x" * 65}, 400, "update_id: up to 64"),
        ({"status": "<open>"}, 400, "status: '<open>' is not a status word"),
        ({"media_url": "file:///etc/passwd"}, 400, "media_url: each is an http(s) URL"),
    ],
)
@pytest.mark.parametrize("fmt", ["json", "xml"])
async def test_a_refused_comment_says_why_and_changes_nothing(
    client: httpx.AsyncClient, change: dict[str, str | None], status: int, says: str, fmt: str
) -> None:
    """GeoReport v2, Errors: "403 - Missing or Invalid API Key"; 404 "for resources that
    don't exist"; "basically 400 for any other error"."""
    reference = await posted(client, fly_tipping_form())
    before = await all_counts(client)
    form = {k: v for k, v in {**_comment(reference), **change}.items() if v is not None}

    response = await post(client, "servicerequestupdates", fmt, form)

    assert response.status_code == status, response.text
    [error] = spec_errors(response)
    assert error["code"] == status and error["description"].startswith(says), error
    assert await all_counts(client) == before


async def test_a_comment_on_a_type_not_offered_is_not_found(
    client: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    officer = bearer(issuer.officer(("council_tax", "sensitive")))
    claim = {
        "service_code": "council_tax_spd",
        "details": {"account_number": "12345678", "living_alone_since": "2026-01-01"},
        "resident_id": "5f0c2c7e-4a57-4c77-9b9f-3c1f0d0c2a11",
        "channel": "phone",
    }
    created = await client.post("/cases", json=claim, headers=officer)
    assert created.status_code == 201, created.text
    reference = created.json()["reference"]
    before = await all_counts(client)

    response = await post(client, "servicerequestupdates", "json", _comment(reference))

    assert response.status_code == 404
    assert await all_counts(client) == before


# --- GET servicerequestupdates ----------------------------------------------------------


async def test_the_feed_lists_status_changes_and_public_updates_in_order(
    client: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    reference = await posted(client, fly_tipping_form())
    officer = bearer(issuer.officer(("street_cleaning", "personal")))
    for path, body in (
        ("transitions", {"to": "triaged", "reason": "Crew informed"}),
        ("updates", {"text": "We will clear it tomorrow"}),
        ("notes", {"text": "Van reg AB12 CDE seen"}),
        ("transitions", {"to": "in_progress", "reason": "On site"}),
    ):
        done = await client.post(f"/cases/{reference}/{path}", json=body, headers=officer)
        assert done.status_code in (200, 201), done.text

    feed = await _feed(client)

    assert [(u["status"], u["external_status_code"], u["description"]) for u in feed] == [
        ("investigating", "triaged", None),
        ("investigating", "triaged", "We will clear it tomorrow"),
        ("in_progress", "in_progress", None),
    ], "the internal note and the reasons are not in it"
    assert {u["service_request_id"] for u in feed} == {reference}
    assert len({u["update_id"] for u in feed}) == 3
    assert set(feed[0]) == {
        "update_id",
        "service_request_id",
        "status",
        "updated_datetime",
        "description",
        "media_url",
        "external_status_code",
    }
    xml = await client.get(f"{BASE}/servicerequestupdates.xml", params={"api_key": API_KEY})
    root = ET.fromstring(xml.content)
    assert root.tag == "service_request_updates" and len(root.findall("request_update")) == 3
    assert "AB12" not in xml.text and "Crew informed" not in xml.text


async def test_the_feed_takes_fixmystreets_date_range(client: httpx.AsyncClient) -> None:
    """Open311.pm asks with start_date and end_date (W3C), both or neither."""
    reference = await posted(client, fly_tipping_form())
    await post(client, "servicerequestupdates", "json", _comment(reference))
    long_ago = {"start_date": "2001-01-01T00:00:00Z", "end_date": "2001-02-01T00:00:00Z"}
    assert await _feed(client, **long_ago) == []
    [one] = await _feed(client)
    assert one["service_request_id"] == reference and one["status"] == "open"


async def test_the_feed_of_a_type_not_public_shows_status_only(
    client: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    form = {
        "api_key": API_KEY,
        "service_code": "missed_bin",
        "address_string": "12 Acacia Avenue",
        "attribute[bin_type]": "food",
    }
    reference = await posted(client, form)
    officer = bearer(issuer.officer(("waste", "personal")))
    await client.post(f"/cases/{reference}/updates", json={"text": "Crew sent"}, headers=officer)

    [one] = await _feed(client)

    assert (one["service_request_id"], one["description"]) == (reference, None)


@pytest.mark.parametrize(
    ("params", "status"),
    [({}, 403), ({"api_key": "guessed"}, 403), ({"start_date": "soon"}, 400)],
)
async def test_the_feed_needs_the_key_and_w3c_dates(
    client: httpx.AsyncClient, params: dict[str, str], status: int
) -> None:
    if "start_date" in params:
        params = {"api_key": API_KEY, **params}
    response = await client.get(f"{BASE}/servicerequestupdates.xml", params=params)
    assert response.status_code == status
    assert spec_errors(response)[0]["code"] == status


# --- erasure ----------------------------------------------------------------------------


async def test_erasure_reaches_what_fixmystreet_said_about_the_request(
    database_url: str, issuer: TestIssuer
) -> None:
    """The title is the reporter's words and photos may show them: erasure blanks both
    beside the case, as it blanks the case itself."""
    resident = uuid.uuid4()
    services = bootstrap(
        settings_for(database_url, issuer),
        matcher=FakeResidentMatcher({"reporter@example.org": resident}),
        data_keys=FakeDataKeys(),
    )
    app = create(services=services)
    photo = "https://fixmystreet.example/photo/grace-at-the-gate.jpeg"
    form = fly_tipping_form(
        **{"attribute[title]": "Outside Grace Hopper's gate", "attribute[fixmystreet_id]": "77"}
    )
    async with served(app) as http:
        bins = {**form, "service_code": "missed_bin", "attribute[bin_type]": "food"}
        del bins["attribute[waste_type]"]
        await posted(http, {**bins, "media_url": photo})
        assert await rows_holding(http, "Grace Hopper", photo)

        await services.bus.handle(EraseResidentData(resident), EventContext("test"))

        assert await rows_holding(http, "Grace Hopper", photo) == []
