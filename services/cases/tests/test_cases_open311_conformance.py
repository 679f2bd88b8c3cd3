"""GeoReport v2 conformance points of issue 13, quoting the spec
(wiki.open311.org/GeoReport_v2): attribute datatypes, media, errors everywhere under
/open311/v2/ in the spec's format, and what a personal type shows in a public list."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from townhall.cases.adapters.orm import cases, open311_requests
from townhall.cases.entrypoints.open311.definitions import DATETIME_ACCEPTS
from townhall.cases.testing import API_KEY, runtime_of
from townhall.cases.testing_open311 import (
    BASE,
    all_counts,
    app_client,
    catalogue_with_test_types,
    fly_tipping_form,
    post,
    posted,
    spec_errors,
)
from townhall.runtime.testkit.tokens import TestIssuer


@pytest.fixture
async def http(
    database_url: str, issuer: TestIssuer, tmp_path: Path
) -> AsyncIterator[httpx.AsyncClient]:
    catalogue = catalogue_with_test_types(tmp_path / "service_types")
    async for client in app_client(database_url, issuer, catalogue):
        yield client


def _street_light(**extra: str) -> dict[str, str]:
    return {
        "api_key": API_KEY,
        "service_code": "street_light",
        "lat": "51.5",
        "long": "-0.12",
        "description": "Out since Tuesday",
        "attribute[fault]": "out",
        "attribute[noticed_at]": "2026-05-01T21:30:00+01:00",
        **extra,
    }


async def _details(client: httpx.AsyncClient, reference: str) -> dict[str, Any]:
    async with runtime_of(client).sessions() as session:
        query = select(cases.c.details).where(cases.c.reference == reference)
        found: dict[str, Any] = (await session.execute(query)).scalar_one()
    return found


async def _attribute(client: httpx.AsyncClient, service: str, code: str) -> dict[str, Any]:
    definition = (await client.get(f"{BASE}/services/{service}.json")).json()
    found: dict[str, Any] = next(a for a in definition["attributes"] if a["code"] == code)
    return found


# --- datetime, number, lists ------------------------------------------------------------


async def test_a_datetime_attribute_says_it_takes_w3c_date_times(
    http: httpx.AsyncClient,
) -> None:
    """GeoReport v2: datetime "must be able to transform into a valid ISO 8601 date";
    dates "must be formatted in a common subset of ISO 8601 as per the w3 note" and
    "Timezone information (either Z meaning UTC, or an HH:MM offset from UTC) must be
    included"."""
    attribute = await _attribute(http, "street_light", "noticed_at")
    assert attribute["datatype"] == "datetime"
    assert attribute["datatype_description"] == DATETIME_ACCEPTS["date-time"]
    assert "W3C" in attribute["datatype_description"]

    with_offset = await posted(http, _street_light())
    in_utc = await posted(http, _street_light(**{"attribute[noticed_at]": "1994-11-05T13:15:30Z"}))

    assert (await _details(http, with_offset))["noticed_at"] == "2026-05-01T21:30:00+01:00"
    assert (await _details(http, in_utc))["noticed_at"] == "1994-11-05T13:15:30+00:00"


async def test_a_date_attribute_takes_a_date_or_a_w3c_date_time(
    http: httpx.AsyncClient,
) -> None:
    attribute = await _attribute(http, "missed_bin", "collection_date")
    assert attribute["datatype"] == "datetime"
    assert attribute["datatype_description"] == DATETIME_ACCEPTS["date"]
    form = {
        "api_key": API_KEY,
        "service_code": "missed_bin",
        "address_string": "12 Acacia Avenue",
        "attribute[bin_type]": "food",
    }
    plain = await posted(http, {**form, "attribute[collection_date]": "2026-05-01"})
    stamped = await posted(http, {**form, "attribute[collection_date]": "2026-05-01T07:00:00Z"})
    assert (await _details(http, plain))["collection_date"] == "2026-05-01"
    assert (await _details(http, stamped))["collection_date"] == "2026-05-01"


