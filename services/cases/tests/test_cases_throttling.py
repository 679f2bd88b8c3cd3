"""Look-ups that could sweep are limited: cases per caller, Open311 per client address.

Throttling does not depend on the store, so these run on SQLite only.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from townhall.cases.entrypoints.api.app import create
from townhall.cases.testing import MISSED_BIN, bearer, settings_for
from townhall.runtime.testkit.tokens import TestIssuer


@pytest.fixture
async def http(tmp_path: Path, issuer: TestIssuer) -> AsyncIterator[httpx.AsyncClient]:
    settings = settings_for(
        f"sqlite+aiosqlite:///{tmp_path / 'cases.db'}",
        issuer,
        case_lookup_limit="3/minute",
        open311_lookup_limit="2/minute",
    )
    app = create(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://cases") as client:
            yield client


async def test_an_officer_reading_case_after_case_is_slowed_down_alone(
    http: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    created = await http.post("/cases", json=MISSED_BIN)
    reference = created.json()["reference"]
    sweeper = bearer(issuer.officer(("waste", "personal")))
    walked = [f"MB-2026-{n:06d}" for n in range(1, 4)]
    answers = [(await http.get(f"/cases/{ref}", headers=sweeper)).status_code for ref in walked]

    refused = await http.get(f"/cases/{reference}", headers=sweeper)
    colleague = await http.get(
        f"/cases/{reference}", headers=bearer(issuer.officer(("waste", "personal")))
    )

    assert answers[0] == 200 and refused.status_code == 429
    assert refused.headers["content-type"] == "application/problem+json"
    assert int(refused.headers["retry-after"]) >= 1
    assert colleague.status_code == 200, "counted per caller"


async def test_a_refused_caller_is_not_counted_as_a_look_up(
    http: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    for _ in range(5):
        assert (await http.get("/cases/MB-2026-000001")).status_code == 401
    resident = bearer(issuer.resident(str(uuid.uuid4())))
    assert (await http.get("/cases/MB-2026-000001", headers=resident)).status_code == 404


async def test_open311_look_ups_are_limited_per_client_address(http: httpx.AsyncClient) -> None:
    paths = ["requests.json", "requests/FT-2026-000001.json", "tokens/x.json"]
    answers = [(await http.get(f"/open311/v2/{path}")).status_code for path in paths]

    assert answers == [200, 404, 429]
    assert (await http.get("/open311/v2/services.json")).status_code == 200, "not a look-up"
