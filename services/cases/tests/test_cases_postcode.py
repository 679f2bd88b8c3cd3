"""A request's postcode: kept in its normal form, refused when it is not one, and
published only as its sector in clear (the full postcode and the UPRN sealed, or not
at all), on every database."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from townhall.cases.testing import PEST_CONTROL, bearer, counts, envelopes, rows_holding
from townhall.cases.testing_open311 import fly_tipping_form, posted
from townhall.runtime.crypto import open_sealed
from townhall.runtime.data_keys import resident_context
from townhall.runtime.testkit.data_keys import FakeDataKeys
from townhall.runtime.testkit.tokens import TestIssuer

SUBMITTED = "townhall.cases.case.submitted.v1"
UPRN = "100023336956"


def _at(postcode: str, **location: Any) -> dict[str, Any]:
    return {
        **PEST_CONTROL,
        "location": {"address": "1 High Street", "postcode": postcode, **location},
    }


async def _submitted(client: httpx.AsyncClient) -> dict[str, Any]:
    found = [e for e in await envelopes(client) if e.type == SUBMITTED]
    return found[-1].data


async def test_an_officers_request_keeps_the_postcode_and_publishes_only_its_sector_in_clear(
    client: httpx.AsyncClient, issuer: TestIssuer, data_keys: FakeDataKeys
) -> None:
    resident_id = uuid.uuid4()
    officer = bearer(issuer.officer(("pest_control", "personal")))
    body = {**_at(" n12ab ", uprn=UPRN), "resident_id": str(resident_id), "channel": "phone"}

    created = await client.post("/cases", json=body, headers=officer)

    assert created.status_code == 201, created.text
    assert await rows_holding(client, "N1 2AB"), "kept, in its normal form"
    data = await _submitted(client)
    assert (data["postcode_sector"], data["postcode"], data["uprn"]) == ("N1 2", None, None)
    key = data_keys.key_of(resident_id)
    assert key is not None
    opened = open_sealed(data["sealed"], key, context=resident_context(resident_id))
    assert opened == {"postcode": "N1 2AB", "uprn": UPRN}, "the resident's key opens it"


async def test_an_unmatched_requests_postcode_and_uprn_are_never_published(
    client: httpx.AsyncClient,
) -> None:
    created = await client.post("/cases", json=_at("SW1A 1AA", uprn=UPRN))

    assert created.status_code == 201, created.text
    data = await _submitted(client)
    assert (data["postcode_sector"], data["sealed"]) == ("SW1A 1", None)
    published = "".join(e.model_dump_json() for e in await envelopes(client))
    assert "SW1A 1AA" not in published and UPRN not in published


async def test_a_request_without_a_postcode_publishes_no_sector(
    client: httpx.AsyncClient,
) -> None:
    await client.post("/cases", json=PEST_CONTROL)

    assert (await _submitted(client))["postcode_sector"] is None


@pytest.mark.parametrize("postcode", ["N1 2A", "QQ1 1QQ", "12345", "N1 2AB; DROP"])
async def test_a_bad_postcode_is_refused_naming_the_field_and_nothing_is_saved(
    client: httpx.AsyncClient, postcode: str
) -> None:
    before = await counts(client)

    refused = await client.post("/cases", json=_at(postcode))

    assert refused.status_code == 422, refused.text
    [error] = refused.json()["errors"]
    assert error["loc"] == ["body", "location", "postcode"]
    assert "not a valid UK postcode" in error["msg"]
    assert await counts(client) == before


@pytest.mark.parametrize(
    ("extra", "sector"),
    [
        ({"attribute[postcode]": "e1 6an"}, "E1 6"),
        ({"address_string": "Bus stop, 2 High Street, London EC1A 1BB"}, "EC1A 1"),
        ({"address_string": "Bus stop, High Street"}, None),
    ],
)
async def test_open311_takes_the_postcode_from_its_attribute_or_the_address_end(
    client: httpx.AsyncClient, extra: dict[str, str], sector: str | None
) -> None:
    await posted(client, fly_tipping_form(**extra))

    assert (await _submitted(client))["postcode_sector"] == sector
