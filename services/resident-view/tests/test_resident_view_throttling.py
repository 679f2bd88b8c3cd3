"""What one officer may look up per minute: searches, and reads of residents' timelines,
entries and requests. Beyond the limit: 429 with Retry-After, counted in metrics;
other officers, and residents reading their own history, carry on."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from prometheus_client import REGISTRY

from townhall.resident_view.config import ResidentViewSettings
from townhall.resident_view.entrypoints.api.app import create
from townhall.runtime.settings import KafkaSettings
from townhall.runtime.testkit.tokens import TestIssuer

SEARCH_RULE = "resident-view-officer-search"
LOOKUP_RULE = "resident-view-officer-lookups"


def refusals(rule: str) -> float:
    return REGISTRY.get_sample_value("townhall_throttled_total", {"rule": rule}) or 0.0


@pytest.fixture
def issuer(tmp_path: Path) -> TestIssuer:
    return TestIssuer(tmp_path)


@pytest.fixture
async def http(
    tmp_path: Path, kafka_settings: KafkaSettings, issuer: TestIssuer
) -> AsyncIterator[httpx.AsyncClient]:
    settings = ResidentViewSettings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'rv.db'}",
        kafka=kafka_settings,
        auth_jwks_url=issuer.jwks_url,
        officer_search_limit="2/minute",
        officer_lookup_limit="3/minute",
    )
    app = create(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://rv") as client:
            yield client


async def get(http: httpx.AsyncClient, path: str, token: str, **params: str) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"}
    return await http.get(path, params={"purpose": "a caller", **params}, headers=headers)


async def test_an_officer_beyond_their_search_limit_is_told_when_to_try_again(
    http: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    officer, colleague = issuer.officer(("waste", "personal")), issuer.officer(("waste", "public"))
    counted = refusals(SEARCH_RULE)

    allowed = [await get(http, "/residents/search", officer, name="Ada Lovelace") for _ in "ab"]
    refused = await get(http, "/residents/search", officer, name="Ada Lovelace")
    other = await get(http, "/residents/search", colleague, name="Ada Lovelace")

    assert [r.status_code for r in allowed] == [200, 200]
    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/problem+json"
    assert int(refused.headers["retry-after"]) >= 1
    assert other.status_code == 200, "the limit is each officer's own"
    assert refusals(SEARCH_RULE) == counted + 1


async def test_timelines_entries_and_requests_count_as_one_officers_look_ups(
    http: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    officer = issuer.officer(("waste", "personal"))
    resident = str(uuid.uuid4())
    counted = refusals(LOOKUP_RULE)

    answers = [
        (await get(http, f"/residents/{resident}/timeline", officer)).status_code,
        (await get(http, f"/residents/{resident}/timeline/some-event", officer)).status_code,
        (await get(http, "/tracking/WB-2026-000001", officer)).status_code,
        (await get(http, f"/residents/{resident}/timeline", officer)).status_code,
    ]
    own = issuer.resident(resident)
    own_reads = [
        (await get(http, f"/residents/{resident}/timeline", own)).status_code for _ in "abcd"
    ]

    assert answers == [200, 404, 404, 429]
    assert refusals(LOOKUP_RULE) == counted + 1
    assert own_reads == [200] * 4, (
        "a resident reading their own history is not an officer's look-up"
    )


def test_a_limit_that_is_not_one_is_refused_at_start() -> None:
    with pytest.raises(ValueError, match="officer_search_limit"):
        ResidentViewSettings(officer_search_limit="lots")
