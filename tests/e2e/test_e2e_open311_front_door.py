"""An Open311 client (FixMyStreet) through the front door to the real cases service.

identity, cases and web run as their own processes, as `make run` starts them. The
client knows one base URL, the front door's ``/open311/v2/``: a report posted there is
a case in cases, read back there in the spec's formats, and cases counts Open311
look-ups per client address, the address web forwards, so one busy client is slowed
and another is not (``townhall up`` tells every service to believe web's
X-Forwarded-For).
"""

from __future__ import annotations

from xml.etree import ElementTree as ET

import httpx
import pytest

from townhall.cases.config import CasesSettings
from townhall.cli.launcher import Platform
from townhall.cli.shared_platform import OPEN311_API_KEY as API_KEY

#: cases' default for OPEN311_LOOKUP_LIMIT
LOOKUPS_PER_MINUTE = int(CasesSettings.model_fields["open311_lookup_limit"].default.split("/")[0])
BUSY_CLIENT = {"X-Forwarded-For": "198.51.100.7"}
QUIET_CLIENT = {"X-Forwarded-For": "198.51.100.8"}


@pytest.fixture
def platform(demo_platform: Platform) -> Platform:
    """`make run`'s platform (with an Open311 key), shared with other end-to-end tests;
    the clients' addresses here are this test's own."""
    return demo_platform


async def test_fixmystreet_posts_and_reads_through_the_front_door(platform: Platform) -> None:
    base = f"{platform.urls['web']}/open311/v2"
    form = {
        "api_key": API_KEY,
        "service_code": "fly_tipping",
        "lat": "51.5072",
        "long": "-0.1276",
        "email": "reporter@example.org",
        "first_name": "Olu",
        "last_name": "Reporter",
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
