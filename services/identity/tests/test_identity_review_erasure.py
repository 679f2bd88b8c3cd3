"""Review items that name a resident who is erased keep nothing personal (SQLite and
PostgreSQL): one waiting is closed (``erased``), its record and evidence gone; one
decided keeps its decision without the erased person's data. The erasure's own event
is in the outbox beside the change, as for every erasure."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from sqlalchemy import select

from townhall.identity.adapters.orm import review_items
from townhall.identity.config import IdentitySettings
from townhall.identity.domain.commands import AskAboutDuplicate
from townhall.identity.testing import Harness, bearer
from townhall.runtime.outbox import EventContext


@pytest.fixture
def identity_settings(identity_settings: IdentitySettings) -> IdentitySettings:
    return identity_settings.model_copy(update={"identity_matcher": "exact"})


#: The exact placeholder sends a record with the resident's name and birth date, and
#: nothing else in common, to an officer.
RECORD = {"system": "council_tax", "reference": "CT-1", "given_name": "Erin",
          "family_name": "Example", "date_of_birth": "1980-02-03",
          "email": "erin.other@example.org", "postcode": "ZX4 7QT"}  # fmt: skip
PERSONAL = ("Erin", "erin.other@example.org", "ZX4 7QT", "1980-02-03")


async def _officer(identity: Harness) -> dict[str, str]:
    return bearer(await identity.officer_token("id@example.org", ("identity", "personal")))


async def _erin(identity: Harness) -> str:
    return await identity.register(given_name="Erin", date_of_birth="1980-02-03")


async def _review(identity: Harness, headers: dict[str, str], **changes: str) -> str:
    response = await identity.http.post("/records/match", json={**RECORD, **changes},
                                        headers=headers)  # fmt: skip
    assert response.json()["outcome"] == "review", response.text
    review_id: str = response.json()["review_id"]
    return review_id


async def _erase(identity: Harness, resident_id: str) -> None:
    admin = bearer(await identity.admin_token())
    response = await identity.http.delete(f"/residents/{resident_id}", headers=admin)
    assert response.status_code == 204, response.text


async def _rows(identity: Harness) -> dict[str, dict[str, Any]]:
    async with identity.runtime.sessions() as session:
        rows = (await session.execute(select(review_items))).mappings().all()
    return {str(row["id"]): dict(row) for row in rows}


def _holds_personal_data(row: dict[str, Any]) -> bool:
    stored = json.dumps([row["record"], row["evidence"]])
    return any(value in stored for value in PERSONAL)


async def test_a_record_waiting_for_review_towards_an_erased_resident_is_closed_without_it(
    identity: Harness,
) -> None:
    rid = await _erin(identity)
    headers = await _officer(identity)
    review_id = await _review(identity, headers)
    assert _holds_personal_data((await _rows(identity))[review_id])

    await _erase(identity, rid)

    row = (await _rows(identity))[review_id]
    assert (row["status"], row["record"], row["evidence"]) == ("erased", {}, [])
    assert row["decided_at"] is not None and row["decided_by"] is None
    assert (await identity.http.get("/review-items", headers=headers)).json() == []
    closed = await identity.http.get("/review-items?status=erased", headers=headers)
    assert [item["id"] for item in closed.json()] == [review_id]
    outcome = await identity.http.get(f"/review-items/{review_id}/outcome", headers=headers)
    assert outcome.json() == {"status": "erased", "resident_id": None}
    refused = await identity.http.post(f"/review-items/{review_id}/reject", headers=headers)
    assert refused.status_code == 422, "no resident is made from the erased person's record"
    erased = [e for e in await identity.events() if e["type"].endswith("resident.erased.v1")]
    assert [e["data"]["resident_id"] for e in erased] == [rid]


async def test_decided_items_keep_their_decision_but_not_the_erased_persons_data(
    identity: Harness,
) -> None:
    rid = await _erin(identity)
    headers = await _officer(identity)
    accepted = await _review(identity, headers)
    await identity.http.post(f"/review-items/{accepted}/accept", headers=headers)
    rejected = await _review(identity, headers, reference="CT-2", email="e2@example.org")
    await identity.http.post(f"/review-items/{rejected}/reject", headers=headers)

    await _erase(identity, rid)

    rows = await _rows(identity)
    assert (rows[accepted]["status"], rows[accepted]["record"]) == ("accepted", {})
    assert not _holds_personal_data(rows[accepted])
    # the rejected record is the new resident it made, not the erased one: it stays;
    # the evidence beside it held the erased resident's values
    assert rows[rejected]["status"] == "rejected" and rows[rejected]["evidence"] == []
    assert rows[rejected]["record"]["email"] == "e2@example.org"


async def test_a_duplicate_item_naming_an_erased_resident_is_closed_without_their_data(
    identity: Harness,
) -> None:
    survivor = uuid.UUID(await identity.register(given_name="Ada"))
    other = uuid.UUID(await _erin(identity))
    shown = {"field": "given_name", "incoming": "erin", "existing": "ada",
             "agreement": "disagree"}  # fmt: skip
    ask = AskAboutDuplicate(survivor, other, 0.6, dict(RECORD), (shown,))
    item_id = str(await identity.services.bus.handle(ask, EventContext("test")))

    await _erase(identity, str(other))

    row = (await _rows(identity))[item_id]
    assert (row["status"], row["record"], row["evidence"]) == ("erased", {}, [])
    headers = await _officer(identity)
    assert (await identity.http.get("/review-items", headers=headers)).json() == []


async def test_erasing_a_resident_leaves_items_about_other_residents_alone(
    identity: Harness,
) -> None:
    await _erin(identity)
    someone = await identity.register(given_name="Ada")
    headers = await _officer(identity)
    waiting = await _review(identity, headers)

    await _erase(identity, someone)

    row = (await _rows(identity))[waiting]
    assert row["status"] == "open" and _holds_personal_data(row)
