"""`make run`'s demo council, made through the real services as `make run` starts them.

identity, cases, payments, booking and resident-view run as their own processes on the
embedded broker; the demo council's officers register callers, raise their requests,
take fees on the sandbox's card page and book visits, all over HTTP. What they did is in
each service, and on the residents' joined-up timelines.
"""

from __future__ import annotations

import json

import httpx
import pytest

from tests.e2e.demo_clients import bearer, officer_token
from townhall.cli import demo_council
from townhall.cli.launcher import Platform
from townhall.identity.seed import DEMO_PASSWORD
from townhall.runtime.testkit.waiting import eventually

RESIDENTS = 8


@pytest.fixture
def platform(demo_platform: Platform) -> Platform:
    """`make run`'s platform, shared with other end-to-end tests (the demo council's
    callers are its own)."""
    return demo_platform


def test_the_demo_signs_in_as_identitys_demo_officers() -> None:
    assert demo_council.DEMO_PASSWORD == DEMO_PASSWORD


def test_the_same_callers_every_time_each_with_a_bookable_postcode() -> None:
    first, again = demo_council.callers(50), demo_council.callers(50)
    assert first == again
    assert len({c.email for c in first}) == 50
    assert {c.postcode.split()[0] for c in first} <= set(demo_council.DISTRICTS)


async def test_the_demo_council_has_history_in_every_service(platform: Platform) -> None:
    urls = platform.urls
    var = platform.var_dir
    reports: list[demo_council.Progress] = []
    with httpx.Client(timeout=30, trust_env=False) as http:
        made = demo_council.seed(urls, RESIDENTS, var, report=reports.append, client=http)

    assert made.done and made.residents == RESIDENTS and not made.skipped
    assert made.requests >= RESIDENTS and made.paid >= 1 and made.booked >= 1
    assert [r.residents for r in reports][-1] == RESIDENTS, "progress reported as it went"
    saved = json.loads((var / demo_council.PROGRESS_FILE).read_text())
    assert saved["requests"] == made.requests

    async with httpx.AsyncClient(timeout=15, trust_env=False) as client:
        contact = bearer(await officer_token(client, urls["identity"], "demo.contact@example.org"))
        _, paid = made.examples["paid"]
        worker = demo_council.WORKERS["pest_control" if paid.startswith("PC-") else "bulky_waste"]
        area_officer = bearer(await officer_token(client, urls["identity"], worker))
        payments = await client.get(
            f"{urls['payments']}/cases/{paid}/payments", headers=area_officer
        )
        assert "success" in {p["state"]["status"] for p in payments.json()}, payments.text
        booked_by, booked = made.examples["booked"]
        visits = await client.get(f"{urls['booking']}/cases/{booked}/appointments", headers=contact)
        assert visits.status_code == 200 and visits.json(), visits.text

        async def sources() -> set[str]:
            page = await client.get(
                f"{urls['resident-view']}/residents/{booked_by}/timeline",
                params={"purpose": "checking the demo council", "limit": 100},
                headers=contact,
            )
            return {str(e["source"]) for e in page.json().get("entries", [])}

        every = {f"/townhall/{name}" for name in ("identity", "cases", "payments", "booking")}
        seen = await eventually(sources, lambda found: every <= found)
        assert every <= seen, "one joined-up history: identity, cases, payments, booking"

    again = demo_council.seed(urls, RESIDENTS, var)
    assert again.requests == made.requests, "done once: a second run makes nothing"
