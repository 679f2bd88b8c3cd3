"""POST /records/match through the linkage engine, whose index follows the residents."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest

from townhall.identity.adapters.linkage_matcher import LinkageMatcher
from townhall.identity.config import IdentitySettings
from townhall.identity.entrypoints.api.app import create
from townhall.identity.entrypoints.api.dependencies import services_of
from townhall.identity.testing import Harness, bearer, ready


@pytest.fixture
async def headers(identity: Harness) -> dict[str, str]:
    return bearer(await identity.officer_token("id@example.org", ("identity", "personal")))


async def _match(identity: Harness, headers: dict[str, str], **record: Any) -> dict[str, Any]:
    body = {"system": "council_tax", "reference": f"CT-{uuid.uuid4().hex[:12]}"}
    response = await identity.http.post("/records/match", json={**body, **record}, headers=headers)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def _matcher(identity: Harness) -> LinkageMatcher:
    matcher = identity.services.matcher
    assert isinstance(matcher, LinkageMatcher)
    return matcher


ORCHARD = {"line1": "12 Orchard Road", "town": "Sampleton", "postcode": "ZX1 2AB"}
MILL = {"line1": "3 Mill Lane", "town": "Sampleton", "postcode": "ZX4 7QT"}


async def _household(identity: Harness, headers: dict[str, str]) -> dict[str, str]:
    """A small council: a household of Hartleys, neighbours, and a mover."""
    people = {
        "william": ("William", "Hartley", "1975-06-14", ORCHARD, "w.hartley@example.org"),
        "susan": ("Susan", "Hartley", "1977-01-30", ORCHARD, "s.hartley@example.org"),
        "tom": ("Thomas", "Hartley", "2004-09-02", ORCHARD, None),
        "margaret": ("Margaret", "Okonkwo", "1961-11-05", MILL, "m.okonkwo@example.org"),
        "amelia": ("Amelia", "Brook", "1990-04-21", MILL, None),
        "priya": ("Priya", "Ramachandran", "1988-02-17", None, "priya.r@example.org"),
    }
    ids = {}
    for key, (given, family, born, address, email) in people.items():
        body = {"given_name": given, "family_name": family, "date_of_birth": born}
        ids[key] = await identity.register(**body, **({"email": email} if email else {}))
        if address is not None:
            await _move(identity, headers, ids[key], address)
    return ids


async def _move(
    identity: Harness, headers: dict[str, str], rid: str, address: dict[str, str]
) -> None:
    moved = await identity.http.post(f"/residents/{rid}/addresses", json=address, headers=headers)
    assert moved.status_code == 204, moved.text


async def test_a_nickname_typo_or_move_still_links_to_the_right_resident(
    identity: Harness, headers: dict[str, str]
) -> None:
    ids = await _household(identity, headers)
    for address in (MILL, {"line1": "8 Quay Street", "town": "Sampleton", "postcode": "ZX9 1LL"}):
        await _move(identity, headers, ids["priya"], address)
    nickname = await _match(
        identity,
        headers,
        given_name="Bill",
        family_name="Hartley",
        date_of_birth="1975-06-14",
        postcode="ZX1 2AB",
    )
    typo = await _match(
        identity,
        headers,
        given_name="Margret",
        family_name="Okonkwo",
        date_of_birth="1961-11-05",
        email="m.okonkwo@example.org",
    )
    mover = await _match(
        identity,
        headers,
        given_name="Priya",
        family_name="Ramachandran",
        date_of_birth="1988-02-17",
        postcode="ZX9 1LL",
    )
    assert (nickname["outcome"], nickname["resident_id"]) == ("linked", ids["william"])
    assert (typo["outcome"], typo["resident_id"]) == ("linked", ids["margaret"])
    assert (mover["outcome"], mover["resident_id"]) == ("linked", ids["priya"])


async def test_a_twin_is_not_linked_to_their_sibling(
    identity: Harness, headers: dict[str, str]
) -> None:
    ids = await _household(identity, headers)
    twin = await _match(
        identity,
        headers,
        given_name="Olivia",
        family_name="Brook",
        date_of_birth="1990-04-21",
        postcode="ZX4 7QT",
    )
    assert twin["outcome"] == "created", "another given name at one home: another person"
    assert twin["resident_id"] != ids["amelia"]
    assert (await identity.http.get("/review-items", headers=headers)).json() == []


async def test_the_index_follows_a_merge_and_an_unmerge(
    identity: Harness, headers: dict[str, str]
) -> None:
    ids = await _household(identity, headers)
    duplicate = await identity.register(
        given_name="Wiliam", family_name="Hartley", date_of_birth="1975-06-14", phone="07700 900123"
    )
    body = {"merged_id": duplicate}
    url = f"/residents/{ids['william']}"
    assert (await identity.http.post(f"{url}/merge", json=body, headers=headers)).is_success
    index = _matcher(identity).engine.index
    assert duplicate not in index and ids["william"] in index
    by_phone = await _match(
        identity, headers, given_name="Wiliam", family_name="Hartley", phone="07700 900123"
    )
    assert (by_phone["outcome"], by_phone["resident_id"]) == ("linked", ids["william"])

    assert (await identity.http.post(f"{url}/unmerge", json=body, headers=headers)).is_success
    assert duplicate in index
    assert len(index.facets(ids["william"])) == 1


async def test_an_erased_resident_leaves_the_index(
    identity: Harness, headers: dict[str, str]
) -> None:
    ids = await _household(identity, headers)
    admin = bearer(await identity.admin_token())
    erased = await identity.http.delete(f"/residents/{ids['margaret']}", headers=admin)
    assert erased.status_code == 204
    assert ids["margaret"] not in _matcher(identity).engine.index
    again = await _match(
        identity,
        headers,
        given_name="Margaret",
        family_name="Okonkwo",
        date_of_birth="1961-11-05",
        email="m.okonkwo@example.org",
    )
    assert again["outcome"] == "created"


async def test_the_index_is_loaded_from_the_database_at_start(
    identity: Harness, headers: dict[str, str], identity_settings: IdentitySettings
) -> None:
    ids = await _household(identity, headers)
    app = create(identity_settings)
    async with app.router.lifespan_context(app):
        await ready(app)
        matcher = services_of(app).matcher
        assert isinstance(matcher, LinkageMatcher)
        assert set(matcher.engine.index) == set(ids.values())


async def test_a_population_too_small_to_train_on_falls_back_to_the_synthetic_model(
    identity: Harness, headers: dict[str, str], identity_settings: IdentitySettings
) -> None:
    ids = await _household(identity, headers)
    app = create(identity_settings.model_copy(update={"identity_linkage_min_population": 5}))
    async with app.router.lifespan_context(app):
        await ready(app)
        matcher = services_of(app).matcher
        assert isinstance(matcher, LinkageMatcher)
        assert matcher.trained_on == "synthetic", "Splink needs at least 50 records"
        assert len(matcher.engine) == len(ids)


async def test_a_record_that_bridges_a_move_links_and_merges_the_two_residents(
    identity: Harness, headers: dict[str, str]
) -> None:
    ids = await _household(identity, headers)
    at_new_home = await _match(
        identity, headers, title="Mrs", given_name="Margaret", family_name="Okonkwo",
        address_line="8 Quay Street", town="Sampleton", postcode="ZX9 1LL",
    )  # fmt: skip
    assert at_new_home["outcome"] == "created", "a name alone at another address"
    bridge = await _match(
        identity, headers, given_name="Margaret", family_name="Okonkwo",
        date_of_birth="1961-11-05", email="m.okonkwo@example.org",
        address_line="8 Quay Street", town="Sampleton", postcode="ZX9 1LL",
    )  # fmt: skip
    assert bridge["outcome"] == "linked"
    survivor = bridge["resident_id"]
    merged = ({ids["margaret"], at_new_home["resident_id"]} - {survivor}).pop()
    assert len(_matcher(identity).engine) == 6, "one resident fewer in the index"
    assert merged not in _matcher(identity).engine.index


async def test_a_mover_is_found_at_the_home_their_record_says_they_left(
    identity: Harness, headers: dict[str, str]
) -> None:
    """A council-tax moving-in form: a name at a new address, and the address moved
    from. Without it, a name alone at another address is someone new."""
    ids = await _household(identity, headers)
    quay = {"address_line": "8 Quay Street", "town": "Sampleton", "postcode": "ZX9 1LL"}
    mill = {"address_line": "3 Mill Lane", "town": "Sampleton", "postcode": "ZX4 7QT"}
    today = date.today().isoformat()
    alone = await _match(identity, headers, title="Mrs", given_name="Margaret",
                         family_name="Okonkwo", recorded_on=today, **quay)  # fmt: skip
    assert alone["outcome"] == "created", "a name alone at another address"

    moving_in = await _match(identity, headers, title="Miss", given_name="Amelia",
                             family_name="Brook", recorded_on=today, **quay,
                             previous_addresses=[mill])  # fmt: skip
    assert (moving_in["outcome"], moving_in["resident_id"]) == ("linked", ids["amelia"])
    shown = {e["field"]: e for e in moving_in["evidence"]}
    assert (shown["postcode"]["incoming"], shown["postcode"]["agreement"]) == ("ZX47QT", "agree")
    record = await identity.http.get(f"/residents/{ids['amelia']}", headers=headers)
    addresses = [(a["postcode"], a["moved_out"]) for a in record.json()["addresses"]]
    assert addresses == [("ZX9 1LL", None), ("ZX4 7QT", today)]


async def test_a_record_that_fits_both_holders_of_one_joint_account_goes_to_an_officer(
    identity: Harness, headers: dict[str, str]
) -> None:
    """A father and son of one name hold the council tax together ("MR F & MR F
    EVANS"): two people, though nothing on the account tells them apart. A caller
    giving that name at that home, and nothing else, is either of them."""
    await _household(identity, headers)
    home = {"address_line": "42 Synthetic Square", "town": "Sampleton", "postcode": "ZX7 9TZ"}
    holder = {"title": "Mr", "initials": "F", "family_name": "Evans", **home}
    caller = {"system": "waste", "given_name": "Frederick", "family_name": "Evans", **home}
    first = await _match(identity, headers, reference="CT-8001", **holder)
    alone = await _match(identity, headers, **{**caller, "reference": "W-1"})
    assert (alone["outcome"], alone["resident_id"]) == ("linked", first["resident_id"])

    second = await _match(identity, headers, reference="CT-8001#2", **holder)
    assert second["outcome"] == "created", "the account's other holder"
    either = await _match(identity, headers, **{**caller, "reference": "W-2"})
    assert either["outcome"] == "review"


async def test_the_second_holder_of_a_joint_account_is_never_the_first(
    identity: Harness, headers: dict[str, str]
) -> None:
    """A council-tax account held jointly by a father and son of one name, at one home,
    sharing its landline, with nothing else to tell them apart: alike enough to link,
    but the account's two holders are two people. The same record under another account
    still links."""
    await _household(identity, headers)
    robert = {
        "title": "Mr",
        "given_name": "Robert",
        "family_name": "Hartley",
        "postcode": "ZX1 2AB",
        "phone": "01632 960001",
    }
    first = await _match(identity, headers, reference="CT-9001", **robert)
    again = await _match(identity, headers, reference="CT-9001", **robert)
    second = await _match(identity, headers, reference="CT-9001#2", **robert)
    elsewhere = await _match(identity, headers, reference="CT-5555", **robert)

    assert first["outcome"] == "created"
    assert (again["outcome"], again["resident_id"]) == ("linked", first["resident_id"])
    assert second["outcome"] == "created", "the account's other holder: another person"
    assert second["resident_id"] != first["resident_id"]
    assert elsewhere["outcome"] in ("linked", "review"), "alike enough without the rule"
