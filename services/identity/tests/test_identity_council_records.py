"""Records as councils hold them, through POST /records/match: a resident created from
one keeps all of it, a link adds what was new (and says why), bad input changes nothing.

The exact-match placeholder decides here (a shared email or phone with the same family
name links), so each test states what the record path does, not what the engine scores.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.sql.schema import Table

from townhall.identity.adapters.orm import (
    resident_identifiers,
    resident_links,
    residents,
    review_items,
)
from townhall.identity.config import IdentitySettings
from townhall.identity.testing import Harness, bearer
from townhall.runtime.crypto import decode_key, open_sealed
from townhall.runtime.tables import outbox


@pytest.fixture
def identity_settings(identity_settings: IdentitySettings) -> IdentitySettings:
    return identity_settings.model_copy(update={"identity_matcher": "exact"})


#: A housing record: everything a council's system may hold about one person.
HOUSING: dict[str, Any] = {
    "system": "housing",
    "reference": "HSG-0001",
    "title": "Mr",
    "given_name": "Robert",
    "initials": "R J",
    "middle_names": ["James"],
    "family_name": "Hartley",
    "suffix": "Jnr",
    "former_family_names": [{"family_name": "Hart", "until": "2001-05-01"}],
    "date_of_birth": "1975-06-14",
    "ni_number": "qq 12 34 56 c",
    "flat": "Flat 2",
    "house_name": "Orchard House",
    "house_number": "12",
    "address_line": "Orchard Road",
    "town": "Sampleton",
    "postcode": "zx1 2ab",
    "uprn": "000100023",
    "recorded_on": "2020-03-01",
    "email": "rob.hartley@example.org",
    "phone": "07700 900123",
}


@pytest.fixture
async def officer(identity: Harness) -> dict[str, str]:
    return bearer(await identity.officer_token("id@example.org", ("identity", "personal")))


async def _match(identity: Harness, headers: dict[str, str], body: dict[str, Any]) -> Any:
    response = await identity.http.post("/records/match", json=body, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def _record(identity: Harness, headers: dict[str, str], rid: str) -> Any:
    response = await identity.http.get(f"/residents/{rid}", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def test_a_resident_created_from_a_record_keeps_all_of_it(
    identity: Harness, officer: dict[str, str]
) -> None:
    created = await _match(identity, officer, HOUSING)
    assert created["outcome"] == "created"
    record = await _record(identity, officer, created["resident_id"])
    name, former = record["names"]
    assert (name["title"], name["given"], name["initials"]) == ("Mr", "Robert", "R J")
    assert (name["middle_names"], name["family"], name["suffix"]) == ("James", "Hartley", "jr")
    assert (former["family"], former["until"]) == ("Hart", "2001-05-01")
    assert record["date_of_birth"] == "1975-06-14" and record["ni_number"] == "QQ123456C"
    [address] = record["addresses"]
    assert address == {
        "flat": "Flat 2", "house_name": "Orchard House", "house_number": "12",
        "line1": "Orchard Road", "line2": None, "town": "Sampleton", "postcode": "ZX1 2AB",
        "uprn": "000100023", "moved_in": "2020-03-01", "moved_out": None,
    }  # fmt: skip
    contacts = {(p["kind"], p["value"], p["verified"]) for p in record["contact_points"]}
    assert contacts == {
        ("email", "rob.hartley@example.org", False),
        ("phone", "07700900123", False),
    }
    assert record["identifiers"] == [{"system": "housing", "value": "HSG-0001"}]


async def test_a_record_keeps_the_addresses_it_names_as_former_ones_dated_when_it_knows(
    identity: Harness, officer: dict[str, str]
) -> None:
    previous = [
        {"house_number": "3", "address_line": "Mill Lane", "postcode": "zx4 7qt",
         "since": "2015-09-01", "until": "2020-02-28"},
        {"house_name": "Rose Cottage", "town": "Sampleton", "uprn": "000100077"},
    ]  # fmt: skip
    created = await _match(identity, officer, {**HOUSING, "previous_addresses": previous})
    addresses = (await _record(identity, officer, created["resident_id"]))["addresses"]
    assert [(a["postcode"], a["house_name"], a["moved_in"], a["moved_out"]) for a in addresses] == [
        ("ZX1 2AB", "Orchard House", "2020-03-01", None),
        ("ZX4 7QT", None, "2015-09-01", "2020-02-28"),
        (None, "Rose Cottage", None, "2020-03-01"),  # left by the record's date
    ]
    linked = await _match(identity, officer, {**HOUSING, "reference": "HSG-0005",
                                              "previous_addresses": previous[:1]})  # fmt: skip
    assert linked["resident_id"] == created["resident_id"]
    assert len((await _record(identity, officer, created["resident_id"]))["addresses"]) == 3


async def test_a_record_with_only_a_title_and_a_surname_makes_a_resident(
    identity: Harness, officer: dict[str, str]
) -> None:
    body = {"system": "council_tax", "reference": "CT-1", "title": "Mrs", "family_name": "Smith"}
    created = await _match(identity, officer, body)
    [name] = (await _record(identity, officer, created["resident_id"]))["names"]
    assert (name["title"], name["given"], name["family"]) == ("Mrs", "", "Smith")


async def test_a_link_adds_what_was_new_and_tells_the_outbox_sealed(
    identity: Harness, officer: dict[str, str]
) -> None:
    rid = await identity.register(given_name="Robert", family_name="Hartley",
                                  email="rob.hartley@example.org")  # fmt: skip
    before = len(await identity.events())
    linked = await _match(identity, officer, HOUSING)
    assert (linked["outcome"], linked["resident_id"]) == ("linked", rid)
    record = await _record(identity, officer, rid)
    assert record["date_of_birth"] == "1975-06-14" and record["ni_number"] == "QQ123456C"
    assert record["names"][0]["suffix"] == "jr" and record["names"][0]["middle_names"] == "James"
    assert [a["uprn"] for a in record["addresses"]] == ["000100023"]
    assert ("phone", "07700900123") in {(p["kind"], p["value"]) for p in record["contact_points"]}
    added = [e for e in (await identity.events())[before:] if e["residentid"] == rid]
    kinds = [e["type"].rsplit(".", 2)[-2] for e in added]
    assert kinds == ["details_changed", "moved", "contact_points_changed", "identifier_linked"]
    assert "QQ123456C" not in str(added) and "Orchard" not in str(added)
    service = bearer(await identity.service_token("resident-view", "pii:read"))
    key = (await identity.http.get(f"/residents/{rid}/data-key", headers=service)).json()
    opened = open_sealed(added[0]["data"]["personal_data"], decode_key(key["key"]),
                         context=key["context"])  # fmt: skip
    assert opened["ni_number"] == "QQ123456C"


async def test_an_older_record_adds_a_former_address_and_a_second_account_in_one_system(
    identity: Harness, officer: dict[str, str]
) -> None:
    rid = (await _match(identity, officer, HOUSING))["resident_id"]
    older = {
        "system": "housing", "reference": "HSG-0002", "given_name": "Robert",
        "family_name": "Hartley", "email": "rob.hartley@example.org", "house_number": "3",
        "address_line": "Mill Lane", "postcode": "ZX4 7QT", "recorded_on": "2015-09-01",
    }  # fmt: skip
    linked = await _match(identity, officer, older)
    assert (linked["outcome"], linked["resident_id"]) == ("linked", rid)
    addresses = (await _record(identity, officer, rid))["addresses"]
    assert [(a["postcode"], a["moved_in"], a["moved_out"]) for a in addresses] == [
        ("ZX1 2AB", "2020-03-01", None),
        ("ZX4 7QT", "2015-09-01", "2020-03-01"),
    ]
    newer = {**older, "reference": "HSG-0003", "house_number": "8", "address_line": "Quay St",
             "postcode": "ZX9 1LL", "recorded_on": "2023-01-10"}  # fmt: skip
    await _match(identity, officer, newer)
    addresses = (await _record(identity, officer, rid))["addresses"]
    assert [a["postcode"] for a in addresses] == ["ZX9 1LL", "ZX1 2AB", "ZX4 7QT"]
    assert addresses[1]["moved_out"] == "2023-01-10"
    for body in (HOUSING, older, newer):  # each account is still recognised: idempotent
        again = await _match(identity, officer, body)
        assert (again["outcome"], again["resident_id"]) == ("linked", rid)
    assert await identity.count(resident_identifiers) == 3
    assert await identity.count(residents) == 1


async def test_a_link_shows_its_evidence_and_officers_see_why_it_was_made(
    identity: Harness, officer: dict[str, str]
) -> None:
    rid = (await _match(identity, officer, HOUSING))["resident_id"]
    body = {**HOUSING, "reference": "HSG-0009", "ni_number": "QQ 65 43 21 A"}
    linked = await _match(identity, officer, body)
    assert linked["probability"] == pytest.approx(0.995)
    shown = {e["field"]: e for e in linked["evidence"]}
    assert shown["email"]["agreement"] == "agree" and shown["uprn"]["agreement"] == "agree"
    assert shown["ni_number"]["agreement"] == "disagree"
    assert "existing" not in shown["ni_number"], "the caller is not shown the resident's data"
    links = await identity.http.get(f"/residents/{rid}/links", headers=officer)
    assert links.status_code == 200, links.text
    [link] = links.json()
    assert (link["system"], link["reference"], link["decided_by"]) == (
        "housing", "HSG-0009", "matcher")  # fmt: skip
    held = {e["field"]: (e["incoming"], e["existing"]) for e in link["evidence"]}
    assert held["ni_number"] == ("QQ654321A", "QQ123456C")


async def test_an_officers_accepted_review_is_logged_as_their_link(
    identity: Harness, officer: dict[str, str]
) -> None:
    rid = await identity.register(given_name="Robert", family_name="Hartley",
                                  date_of_birth="1975-06-14")  # fmt: skip
    review = await _match(identity, officer, {**HOUSING, "email": None, "phone": None})
    assert review["outcome"] == "review" and review["evidence"]
    url = f"/review-items/{review['review_id']}/accept"
    accepted = (await identity.http.post(url, headers=officer)).json()
    assert (accepted["outcome"], accepted["resident_id"]) == ("linked", rid)
    [link] = (await identity.http.get(f"/residents/{rid}/links", headers=officer)).json()
    assert (link["decided_by"], link["review_id"]) == ("officer", review["review_id"])
    assert link["officer_id"] is not None
    assert (await _record(identity, officer, rid))["ni_number"] == "QQ123456C"


async def test_the_link_log_is_for_record_officers_only(identity: Harness) -> None:
    rid = await identity.register()
    waste = bearer(await identity.officer_token("w@example.org", ("waste", "special")))
    assert (await identity.http.get(f"/residents/{rid}/links", headers=waste)).status_code == 403
    admin = bearer(await identity.admin_token())
    unknown = "/residents/00000000-0000-0000-0000-000000000000/links"
    assert (await identity.http.get(unknown, headers=admin)).status_code == 404


async def test_erasure_forgets_what_the_link_log_quoted(
    identity: Harness, officer: dict[str, str]
) -> None:
    rid = (await _match(identity, officer, HOUSING))["resident_id"]
    await _match(identity, officer, {**HOUSING, "reference": "HSG-0002"})
    admin = bearer(await identity.admin_token())
    assert (await identity.http.delete(f"/residents/{rid}", headers=admin)).status_code == 204
    async with identity.runtime.sessions() as session:
        [evidence] = (await session.execute(resident_links.select())).mappings().all()
        row = (await session.execute(residents.select())).mappings().one()
    assert all(e["incoming"] is None and e["existing"] is None for e in evidence["evidence"])
    assert row["ni_number"] is None and "Hartley" not in str(dict(row))


BAD = [
    ({"family_name": None}, "family_name"),
    ({"family_name": "12"}, "family_name"),
    ({"given_name": ""}, "given_name"),
    ({"date_of_birth": "1975-02-30"}, "date_of_birth"),
    ({"date_of_birth": "2999-01-01"}, "date_of_birth"),
    ({"ni_number": "QQ12345"}, "ni_number"),
    ({"postcode": "nonsense"}, "postcode"),
    ({"suffix": "the third"}, "suffix"),
    ({"uprn": "12a"}, "uprn"),
    ({"recorded_on": "2999-01-01"}, "recorded_on"),
    ({"previous_addresses": [{}]}, "previous_addresses"),
    ({"previous_addresses": [{"postcode": "nonsense"}]}, "previous_addresses"),
    (
        {
            "previous_addresses": [
                {"town": "Sampleton", "since": "2019-01-01", "until": "2018-01-01"}
            ]
        },
        "previous_addresses",
    ),
    ({"previous_addresses": [{"town": "Sampleton", "until": "2999-01-01"}]}, "previous_addresses"),
    (
        {"previous_addresses": [{"town": "Sampleton", "county": "Exampleshire"}]},
        "previous_addresses",
    ),
    ({"previous_addresses": [{"town": "Sampleton"}] * 11}, "previous_addresses"),
]


@pytest.mark.parametrize(("change", "field"), BAD, ids=[f"{f}-{n}" for n, (_, f) in enumerate(BAD)])
async def test_a_malformed_record_is_refused_naming_the_field_and_changes_nothing(
    identity: Harness, officer: dict[str, str], change: dict[str, Any], field: str
) -> None:
    rid = await identity.register(given_name="Robert", family_name="Hartley",
                                  email="rob.hartley@example.org")  # fmt: skip
    tables: list[Table] = [residents, resident_identifiers, resident_links, review_items, outbox]
    before = [await identity.count(table) for table in tables]
    body = {key: value for key, value in {**HOUSING, **change}.items() if value is not None}
    response = await identity.http.post("/records/match", json=body, headers=officer)
    assert response.status_code == 422, response.text
    assert response.headers["Content-Type"] == "application/problem+json"
    assert any(field in e["loc"] for e in response.json()["errors"])
    assert [await identity.count(table) for table in tables] == before
    assert (await _record(identity, officer, rid))["ni_number"] is None


async def test_a_link_adds_an_email_only_if_no_one_else_holds_it(
    identity: Harness, officer: dict[str, str]
) -> None:
    await identity.register(given_name="Susan", family_name="Hartley", email="home@example.org")
    rid = await identity.register(given_name="Robert", family_name="Hartley", phone="07700900123")
    shared = {
        "system": "waste", "reference": "W-1", "given_name": "Robert", "family_name": "Hartley",
        "phone": "07700 900123", "email": "home@example.org",
    }  # fmt: skip
    linked = await _match(identity, officer, shared)
    assert (linked["outcome"], linked["resident_id"]) == ("linked", rid)
    own = {**shared, "reference": "W-2", "email": "rob@example.org"}
    await _match(identity, officer, own)
    points = (await _record(identity, officer, rid))["contact_points"]
    assert {p["value"] for p in points if p["kind"] == "email"} == {"rob@example.org"}
