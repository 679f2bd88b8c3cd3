"""Searching for residents: every field, typos and nicknames, ranking, merges, erasure,
who may search, bad input, and the audit. Identity's events go through the projection's
handler with data keys fetched over HTTP from a stand-in identity."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import DBAPIError

from townhall.resident_view.adapters.orm import lookup_audit, residents, search_terms
from townhall.resident_view.testing import Spec, envelope
from townhall.resident_view.testing_identity import Searchable, address, name
from townhall.schemas.envelope import Sensitivity

WASTE = Spec("waste", Sensitivity.PERSONAL)
ADA_DOB = date(1985, 12, 10)


def officer(env: Searchable) -> str:
    return env.issuer.officer(("waste", "personal"), ("identity", "personal"))


def ids(found: list[dict[str, object]]) -> list[str]:
    return [str(f["resident_id"]) for f in found]


async def register_ada(env: Searchable) -> str:
    ada = str(uuid.uuid4())
    events = env.identity
    await env.project(
        events.registered(
            ada,
            "Ada",
            "Lovelace",
            date_of_birth=ADA_DOB,
            email="Ada.Lovelace@Example.org",
            phone="+44 7700 900123",
        ),
        events.moved(ada, [address("sw1a 1aa", "100023336956")]),
        events.linked(ada, "council_tax", "ct-000123"),
        envelope(ada, WASTE, 1, case_reference="MB-2026-000001"),
    )
    return ada


async def test_officers_find_a_resident_by_each_field(searchable: Searchable) -> None:
    env = searchable
    ada = await register_ada(env)
    other = str(uuid.uuid4())
    await env.project(
        env.identity.registered(other, "Grace", "Hopper", date_of_birth=date(1906, 12, 9))
    )
    token = officer(env)
    for params, reason in [
        ({"name": "Ada Lovelace"}, "name"),
        ({"date_of_birth": "1985-12-10"}, "date_of_birth"),
        ({"postcode": "SW1A1AA"}, "postcode"),
        ({"postcode": "sw1a"}, "postcode_district"),
        ({"uprn": "100023336956"}, "uprn"),
        ({"email": " ada.lovelace@example.org"}, "email"),
        ({"phone": "07700 900123"}, "phone"),
        ({"identifier": " ct-000123"}, "identifier"),
        ({"case": "MB-2026-000001"}, "case_reference"),
    ]:
        found = await env.found(token, **params)
        assert ids(found) == [ada], params
        assert found[0]["matched_on"] == [reason]
    shown = (await env.found(token, name="ada lovelace"))[0]
    assert (shown["given_name"], shown["family_name"]) == ("Ada", "Lovelace")
    assert (shown["date_of_birth"], shown["postcode"]) == ("1985-12-10", "SW1A 1AA")
    assert shown["score"] == 1.0


async def test_typos_sound_alikes_and_nicknames_still_find_the_resident(
    searchable: Searchable,
) -> None:
    env = searchable
    william, someone_else = str(uuid.uuid4()), str(uuid.uuid4())
    await env.project(
        env.identity.registered(william, "William", "Johnson"),
        env.identity.registered(someone_else, "Mary", "Evans"),
    )
    token = officer(env)
    for typed, reason in [
        ("Wiliam Jonhson", "similar_name"),
        ("William Jonson", "similar_name"),
        ("Bill Johnson", "nickname"),
        ("Will Johnsen", "similar_name"),
        ("johnson", "name"),
    ]:
        found = await env.found(token, name=typed)
        assert ids(found) == [william], typed
        assert found[0]["matched_on"] == [reason], typed
    assert await env.found(token, name="Margaret Jones") == []


async def test_results_are_ranked_best_first(searchable: Searchable) -> None:
    env = searchable
    bill, william, will_smyth, jon = (str(uuid.uuid4()) for _ in range(4))
    born = date(1970, 3, 4)
    await env.project(
        env.identity.registered(william, "William", "Smith", date_of_birth=born),
        env.identity.registered(bill, "Bill", "Smith", date_of_birth=born),
        env.identity.registered(will_smyth, "Will", "Smyth", date_of_birth=date(1970, 4, 3)),
        env.identity.registered(jon, "Jon", "Smith", date_of_birth=date(1999, 1, 1)),
    )
    found = await env.found(officer(env), name="Bill Smith", date_of_birth=born.isoformat())
    assert ids(found) == [bill, william, will_smyth]
    scores = [f["score"] for f in found]
    assert scores == sorted(scores, reverse=True) and scores[0] == 1.0
    assert found[1]["matched_on"] == ["nickname", "date_of_birth"]
    assert found[2]["matched_on"] == ["similar_name", "date_of_birth_swapped"]
    only_two = await env.found(
        officer(env), name="Bill Smith", date_of_birth=born.isoformat(), limit=2
    )
    assert ids(only_two) == [bill, william]


async def test_former_names_and_addresses_still_find_the_resident(searchable: Searchable) -> None:
    env = searchable
    resident = str(uuid.uuid4())
    await env.project(
        env.identity.registered(resident, "Jane", "Doe"),
        env.identity.renamed(resident, [name("Jane", "Roe"), name("Jane", "Doe", "2020-01-01")]),
        env.identity.moved(
            resident, [address("CF10 1AA"), address("LS1 4AP", "000012345678", "2024-05-01")]
        ),
    )
    token = officer(env)
    former = await env.found(token, name="Jane Doe")
    assert ids(former) == [resident] and former[0]["matched_on"] == ["former_name"]
    assert former[0]["family_name"] == "Roe" and former[0]["postcode"] == "CF10 1AA"
    moved = await env.found(token, postcode="LS1 4AP")
    assert ids(moved) == [resident] and moved[0]["matched_on"] == ["former_address"]
    by_uprn = await env.found(token, uprn="000012345678")
    assert ids(by_uprn) == [resident], "a UPRN keeps its leading zeros"


async def test_an_erased_resident_is_not_found_any_more(searchable: Searchable) -> None:
    env = searchable
    ada = await register_ada(env)
    token = officer(env)
    assert ids(await env.found(token, name="Ada Lovelace")) == [ada]
    await env.project(env.identity.erased(ada))
    for params in ({"name": "Ada Lovelace"}, {"email": "ada.lovelace@example.org"}):
        assert await env.found(token, **params) == []
    assert await env.found(token, case="MB-2026-000001") == []
    async with env.runtime.sessions() as session:
        for table in (residents, search_terms):
            query = select(func.count()).where(table.c.resident_id == ada)
            assert (await session.execute(query)).scalar_one() == 0


async def test_a_merged_resident_is_found_as_the_survivor_until_unmerged(
    searchable: Searchable,
) -> None:
    env = searchable
    survivor, duplicate = str(uuid.uuid4()), str(uuid.uuid4())
    await env.project(
        env.identity.registered(survivor, "Robert", "Brown", email="rob@example.org"),
        env.identity.registered(duplicate, "Bob", "Browne", phone="01632 960001"),
    )
    token = officer(env)
    await env.project(env.identity.merged(survivor, duplicate))
    by_phone = await env.found(token, phone="01632960001")
    assert ids(by_phone) == [survivor]
    assert by_phone[0]["matched_on"] == ["phone", "merged_record"]
    assert by_phone[0]["given_name"] == "Robert", "shown as the survivor"
    assert ids(await env.found(token, name="Robert Brown")) == [survivor]
    await env.project(env.identity.unmerged(survivor, duplicate))
    assert ids(await env.found(token, phone="01632960001")) == [duplicate]
    assert ids(await env.found(token, email="rob@example.org")) == [survivor]


async def test_only_officers_with_a_role_may_search_and_refusals_are_audited(
    searchable: Searchable,
) -> None:
    env = searchable
    await register_ada(env)
    resident = str(uuid.uuid4())
    refused = {
        "resident": env.issuer.resident(resident),
        "service": env.issuer.token("service:cases", "service", scope="pii:read"),
        "officer without a role": env.issuer.officer(),
    }
    for who, token in refused.items():
        response = await env.search(token, name="Ada Lovelace")
        assert response.status_code == 403, who
        assert response.headers["Content-Type"] == "application/problem+json"
    trail = await env.get("/audit/lookups", env.issuer.officer(("admin", "special")))
    assert [(a["viewer_kind"], a["outcome"]) for a in trail.json()] == [
        ("officer", "denied"),
        ("service", "denied"),
        ("resident", "denied"),
    ]
    assert {a["resident_ids"] == [] for a in trail.json()} == {True}


async def test_bad_search_parameters_get_a_problem(searchable: Searchable) -> None:
    env = searchable
    token = officer(env)
    cases: list[tuple[dict[str, str | int], int]] = [
        ({}, 400),
        ({"name": "??"}, 400),
        ({"name": "x"}, 422),
        ({"postcode": "NOT A PC"}, 400),
        ({"date_of_birth": "10/12/1985"}, 422),
        ({"date_of_birth": "2999-01-01"}, 400),
        ({"uprn": "12AB"}, 422),
        ({"email": "nobody"}, 400),
        ({"phone": "12"}, 400),
        ({"name": "Ada", "limit": 0}, 422),
        ({"name": "Ada", "limit": 51}, 422),
        ({"name": "Ada", "purpose": ""}, 422),
        ({"name": "Ada", "purpose": " ab "}, 422),
    ]
    for params, status in cases:
        response = await env.search(token, **params)
        assert response.status_code == status, (params, response.text)
        assert response.headers["Content-Type"] == "application/problem+json"


async def test_every_search_is_audited_with_its_fields_purpose_and_results(
    searchable: Searchable,
) -> None:
    env = searchable
    ada = await register_ada(env)
    token = env.issuer.token(
        "officer-42", "officer", roles=[{"domain": "waste", "clearance": "personal"}]
    )
    response = await env.get(
        "/residents/search",
        token,
        name="Ada Lovelace",
        date_of_birth="1985-12-10",
        purpose="caller asking about a missed bin",
    )
    assert response.status_code == 200, response.text
    await env.get("/residents/search", token, name="Nobody Here", purpose="another call")
    admin = env.issuer.officer(("admin", "special"))
    trail = (await env.get("/audit/lookups", admin, viewer="officer-42", action="search")).json()
    assert [(a["outcome"], a["resident_ids"]) for a in trail] == [
        ("none_found", []),
        ("shown", [ada]),
    ]
    assert trail[1]["purpose"] == "caller asking about a missed bin"
    assert trail[1]["query"] == "name,date_of_birth", "the fields searched by, never their values"
    assert "Lovelace" not in str(trail)
    assert (await env.get("/audit/lookups", token)).status_code == 403


async def test_the_lookup_audit_cannot_be_changed_or_deleted(searchable: Searchable) -> None:
    env = searchable
    await env.search(officer(env), name="Anyone")
    for statement in (update(lookup_audit).values(purpose="nothing"), delete(lookup_audit)):
        with pytest.raises(DBAPIError, match="append-only"):
            async with env.runtime.sessions.begin() as session:
                await session.execute(statement)
