"""The full resident record: names, addresses, contacts, language, identifiers, consent."""

from __future__ import annotations

import pytest

from townhall.identity.adapters.orm import resident_addresses, resident_identifiers
from townhall.identity.testing import Harness, bearer
from townhall.runtime.crypto import decode_key, open_sealed

MOVE = {"line1": "1 Example Street", "town": "Exampleton", "postcode": "sw1a1aa", "uprn": "000100"}


async def _officer(identity: Harness) -> dict[str, str]:
    return bearer(await identity.officer_token("cc@example.org", ("contact_centre", "personal")))


async def test_a_record_keeps_former_names_and_the_address_history(identity: Harness) -> None:
    rid = await identity.register(email="ada@example.org", phone="+44 7700 900123")
    headers = await _officer(identity)
    url = f"/residents/{rid}"
    body = {"given_name": "Ada", "family_name": "Married", "since": "2024-06-01"}
    assert (await identity.http.put(f"{url}/name", json=body, headers=headers)).status_code == 204
    first = {**MOVE, "moved_in": "2020-01-01"}
    second = {**MOVE, "line1": "2 Sample Road", "postcode": "CF10 1AA", "moved_in": "2024-07-01"}
    for move in (first, second):
        response = await identity.http.post(f"{url}/addresses", json=move, headers=headers)
        assert response.status_code == 204, response.text
    cymraeg = {"language": "cy"}
    lang = await identity.http.put(f"{url}/preferred-language", json=cymraeg, headers=headers)
    assert lang.status_code == 204
    record = (await identity.http.get(url, headers=headers)).json()
    assert [n["family"] for n in record["names"]] == ["Married", "Example"]
    assert record["names"][1]["until"] == "2024-06-01"
    assert [a["postcode"] for a in record["addresses"]] == ["CF10 1AA", "SW1A 1AA"]
    assert record["addresses"][1]["uprn"] == "000100"
    assert record["addresses"][1]["moved_out"] == "2024-07-01"
    assert record["preferred_language"] == "cy"
    assert {p["value"] for p in record["contact_points"]} == {"ada@example.org", "07700900123"}


async def test_personal_data_travels_only_sealed_under_the_residents_key(identity: Harness) -> None:
    rid = await identity.register(email="ada@example.org")
    headers = await _officer(identity)
    move = await identity.http.post(f"/residents/{rid}/addresses", json=MOVE, headers=headers)
    assert move.status_code == 204
    events = [e for e in await identity.events() if e["residentid"] == rid]
    assert [e["type"].rsplit(".", 2)[-2] for e in events] == ["registered", "moved"]
    assert "Example Street" not in str(events) and "ada@example.org" not in str(events)
    service = bearer(await identity.service_token("resident-view", "pii:read"))
    served = (await identity.http.get(f"/residents/{rid}/data-key", headers=service)).json()
    opened = open_sealed(
        events[-1]["data"]["personal_data"], decode_key(served["key"]), context=served["context"]
    )
    assert opened["addresses"][0]["postcode"] == "SW1A 1AA"


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("addresses", {**MOVE, "postcode": "NOT A CODE"}),
        ("addresses", {**MOVE, "uprn": "12a"}),
        ("addresses", {**MOVE, "extra": 1}),
        ("contact-points", {"phone": "12345"}),
        ("contact-points", {}),
        ("identifiers/Council Tax", {"value": "CT1"}),
    ],
)
async def test_bad_changes_are_refused_and_change_nothing(
    identity: Harness, path: str, body: dict[str, object]
) -> None:
    rid = await identity.register()
    headers = await _officer(identity)
    before = len(await identity.events())
    method = identity.http.put if path.startswith("identifiers") else identity.http.post
    response = await method(f"/residents/{rid}/{path}", json=body, headers=headers)
    assert response.status_code == 422, response.text
    assert response.headers["Content-Type"] == "application/problem+json"
    assert len(await identity.events()) == before
    assert await identity.count(resident_addresses) == 0


async def test_an_identifier_belongs_to_one_resident_per_system(identity: Harness) -> None:
    first, second = await identity.register(), await identity.register(given_name="Bob")
    headers = await _officer(identity)
    url = "/residents/{}/identifiers/council_tax"
    ok = await identity.http.put(url.format(first), json={"value": "CT-0042"}, headers=headers)
    assert ok.status_code == 204
    taken = await identity.http.put(url.format(second), json={"value": "CT-0042"}, headers=headers)
    assert taken.status_code == 409
    assert await identity.count(resident_identifiers) == 1


async def test_a_resident_sees_their_own_record_but_not_anothers(identity: Harness) -> None:
    mine, theirs = await identity.register(), await identity.register(given_name="Bob")
    tokens = identity.services.tokens
    token = (await tokens.issue(mine, "resident", loa=1)).access_token
    assert (await identity.http.get(f"/residents/{mine}", headers=bearer(token))).status_code == 200
    other = await identity.http.get(f"/residents/{theirs}", headers=bearer(token))
    assert other.status_code == 403
    assert (await identity.http.get(f"/residents/{mine}")).status_code == 401


async def test_consent_is_granted_withdrawn_and_queryable(identity: Harness) -> None:
    rid = await identity.register()
    token = (await identity.services.tokens.issue(rid, "resident", loa=1)).access_token
    headers, url = bearer(token), f"/residents/{rid}/consents"
    for domain in ("housing", "*"):
        assert (await identity.http.put(f"{url}/{domain}", headers=headers)).status_code == 204
    assert (await identity.http.delete(f"{url}/housing", headers=headers)).status_code == 204
    assert (await identity.http.get(url, headers=headers)).json()["domains"] == ["*"]
    assert (await identity.http.put(f"{url}/admin", headers=headers)).status_code == 422
    types = [e["type"] for e in await identity.events()][-3:]
    assert types == [
        "townhall.identity.consent.granted.v1",
        "townhall.identity.consent.granted.v1",
        "townhall.identity.consent.withdrawn.v1",
    ]


async def test_an_officer_raises_the_level_of_assurance(identity: Harness) -> None:
    rid = await identity.register()
    headers = await _officer(identity)
    body = {"loa": 2, "evidence": "passport"}
    url = f"/residents/{rid}/assurance"
    assert (await identity.http.post(url, json=body, headers=headers)).status_code == 204
    assert (await identity.http.post(url, json=body, headers=headers)).status_code == 422
    assert (await identity.http.get(f"/residents/{rid}", headers=headers)).json()["loa"] == 2
