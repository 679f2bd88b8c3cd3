"""The journey Townhall exists for, through real processes started as `make run` does.

A resident with no account reports rats: identity sends them a one-time code, the code
gets them a token that can only report, cases records the report (matched to them by
identity), the pest control officer moves it on, and the resident asks identity for a
code to follow that one request and follows it end to end in resident-view, where a
waste officer cannot see it. identity, cases, resident-view and notifications (which
sends identity's codes, to its development mailbox) each run as their own process on
the embedded broker with the demo wiring `townhall up` gives them (identity's real
tokens everywhere; cases, resident-view and notifications as identity's clients).
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.e2e.demo_clients import bearer, claims, officer_token, tracking_token
from townhall.cli.launcher import Platform
from townhall.runtime.testkit.waiting import eventually

SERVICES = ("identity", "cases", "resident-view", "notifications")
EMAIL = "rita.ratcatcher@example.org"
SUBMITTED = "townhall.cases.case.submitted.v1"
UPDATE = "townhall.cases.case.update_posted.v1"
NOTE = "townhall.cases.case.internal_note_added.v1"
#: What the officer writes: cases publishes it sealed under the resident's data key,
#: resident-view opens it with the key from identity.
UPDATE_TEXT = "We treat within 10 days of payment"
NOTE_TEXT = "Known rat hotspot; bring extra bait"


@pytest.fixture
def platform(demo_platform: Platform) -> Platform:
    """`make run`'s platform, shared with other end-to-end tests (Rita is hers alone)."""
    return demo_platform


def texts(tracking: dict[str, Any], kind: str) -> list[str | None]:
    """The text of each step of ``kind``, as the viewer is shown it."""
    return [(s["data"] or {}).get("text") for s in tracking["steps"] if s["type"] == kind]


async def test_a_resident_reports_rats_and_follows_the_request_end_to_end(
    platform: Platform,
) -> None:
    identity, cases, view, notifications = (platform.urls[n] for n in SERVICES)
    async with httpx.AsyncClient(timeout=15) as client:
        reporter = await tracking_token(
            client, identity, notifications, EMAIL, given_name="Rita", family_name="Ratcatcher"
        )
        report = {
            "service_code": "pest_control",
            "details": {"pest": "rats", "rooms_affected": 2},
            "description": "Rats in the kitchen and under the stairs",
            "reporter": {"given_name": "Rita", "family_name": "Ratcatcher", "email": EMAIL},
            "location": {"address": "1 Example Street, Exampletown", "uprn": "000100023336"},
        }
        submitted = await client.post(f"{cases}/cases", json=report, headers=bearer(reporter))
        assert submitted.status_code == 201, submitted.text
        reference = submitted.json()["reference"]
        follower = await tracking_token(
            client, identity, notifications, EMAIL, request_reference=reference
        )

        pest = await officer_token(client, identity, "demo.pest@example.org")
        for path, text in (("updates", UPDATE_TEXT), ("notes", NOTE_TEXT)):
            posted = await client.post(
                f"{cases}/cases/{reference}/{path}", json={"text": text}, headers=bearer(pest)
            )
            assert posted.status_code == 201, posted.text

        async def tracked(token: str) -> dict[str, Any]:
            response = await client.get(
                f"{view}/tracking/{reference}",
                params={"purpose": "following the request"},
                headers=bearer(token),
            )
            return response.json() if response.status_code == 200 else {}

        def kinds(tracking: dict[str, Any]) -> list[str]:
            return [step["type"] for step in tracking.get("steps", [])]

        seen_by_officer = await eventually(  # officers' look-ups are limited per minute
            lambda: tracked(pest), lambda t: NOTE in kinds(t), timeout_s=60, interval_s=0.2
        )
        journey = await tracked(follower)
        reporting_only = await client.get(
            f"{view}/tracking/{reference}",
            params={"purpose": "following"},
            headers=bearer(reporter),
        )
        status_by_follower = await client.get(
            f"{cases}/cases/{reference}", headers=bearer(follower)
        )
        status_by_anyone = await client.get(f"{cases}/cases/{reference}")
        waste = await officer_token(client, identity, "demo.waste@example.org")
        refused = await client.get(
            f"{view}/tracking/{reference}", params={"purpose": "checking"}, headers=bearer(waste)
        )

    assert (claims(reporter)["loa"], claims(reporter).get("ref")) == (0, None), "only reports"
    assert (claims(follower)["loa"], claims(follower)["ref"]) == (0, reference)
    assert claims(follower)["sub"] == claims(reporter)["sub"], "the same resident follows it"
    assert kinds(journey)[0] == SUBMITTED, "every step, oldest first"
    assert UPDATE in kinds(journey)
    assert NOTE not in kinds(journey), "the officers' internal note never reaches the resident"
    assert NOTE in kinds(seen_by_officer)
    assert texts(journey, UPDATE) == [UPDATE_TEXT], "the officer's update, opened for them"
    assert NOTE_TEXT not in json.dumps(journey)
    assert texts(seen_by_officer, NOTE) == [NOTE_TEXT]
    assert journey["reference"] == reference
    assert journey["status"] == "awaiting_payment"
    assert "pay" in journey["next_step"].lower(), journey["next_step"]
    assert refused.status_code == 404, "a waste officer cannot see a pest control request"
    assert reporting_only.status_code in (401, 403), "a token that names no request follows none"
    assert status_by_follower.status_code == 200, status_by_follower.text
    assert status_by_anyone.status_code == 401, "nothing about a request without a token"
