"""Records without a resident id: auto-link, review queue, create; merge and unmerge.

The queue's mechanics, with the exact-match placeholder for predictable scores; the
linkage engine behind the same endpoint is in test_identity_linkage_matcher.py.
"""

from __future__ import annotations

from typing import Any

import pytest

from townhall.identity.adapters.orm import residents, review_items
from townhall.identity.config import IdentitySettings
from townhall.identity.testing import Harness, bearer


@pytest.fixture
def identity_settings(identity_settings: IdentitySettings) -> IdentitySettings:
    return identity_settings.model_copy(update={"identity_matcher": "exact"})


RECORD = {
    "system": "council_tax",
    "reference": "CT-000123",
    "given_name": "Ada",
    "family_name": "Example",
    "date_of_birth": "1980-02-03",
}


async def _officer(identity: Harness) -> dict[str, str]:
    return bearer(await identity.officer_token("id@example.org", ("identity", "personal")))


async def _match(identity: Harness, headers: dict[str, str], **changes: str) -> dict[str, Any]:
    response = await identity.http.post(
        "/records/match", json={**RECORD, **changes}, headers=headers
    )
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def test_an_exact_contact_match_links_and_is_idempotent(identity: Harness) -> None:
    rid = await identity.register(email="ada@example.org", date_of_birth="1980-02-03")
    headers = await _officer(identity)
    first = await _match(identity, headers, email="ADA@example.org")
    assert (first["outcome"], first["resident_id"], first["review_id"]) == ("linked", rid, None)
    again = await _match(identity, headers, email="ada@example.org")
    assert (again["outcome"], again["resident_id"]) == ("linked", rid)
    record = (await identity.http.get(f"/residents/{rid}", headers=headers)).json()
    assert record["identifiers"] == [{"system": "council_tax", "value": "CT-000123"}]


async def test_an_unknown_person_becomes_a_new_resident(identity: Harness) -> None:
    result = await _match(identity, await _officer(identity))
    assert result["outcome"] == "created"
    assert await identity.count(residents) == 1


async def test_a_grey_match_waits_for_an_officer_with_evidence_field_by_field(
    identity: Harness,
) -> None:
    rid = await identity.register(date_of_birth="1980-02-03")
    headers = await _officer(identity)
    result = await _match(identity, headers, email="other@example.org")
    assert result["outcome"] == "review"
    queue = (await identity.http.get("/review-items", headers=headers)).json()
    assert [item["id"] for item in queue] == [result["review_id"]]
    evidence = {e["field"]: e["agreement"] for e in queue[0]["evidence"]}
    assert evidence["family_name"] == "agree" and evidence["date_of_birth"] == "agree"
    assert evidence["email"] == "missing"
    url = f"/review-items/{result['review_id']}"
    accepted = (await identity.http.post(f"{url}/accept", headers=headers)).json()
    assert (accepted["outcome"], accepted["resident_id"]) == ("linked", rid)
    again = await identity.http.post(f"{url}/reject", headers=headers)
    assert again.status_code == 422, "a decided item stays decided"
    assert (await identity.http.get("/review-items", headers=headers)).json() == []


async def test_a_record_asked_about_again_while_in_review_is_the_same_question(
    identity: Harness,
) -> None:
    """A legacy row changed again before an officer decided: one item waits, not two;
    once decided, the record is known by its reference."""
    rid = await identity.register(date_of_birth="1980-02-03")
    headers = await _officer(identity)
    first = await _match(identity, headers, email="other@example.org")
    again = await _match(identity, headers, email="other@example.org", postcode="CF10 1AA")
    assert (again["outcome"], again["review_id"]) == ("review", first["review_id"])
    assert await identity.count(review_items) == 1
    await identity.http.post(f"/review-items/{first['review_id']}/accept", headers=headers)
    known = await _match(identity, headers, email="other@example.org")
    assert (known["outcome"], known["resident_id"]) == ("linked", rid)


async def test_rejecting_a_review_item_creates_a_separate_resident(identity: Harness) -> None:
    await identity.register(date_of_birth="1980-02-03")
    headers = await _officer(identity)
    review_id = (await _match(identity, headers))["review_id"]
    rejected = await identity.http.post(f"/review-items/{review_id}/reject", headers=headers)
    assert rejected.json()["outcome"] == "created"
    assert await identity.count(residents) == 2


@pytest.mark.parametrize(
    "changes",
    [{"system": "Council Tax"}, {"reference": ""}, {"postcode": "nonsense"}, {"given_name": ""}],
)
async def test_bad_records_are_refused_and_change_nothing(
    identity: Harness, changes: dict[str, str]
) -> None:
    headers = await _officer(identity)
    response = await identity.http.post(
        "/records/match", json={**RECORD, **changes}, headers=headers
    )
    assert response.status_code == 422
    assert (await identity.count(residents), await identity.count(review_items)) == (0, 0)


async def test_only_record_officers_or_matching_services_submit_records(identity: Harness) -> None:
    waste = bearer(await identity.officer_token("w@example.org", ("waste", "special")))
    assert (
        await identity.http.post("/records/match", json=RECORD, headers=waste)
    ).status_code == 403
    service = bearer(await identity.service_token("connector", "residents:match"))
    assert (
        await identity.http.post("/records/match", json=RECORD, headers=service)
    ).status_code == 200


async def test_a_merged_id_keeps_working_and_unmerge_restores_it(identity: Harness) -> None:
    survivor = await identity.register(email="ada@example.org")
    duplicate = await identity.register(email="ada.e@example.org")
    headers = await _officer(identity)
    body = {"merged_id": duplicate}
    merged = await identity.http.post(f"/residents/{survivor}/merge", json=body, headers=headers)
    assert merged.status_code == 204
    shown = (await identity.http.get(f"/residents/{duplicate}", headers=headers)).json()
    assert shown["id"] == survivor
    assert [m["id"] for m in shown["merged"]] == [duplicate], "the survivor lists what it holds"
    event = (await identity.events())[-1]
    assert event["type"] == "townhall.identity.resident.merged.v1"
    assert (event["residentid"], event["data"]["merged_id"]) == (survivor, duplicate)
    twice = await identity.http.post(f"/residents/{survivor}/merge", json=body, headers=headers)
    assert twice.status_code == 422
    undone = await identity.http.post(f"/residents/{survivor}/unmerge", json=body, headers=headers)
    assert undone.status_code == 204
    assert (await identity.http.get(f"/residents/{duplicate}", headers=headers)).json()[
        "id"
    ] == duplicate
    assert (await identity.events())[-1]["data"]["unmerged_id"] == duplicate
    restored = await identity.http.get(f"/residents/{survivor}", headers=headers)
    assert restored.json()["merged"] == []
