"""An Open311 client (FixMyStreet) through the front door to the real cases service.

identity, cases and web run as their own processes, as `make run` starts them. The
client knows one base URL, the front door's ``/open311/v2/``: a report posted there is
a case in cases, read back there in the spec's formats, and cases counts Open311
look-ups per client address, the address web forwards, so one busy client is slowed
and another is not (``townhall up`` tells every service to believe web's
X-Forwarded-For).
"""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree as ET

import httpx
import pytest

from townhall.cli.launcher import Platform
from townhall.runtime.broker import free_port
from townhall.runtime.testkit.fixtures import Processes

SERVICES = ("identity", "cases", "web")
API_KEY = "fixmystreet-test-key-0123456789abcdef"
LOOKUPS_PER_MINUTE = 3
BUSY_CLIENT = {"X-Forwarded-For": "198.51.100.7"}
QUIET_CLIENT = {"X-Forwarded-For": "198.51.100.8"}


@pytest.fixture
def platform(tmp_path: Path, processes: Processes) -> Platform:
    return processes.start(
        Platform(
            var_dir=tmp_path / "var",
            services=SERVICES,
            ports={name: free_port() for name in (*SERVICES, "broker")},
            extra_env={
                "OPEN311_API_KEYS": f'["{API_KEY}"]',
                "OPEN311_LOOKUP_LIMIT": f"{LOOKUPS_PER_MINUTE}/minute",
            },
        )
    )


async def test_fixmystreet_posts_and_reads_through_the_front_door(platform: Platform) -> None:
    base = f"{platform.urls['web']}/open311/v2"
    form = {
        "api_key": API_KEY,
        "service_code": "fly_tipping",
        "lat": "51.5072",
        "long": "-0.1276",
        "email": "reporter@example.org",
        "first_name": "Ada",
        "last_name": "Example",
        "description": "Mattress dumped by the bus stop",
        "attribute[waste_type]": "household",
        "attribute[fixmystreet_id]": "4242",
    }
    async with httpx.AsyncClient(timeout=15, trust_env=False) as client:
        posted = await client.post(f"{base}/requests.json", data=form, headers=QUIET_CLIENT)
        assert posted.status_code == 201, posted.text
        [created] = posted.json()
        request_id = created["service_request_id"]

        # the case exists in cases itself, not only in what the front door answered
        direct = await client.get(f"{platform.urls['cases']}/open311/v2/requests/{request_id}.json")
        assert direct.status_code == 200 and direct.json()[0]["service_code"] == "fly_tipping"

        shown = await client.get(f"{base}/requests/{request_id}.xml", headers=QUIET_CLIENT)
        assert shown.status_code == 200
        request = ET.fromstring(shown.content).find("request")
        assert request is not None and request.findtext("service_request_id") == request_id
        assert request.findtext("status") == "open"


async def test_a_busy_client_is_slowed_and_another_client_is_not(platform: Platform) -> None:
    base = f"{platform.urls['web']}/open311/v2"
    async with httpx.AsyncClient(timeout=15, trust_env=False) as client:
        for _ in range(LOOKUPS_PER_MINUTE):
            listed = await client.get(f"{base}/requests.json", headers=BUSY_CLIENT)
            assert listed.status_code == 200, listed.text

        slowed = await client.get(f"{base}/requests.json", headers=BUSY_CLIENT)
        assert slowed.status_code == 429
        assert int(slowed.headers["retry-after"]) > 0
        errors = slowed.json()
        assert isinstance(errors, list) and errors[0]["code"] == 429, "the spec's error list"

        other = await client.get(f"{base}/requests.json", headers=QUIET_CLIENT)
        assert other.status_code == 200, "counted per client, not one count for the front door"
