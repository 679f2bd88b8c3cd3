"""An erased resident is not made again by a record observed before the erasure.

A report or legacy row waiting to be matched when its resident was erased carries the
time its source recorded it (``observed_at``); identity keeps a keyed hash of each
erased contact point with the erasure time, and answers such a record ``erased``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from townhall.identity.adapters.orm import erasure_suppressions, residents
from townhall.identity.config import IdentitySettings
from townhall.identity.testing import Harness, bearer


@pytest.fixture
def identity_settings(identity_settings: IdentitySettings) -> IdentitySettings:
    return identity_settings.model_copy(update={"identity_matcher": "exact"})


EMAIL = "erin.example@example.org"
PHONE = "07700 900123"
REPORT = {"system": "cases", "reference": "case-1", "given_name": "Erin",
          "family_name": "Example"}  # fmt: skip


async def _match(identity: Harness, **body: Any) -> dict[str, Any]:
    service = bearer(await identity.service_token("cases", "residents:match"))
    response = await identity.http.post("/records/match", json={**REPORT, **body},
                                        headers=service)  # fmt: skip
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


async def _erase(identity: Harness, resident_id: str, admin: dict[str, str] | None = None) -> None:
    admin = admin or bearer(await identity.admin_token())
    erased = await identity.http.delete(f"/residents/{resident_id}", headers=admin)
    assert erased.status_code == 204


def _iso(moment: datetime) -> str:
    return moment.isoformat()


async def test_a_record_observed_before_the_erasure_is_answered_erased_and_creates_nothing(
    identity: Harness,
) -> None:
    rid = await identity.register(given_name="Erin", email=EMAIL, phone=PHONE)
    observed = datetime.now(UTC) - timedelta(minutes=1)
    await _erase(identity, rid)
    events_before = await identity.events()

    by_email = await _match(identity, email=EMAIL.upper(), observed_at=_iso(observed))
    by_phone = await _match(identity, reference="case-2", phone="+44 7700 900123",
                            observed_at=_iso(observed))  # fmt: skip

    for answer in (by_email, by_phone):
        assert (answer["outcome"], answer["resident_id"], answer["review_id"]) == (
            "erased", None, None)  # fmt: skip
    assert await identity.count(residents) == 1, "only the erased record"
    assert await identity.events() == events_before, "no event, none that creates anyone"


async def test_a_record_observed_after_the_erasure_is_a_new_resident_as_before(
    identity: Harness,
) -> None:
    """Someone erased who comes back is registered again, as anyone new."""
    rid = await identity.register(given_name="Erin", email=EMAIL)
    await _erase(identity, rid)
    later = datetime.now(UTC) + timedelta(seconds=1)

    answer = await _match(identity, email=EMAIL, observed_at=_iso(later))
    assert answer["outcome"] == "created" and answer["resident_id"] not in (None, rid)
    without_time = await _match(identity, reference="case-2", email="other@example.org")
    assert without_time["outcome"] == "created", "no observed_at: observed now"


async def test_a_record_without_a_contact_point_is_matched_as_before(identity: Harness) -> None:
    """The known limit: nothing of an erased resident but their contact points is kept,
    so a record with none cannot be told apart from anyone new."""
    rid = await identity.register(given_name="Erin", email=EMAIL)
    observed = datetime.now(UTC) - timedelta(minutes=1)
    await _erase(identity, rid)
    answer = await _match(identity, observed_at=_iso(observed))
    assert answer["outcome"] == "created"


async def test_a_record_of_someone_still_here_sharing_the_landline_still_links_to_them(
    identity: Harness,
) -> None:
    """A household's landline is on each of its residents' records: erasing one of
    them must not lose the others' records that were waiting."""
    erin = await identity.register(given_name="Erin", phone=PHONE)
    bob = await identity.register(given_name="Bob", phone=PHONE)
    observed = datetime.now(UTC) - timedelta(minutes=1)
    await _erase(identity, erin)
    answer = await _match(identity, given_name="Bob", phone=PHONE, observed_at=_iso(observed))
    assert (answer["outcome"], answer["resident_id"]) == ("linked", bob)


async def test_a_record_merged_into_the_erased_resident_is_suppressed_too(
    identity: Harness,
) -> None:
    survivor = await identity.register(given_name="Erin", email=EMAIL)
    duplicate = await identity.register(given_name="Erin", email="erin.e@example.org")
    admin = bearer(await identity.admin_token())
    body = {"merged_id": duplicate}
    assert (await identity.http.post(f"/residents/{survivor}/merge", json=body,
                                     headers=admin)).status_code == 204  # fmt: skip
    observed = datetime.now(UTC)
    await _erase(identity, survivor, admin)
    answer = await _match(identity, email="erin.e@example.org", observed_at=_iso(observed))
    assert answer["outcome"] == "erased"


async def test_the_suppressions_hold_no_readable_contact_point(identity: Harness) -> None:
    rid = await identity.register(given_name="Erin", email=EMAIL, phone=PHONE)
    await _erase(identity, rid)
    async with identity.runtime.sessions() as session:
        rows = (await session.execute(select(erasure_suppressions))).mappings().all()
    assert len(rows) == 2, "one per contact point"
    held = " ".join(str(value) for row in rows for value in row.values()).lower()
    for readable in ("erin", "example.org", "07700900123", "7700900123", "900123"):
        assert readable not in held
    assert all(len(row["contact_hash"]) == 64 for row in rows)


@pytest.mark.parametrize(
    "observed_at",
    ["yesterday", "2026-01-01T10:00:00", "2999-01-01T00:00:00+00:00"],
    ids=["not a date-time", "no offset", "far future"],
)
async def test_a_bad_observed_at_is_refused_and_changes_nothing(
    identity: Harness, observed_at: object
) -> None:
    rid = await identity.register(given_name="Erin", email=EMAIL)
    await _erase(identity, rid)
    events_before = await identity.events()
    service = bearer(await identity.service_token("cases", "residents:match"))
    body = {**REPORT, "email": EMAIL, "observed_at": observed_at}
    response = await identity.http.post("/records/match", json=body, headers=service)
    assert response.status_code == 422
    assert "observed_at" in response.text
    assert await identity.count(residents) == 1
    assert await identity.events() == events_before