async def test_number_attributes_take_decimals_and_integers_take_whole_numbers(
    http: httpx.AsyncClient,
) -> None:
    """GeoReport v2: number is "A numeric value"."""
    assert (await _attribute(http, "street_light", "height_m"))["datatype"] == "number"
    tall = await posted(http, _street_light(**{"attribute[height_m]": "7.5"}))
    assert (await _details(http, tall))["height_m"] == 7.5

    pests = {
        "api_key": API_KEY,
        "service_code": "pest_control",
        "address_string": "12 Acacia Avenue",
        "attribute[pest]": "mice",
        "attribute[rooms_affected]": "3.0",
    }
    assert (await _details(http, await posted(http, pests)))["rooms_affected"] == 3


async def test_list_attributes_take_their_keys(http: httpx.AsyncClient) -> None:
    """GeoReport v2: multivaluelist: "A set of predefined values (specified in this
    response) where several values may be selected"; posted as
    attribute[code1][]=value1&attribute[code1][]=value2."""
    form = [
        *list(_street_light().items()),
        ("attribute[days][]", "mon"),
        ("attribute[days][]", "wed"),
    ]
    reference = await posted(http, form)
    assert (await _details(http, reference))["days"] == ["mon", "wed"]


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (
            {"attribute[noticed_at]": "2026-05-01 21:30"},
            "attribute[noticed_at]: '2026-05-01 21:30' has no time zone",
        ),
        (
            {"attribute[noticed_at]": "yesterday"},
            "attribute[noticed_at]: 'yesterday' is not a W3C date-time",
        ),
        (
            {"attribute[noticed_at]": None},
            "attribute[noticed_at]: is required (When did you notice it?)",
        ),
        ({"attribute[height_m]": "tall"}, "attribute[height_m]: 'tall' is not a number"),
        ({"attribute[height_m]": "1e999"}, "attribute[height_m]: '1e999' is out of range"),
        ({"attribute[height_m]": "31"}, "attribute[height_m]: 31.0 is greater than the maximum"),
        (
            {"attribute[fault]": "Out"},
            "attribute[fault]: 'Out' is not one of its keys (out, flickering, damaged)",
        ),
        (
            {"attribute[days][]": "fri"},
            "attribute[days]: 'fri' is not one of its keys (mon, tue, wed)",
        ),
    ],
)
@pytest.mark.parametrize("fmt", ["json", "xml"])
async def test_a_bad_attribute_is_named_as_sent_and_changes_nothing(
    http: httpx.AsyncClient, change: dict[str, str | None], says: str, fmt: str
) -> None:
    """GeoReport v2, POST Service Request: "400 - General Service Error"; each error's
    description "is meant to be seen by the user"."""
    form = {k: v for k, v in {**_street_light(), **change}.items() if v is not None}
    response = await post(http, "requests", fmt, form)
    assert response.status_code == 400, response.text
    [error] = spec_errors(response)
    assert error["description"].startswith(says), error
    assert set((await all_counts(http)).values()) == {0}


async def test_a_rooms_count_is_a_whole_number(http: httpx.AsyncClient) -> None:
    form = {
        "api_key": API_KEY,
        "service_code": "pest_control",
        "address_string": "12 Acacia Avenue",
        "attribute[pest]": "mice",
        "attribute[rooms_affected]": "2.5",
    }
    response = await post(http, "requests", "json", form)
    assert response.status_code == 400
    assert (
        spec_errors(response)[0]["description"]
        == "attribute[rooms_affected]: '2.5' is not a whole number"
    )


# --- media ------------------------------------------------------------------------------


