"""Open311 GeoReport v2 conformance, written from the spec (wiki.open311.org/GeoReport_v2)."""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree as ET

import httpx
import pytest

from townhall.cases.testing import API_KEY, MISSED_BIN, bearer, counts, envelopes
from townhall.runtime.testkit.tokens import TestIssuer

BASE = "/open311/v2"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def _post_form(service_code: str = "fly_tipping", **extra: str) -> dict[str, str]:
    return {
        "api_key": API_KEY,
        "service_code": service_code,
        "lat": "51.5072",
        "long": "-0.1276",
        "email": "reporter@example.org",
        "first_name": "Ada",
        "last_name": "Example",
        "description": "Mattress dumped by the bus stop",
        "attribute[waste_type]": "household",
        **extra,
    }


async def _post(client: httpx.AsyncClient, fmt: str = "json", **data: Any) -> httpx.Response:
    return await client.post(f"{BASE}/requests.{fmt}", data=data, headers=FORM)


async def test_discovery_names_the_spec_and_both_formats(client: httpx.AsyncClient) -> None:
    doc = (await client.get(f"{BASE}/discovery.json")).json()
    endpoint = doc["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert set(endpoint["formats"]) == {"text/xml", "application/json"}
    xml = ET.fromstring((await client.get(f"{BASE}/discovery.xml")).content)
    assert xml.tag == "discovery"
    assert [f.text for f in xml.iter("format")] == ["text/xml", "application/json"]


async def test_the_service_list_has_the_spec_fields(client: httpx.AsyncClient) -> None:
    services = (await client.get(f"{BASE}/services.json")).json()
    fly = next(s for s in services if s["service_code"] == "fly_tipping")
    assert set(fly) == {
        "service_code",
        "service_name",
        "description",
        "metadata",
        "type",
        "keywords",
        "group",
    }
    assert fly["metadata"] is True and fly["type"] == "realtime"
    assert "council_tax_spd" not in {s["service_code"] for s in services}, "not offered"
    root = ET.fromstring((await client.get(f"{BASE}/services.xml")).content)
    assert root.tag == "services" and root.find("service/service_code") is not None


async def test_a_service_definition_lists_attributes_with_values(client: httpx.AsyncClient) -> None:
    definition = (await client.get(f"{BASE}/services/fly_tipping.json")).json()
    assert definition["service_code"] == "fly_tipping"
    waste = next(a for a in definition["attributes"] if a["code"] == "waste_type")
    assert waste["datatype"] == "singlevaluelist" and waste["required"] is True
    assert waste["variable"] is True and waste["order"] == 1
    assert {"key": "tyres", "name": "Tyres"} in waste["values"]
    root = ET.fromstring((await client.get(f"{BASE}/services/fly_tipping.xml")).content)
    assert root.tag == "service_definition"
    assert root.find("attributes/attribute/values/value/key") is not None


async def test_a_realtime_post_returns_the_request_id_and_opens_a_case(
    client: httpx.AsyncClient,
) -> None:
    response = await _post(client, **_post_form())
    assert response.status_code == 201, response.text
    [created] = response.json()
    request_id = created["service_request_id"]
    assert request_id.startswith("FT-")
    [one] = (await client.get(f"{BASE}/requests/{request_id}.json")).json()
    assert one["status"] == "open" and one["service_code"] == "fly_tipping"
    assert one["lat"] == pytest.approx(51.5072)
    [event] = await envelopes(client)
    assert event.type == "townhall.cases.case.submitted.v1" and event.data["channel"] == "open311"


async def test_a_batch_post_returns_a_token_that_resolves(client: httpx.AsyncClient) -> None:
    form = _post_form("noise_complaint")
    form.pop("attribute[waste_type]")
    form["attribute[source]"] = "neighbour"
    form["attribute[times][]"] = "night"
    response = await _post(client, "xml", **form)
    assert response.status_code == 201, response.text
    token = ET.fromstring(response.content).findtext("request/token")
    assert token
    [resolved] = (await client.get(f"{BASE}/tokens/{token}.json")).json()
    assert resolved["token"] == token and resolved["service_request_id"].startswith("NC-")


async def test_fixmystreet_attributes_are_accepted(client: httpx.AsyncClient) -> None:
    form = _post_form(
        **{
            "attribute[uprn]": "100023336956",
            "attribute[fixmystreet_id]": "12345",
            "attribute[easting]": "530000",
            "address_string": "Bus stop, High Street",
        }
    )
    response = await _post(client, **form)
    assert response.status_code == 201, response.text
    [one] = (
        await client.get(f"{BASE}/requests/{response.json()[0]['service_request_id']}.json")
    ).json()
    assert one["address_id"] is None, "a UPRN is never listed"


async def test_get_requests_filters_and_defaults(client: httpx.AsyncClient) -> None:
    first = (await _post(client, **_post_form())).json()[0]["service_request_id"]
    await _post(client, **_post_form(**{"attribute[waste_type]": "tyres"}))
    listed = (await client.get(f"{BASE}/requests.json")).json()
    assert len(listed) == 2, "default: the last 90 days"
    by_id = (await client.get(f"{BASE}/requests.json", params={"service_request_id": first})).json()
    assert [r["service_request_id"] for r in by_id] == [first]
    closed = await client.get(f"{BASE}/requests.json", params={"status": "closed"})
    assert closed.json() == []
    old = {"start_date": "2001-01-01T00:00:00Z", "end_date": "2001-02-01T00:00:00Z"}
    assert (await client.get(f"{BASE}/requests.json", params=old)).json() == []
    other = await client.get(f"{BASE}/requests.json", params={"service_code": "missed_bin"})
    assert other.json() == []
    xml = ET.fromstring((await client.get(f"{BASE}/requests.xml")).content)
    assert xml.tag == "service_requests" and len(xml.findall("request")) == 2


def _errors(response: httpx.Response) -> list[dict[str, Any]]:
    if response.headers["content-type"].startswith("text/xml"):
        root = ET.fromstring(response.content)
        assert root.tag == "errors"
        return [
            {"code": int(e.findtext("code") or 0), "description": e.findtext("description")}
            for e in root.findall("error")
        ]
    body: list[dict[str, Any]] = response.json()
    return body


@pytest.mark.parametrize(
    ("change", "status", "says"),
    [
        # GeoReport v2, Errors: "403 - Missing or Invalid API Key".
        ({"api_key": None}, 403, "api_key is required"),
        ({"api_key": "wrong"}, 403, "invalid api_key"),
        # POST Service Request: "400 - service_code or jurisdiction_id was not provided".
        ({"service_code": None}, 400, "service_code is required"),
        # "404 - service_code or jurisdiction_id was not found (specified in error response)".
        ({"service_code": "dragons"}, 404, "service_code 'dragons' not found"),
        ({"service_code": "council_tax_spd"}, 404, "service_code 'council_tax_spd' not found"),
        ({"jurisdiction_id": "elsewhere.example"}, 404, "jurisdiction_id 'elsewhere.example'"),
        # "A full location parameter must be submitted."
        ({"lat": None, "long": None}, 400, "lat: a location is required"),
        ({"lat": "95"}, 400, "lat: must be between -90 and 90 degrees"),
        ({"lat": "51,5072"}, 400, "lat: '51,5072' is not a number: decimal degrees (WGS84)"),
        ({"long": "west"}, 400, "long: 'west' is not a number: decimal degrees (WGS84)"),
        ({"long": "nan"}, 400, "long: 'nan' is not a number"),
        ({"long": None}, 400, "long: lat and long are sent together"),
        ({"address_id": "12 High St"}, 400, "address_id: '12 High St' is not a UPRN"),
        ({"attribute[postcode]": "N1 2A"}, 400, "attribute[postcode]: 'N1 2A' is not a UK"),
        # Attributes: named as sent, attribute[code].
        ({"attribute[waste_type]": "dragons"}, 400, "attribute[waste_type]: 'dragons' is not"),
        ({"attribute[waste_type]": None}, 400, "attribute[waste_type]: is required"),
        ({"attribute[size]": "huge"}, 400, "attribute[size]: 'huge' is not one of its keys"),
        ({"media_url": "ftp://example.org/a.jpg"}, 400, "media_url: 'ftp://example.org/a.jpg'"),
        ({"attribute[fixmystreet_id]": "12a"}, 400, "attribute[fixmystreet_id]: '12a' is not"),
        ({"attribute[easting]": "-5"}, 400, "attribute[easting]: '-5' is not British National"),
        ({"attribute[report_url]": "javascript:x"}, 400, "attribute[report_url]: 'javascript"),
    ],
)
@pytest.mark.parametrize("fmt", ["json", "xml"])
async def test_bad_posts_get_spec_errors_and_change_nothing(
    client: httpx.AsyncClient, change: dict[str, str | None], status: int, says: str, fmt: str
) -> None:
    """Every refused POST says why, in the spec's error format for the path's format, and
    opens nothing (no case, no event)."""
    form: dict[str, str | None] = {**_post_form(), **change}
    response = await _post(client, fmt, **{k: v for k, v in form.items() if v is not None})
    assert response.status_code == status, response.text
    [error] = _errors(response)
    assert error["code"] == status and error["description"].startswith(says), error
    assert "float" not in error["description"] and "Traceback" not in response.text
    assert set((await counts(client)).values()) == {0}


async def test_json_bodies_are_refused_on_post(client: httpx.AsyncClient) -> None:
    response = await client.post(f"{BASE}/requests.json", json=_post_form())
    assert response.status_code == 400
    assert set((await counts(client)).values()) == {0}


async def test_unknown_things_are_404_in_the_spec_format(client: httpx.AsyncClient) -> None:
    for path in ("services/dragons.xml", "requests/FT-2026-999999.json", "tokens/nope.json"):
        response = await client.get(f"{BASE}/{path}")
        assert response.status_code == 404
        assert _errors(response)[0]["code"] == 404
    bad_dates = await client.get(f"{BASE}/requests.json", params={"start_date": "yesterday"})
    assert bad_dates.status_code == 400


# --- what the read side discloses ------------------------------------------------------


async def _posted(client: httpx.AsyncClient, **form: str) -> str:
    response = await _post(client, **form)
    assert response.status_code == 201, response.text
    return str(response.json()[0]["service_request_id"])


def _missed_bin_form() -> dict[str, str]:
    form = _post_form("missed_bin", address_string="12 Acacia Avenue", **{"attribute[uprn]": "1"})
    form.pop("attribute[waste_type]")
    return {**form, "attribute[bin_type]": "recycling", "description": "Left at my gate"}


async def test_a_public_type_shows_what_its_catalogue_file_lists_and_nothing_personal(
    client: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    """fly_tipping shows description, address, location, updates and media; GeoReport v2
    lists the reporter's ``email``, ``first_name``, ``last_name`` and ``phone`` among POST
    arguments only, never among a request's fields."""
    form = _post_form(address_string="Bus stop, High Street", **{"attribute[uprn]": "10001"})
    request_id = await _posted(client, **form)
    officer = bearer(issuer.officer(("street_cleaning", "personal")))
    for kind, text in (("updates", "Cleared this morning"), ("notes", "Van reg AB12 CDE seen")):
        posted = await client.post(
            f"/cases/{request_id}/{kind}", json={"text": text}, headers=officer
        )
        assert posted.status_code == 201, posted.text

    response = await client.get(f"{BASE}/requests/{request_id}.json")

    [one] = response.json()
    assert one["description"] == "Mattress dumped by the bus stop"
    assert one["address"] == "Bus stop, High Street"
    assert (one["lat"], one["long"]) == (pytest.approx(51.5072), pytest.approx(-0.1276))
    assert one["status_notes"] == "Cleared this morning", "the public update, not the note"
    assert one["address_id"] is None, "never the UPRN"
    for personal in ("Ada", "Example", "reporter@example.org", "10001", "AB12 CDE"):
        assert personal not in response.text


async def test_a_type_about_someones_home_is_not_listed_without_a_key(
    client: httpx.AsyncClient,
) -> None:
    missed = await _posted(client, **_missed_bin_form())
    bins = await client.get(f"{BASE}/requests.json", params={"service_code": "missed_bin"})
    assert bins.status_code == 200 and bins.json() == []
    walked = await client.get(f"{BASE}/requests/{missed}.json")
    unknown = await client.get(f"{BASE}/requests/MB-2026-999999.json")
    assert walked.status_code == unknown.status_code == 404, "a reference cannot be walked"
    assert _errors(walked)[0]["description"].replace(missed, "X") == _errors(unknown)[0][
        "description"
    ].replace("MB-2026-999999", "X")


async def test_a_key_holder_follows_any_offered_request_by_its_status_only(
    client: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    missed = await _posted(client, **_missed_bin_form())
    officer = bearer(issuer.officer(("waste", "personal")))
    await client.post(f"/cases/{missed}/updates", json={"text": "Crew sent"}, headers=officer)

    response = await client.get(f"{BASE}/requests/{missed}.json", params={"api_key": API_KEY})

    [one] = response.json()
    assert (one["service_request_id"], one["status"]) == (missed, "open")
    shown = {k for k, v in one.items() if v is not None}
    assert shown == {
        "service_request_id",
        "status",
        "service_name",
        "service_code",
        "requested_datetime",
        "updated_datetime",
        "expected_datetime",
    }
    for personal in ("Acacia", "Left at my gate", "Crew sent", "reporter@example.org"):
        assert personal not in response.text


async def test_requests_posted_through_the_rest_api_follow_the_same_disclosure(
    client: httpx.AsyncClient,
) -> None:
    created = await client.post("/cases", json=MISSED_BIN)
    assert created.status_code == 201, created.text
    listed = await client.get(f"{BASE}/requests.json", params={"api_key": API_KEY})
    [one] = listed.json()
    assert one["lat"] is None and one["description"] is None


@pytest.mark.parametrize("path", ["requests.json", "requests/FT-2026-000001.json"])
async def test_a_wrong_key_is_refused_not_taken_for_no_key(
    client: httpx.AsyncClient, path: str
) -> None:
    response = await client.get(f"{BASE}/{path}", params={"api_key": "guessed"})
    assert response.status_code == 403
    assert _errors(response)[0] == {"code": 403, "description": "invalid api_key"}


async def test_a_date_range_may_not_span_more_than_90_days(client: httpx.AsyncClient) -> None:
    """GeoReport v2: start_date "When provided with end_date, allows one to search for
    requests which have a requested_datetime that matches a given range, but may not
    span more than 90 days." """
    wide = {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"}
    response = await client.get(f"{BASE}/requests.json", params=wide)
    assert response.status_code == 400
    assert "90 days" in _errors(response)[0]["description"]
