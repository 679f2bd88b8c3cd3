"""No request is left without its resident, through real processes as `make run` starts them.

Identity is stopped; a resident reports rats without signing in, giving the name and
email identity knows them by. Cases records the request at once, unmatched, and keeps
asking identity (with backoff, from its own table). Identity is started again: the
request is matched and arrives on the resident's timeline and in tracking, as a claim
until they confirm it.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.demo_clients import bearer, claims, officer_token, tracking_token
from townhall.cli.launcher import Platform
from townhall.runtime.broker import free_port
from townhall.runtime.testkit.fixtures import Processes
from townhall.runtime.testkit.waiting import eventually

SERVICES = ("identity", "cases", "resident-view", "notifications")
EMAIL = "rita.ratcatcher@example.org"
MATCHED = "townhall.cases.case.resident_matched.v1"
#: Cases asks again soon after identity is back (production waits up to 10 minutes).
RETRIES = {
    "RESIDENT_MATCH_RETRY_INTERVAL_S": "0.2",
    "RESIDENT_MATCH_FIRST_RETRY_S": "0.2",
    "RESIDENT_MATCH_LONGEST_WAIT_S": "1",
}


@pytest.fixture
def platform(tmp_path: Path, processes: Processes) -> Platform:
    return processes.start(
        Platform(
            var_dir=tmp_path / "var",
            services=SERVICES,
            ports={name: free_port() for name in (*SERVICES, "broker")},
            extra_env=RETRIES,
        )
    )


async def test_a_request_made_while_identity_was_down_reaches_its_resident_when_it_is_back(
    platform: Platform,
) -> None:
    identity, cases, view, notifications = (platform.urls[n] for n in SERVICES)
    async with httpx.AsyncClient(timeout=15) as client:
        known = await tracking_token(
            client, identity, notifications, EMAIL, given_name="Rita", family_name="Ratcatcher"
        )
        resident_id = claims(known)["sub"]
        pest = await officer_token(client, identity, "demo.pest@example.org")

        await asyncio.to_thread(platform.stop_service, "identity")
        report = {
            "service_code": "pest_control",
            "details": {"pest": "rats", "rooms_affected": 1},
            "description": "Rats by the bins",
            "reporter": {"given_name": "Rita", "family_name": "Ratcatcher", "email": EMAIL},
            "location": {"address": "1 Example Street, Exampletown"},
        }
        submitted = await client.post(f"{cases}/cases", json=report)
        assert submitted.status_code == 201, "identity being away never loses a report"
        reference = submitted.json()["reference"]
        await asyncio.to_thread(platform.start_service, "identity")

        async def timeline() -> list[dict[str, Any]]:
            response = await client.get(
                f"{view}/residents/{resident_id}/timeline",
                params={"purpose": "checking a reported problem"},
                headers=bearer(pest),
            )
            return response.json()["entries"] if response.status_code == 200 else []

        entries = await eventually(
            timeline,
            lambda found: any(
                e["case_reference"] == reference and e["type"] == MATCHED for e in found
            ),
            timeout_s=60,
            interval_s=0.2,
        )
        tracked = await client.get(
            f"{view}/tracking/{reference}",
            params={"purpose": "checking a reported problem"},
            headers=bearer(pest),
        )

    # notifications' acknowledgement of the match may be there too: the match is one entry
    [arrived] = [e for e in entries if e["case_reference"] == reference and e["type"] == MATCHED]
    assert arrived["type"] == MATCHED
    assert arrived["claimed"] is True, "matched from what the reporter said: a claim"
    assert tracked.status_code == 200, tracked.text
    assert tracked.json()["status"] == "awaiting_payment"
    log = platform.log_file("cases").read_text()
    assert "resident_match_unanswered" in log or "resident_match_unavailable" in log