async def test_several_media_urls_are_all_kept(http: httpx.AsyncClient) -> None:
    """GeoReport v2 names one media_url; FixMyStreet's multi_photos sends the parameter
    once per photo. Every one is kept: in the form's photos, or beside the case."""
    photos = [f"https://fixmystreet.example/photo/{n}.jpeg" for n in range(3)]
    form = list(fly_tipping_form().items()) + [("media_url", url) for url in photos]
    fly = await posted(http, form)
    assert (await _details(http, fly))["photos"] == photos
    [one] = (await http.get(f"{BASE}/requests/{fly}.json")).json()
    assert one["media_url"] == photos[0], "the spec's one media_url: the first"

    bins = [
        ("api_key", API_KEY),
        ("service_code", "missed_bin"),
        ("address_string", "12 Acacia Avenue"),
        ("attribute[bin_type]", "food"),
    ] + [("media_url", url) for url in photos[:2]]
    await posted(http, bins)
    async with runtime_of(http).sessions() as session:
        kept = (await session.execute(select(open311_requests.c.media_urls))).scalars().all()
    assert sorted(kept, key=len) == [[], photos[:2]]


# --- errors everywhere under /open311/v2/ ----------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "headers", "status", "fmt", "says"),
    [
        ("GET", "nothing.xml", {}, 404, "xml", "Not Found"),
        ("GET", "requests/FT-2026-000001/notes.json", {}, 404, "json", "Not Found"),
        ("DELETE", "services.json", {}, 405, "json", "Method Not Allowed"),
        ("PUT", "requests.xml", {}, 405, "xml", "Method Not Allowed"),
        ("GET", "services.html", {}, 400, "xml", "the format is the path's extension"),
        ("GET", "services.html", {"Accept": "application/json"}, 400, "json", "the format"),
        ("GET", "services.json", {"Authorization": "Bearer nonsense"}, 401, "json", ""),
        ("GET", "requests.json?start_date=2026-13-01", {}, 400, "json", "dates must be W3C"),
    ],
)
async def test_every_error_under_open311_is_in_the_spec_format(
    http: httpx.AsyncClient,
    method: str,
    path: str,
    headers: dict[str, str],
    status: int,
    fmt: str,
    says: str,
) -> None:
    """GeoReport v2, Errors: "The HTTP error codes should always be 404 for resources
    that don't exist, 403 for errors because of wrong or missing api_key and basically
    400 for any other error", the body an array of code and description, in XML or
    JSON; not the platform's RFC 9457 problem."""
    response = await http.request(method, f"{BASE}/{path}", headers=headers)

    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(
        "text/xml" if fmt == "xml" else "application/json"
    )
    [error] = spec_errors(response)
    assert error["code"] == status and error["description"].startswith(says)
    assert response.headers["x-content-type-options"] == "nosniff", "security headers kept"


async def test_a_body_too_large_is_refused_in_the_spec_format(
    http: httpx.AsyncClient,
) -> None:
    big = {**fly_tipping_form(), "description": "x" * 2_000_000}
    response = await post(http, "requests", "xml", big)
    assert response.status_code == 413
    assert spec_errors(response)[0]["code"] == 413
    assert set((await all_counts(http)).values()) == {0}


async def test_problems_elsewhere_stay_problems(http: httpx.AsyncClient) -> None:
    response = await http.get("/cases/FT-2026-000001")
    assert response.headers["content-type"] == "application/problem+json"


# --- personal types in a public list --------------------------------------------------


async def test_a_personal_type_shows_no_location_or_description_in_any_list(
    http: httpx.AsyncClient,
) -> None:
    """README, Open311: a type whose sensitivity is not public (about someone's home,
    household or circumstances) shows status, type and dates only in an Open311 list,
    even when its file makes it public and asks to show everything: where it is and
    what its resident wrote point at a person."""
    form = {
        "api_key": API_KEY,
        "service_code": "home_visit",
        "lat": "51.5",
        "long": "-0.12",
        "address_string": "12 Acacia Avenue",
        "description": "My mother fell on the stairs",
        "attribute[reason]": "falls",
    }
    reference = await posted(http, form)
    for params in ({}, {"api_key": API_KEY}):
        listed = (await http.get(f"{BASE}/requests.json", params=params)).json()
        [one] = [r for r in listed if r["service_request_id"] == reference]
        assert (one["lat"], one["long"], one["description"], one["address"]) == (None,) * 4
        assert "Acacia" not in str(listed) and "mother" not in str(listed)
