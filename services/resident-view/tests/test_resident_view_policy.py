"""The policy, tested against an independent oracle through the real API and database.

For random officers, roles, consents and entries, the API returns exactly the entries
the oracle allows, at exactly the level (detail or summary) it allows: no more, no fewer.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from townhall.resident_view.config import ResidentViewSettings
from townhall.resident_view.entrypoints.api.app import create
from townhall.resident_view.entrypoints.api.dependencies import services_of
from townhall.resident_view.testing import Spec, consent, envelope, reset, write
from townhall.runtime.service import ServiceRuntime
from townhall.runtime.settings import KafkaSettings
from townhall.runtime.testkit.fixtures import PostgresDatabases
from townhall.runtime.testkit.tokens import TestIssuer
from townhall.schemas.envelope import Sensitivity

DOMAINS = ["waste", "pest_control", "housing", "council_tax", "social_care"]
ROLE_DOMAINS = [*DOMAINS, "contact_centre", "admin"]
RANK = {s.value: s.rank for s in Sensitivity}
RESIDENT = str(uuid.uuid4())

specs = st.builds(
    Spec,
    domain=st.sampled_from(DOMAINS),
    sensitivity=st.sampled_from(list(Sensitivity)),
    audience=st.sampled_from(["all", "all", "officers"]),
)
roles = st.lists(
    st.tuples(st.sampled_from(ROLE_DOMAINS), st.sampled_from([s.value for s in Sensitivity])),
    max_size=3,
)
consents = st.lists(st.sampled_from([*DOMAINS, "*"]), max_size=3, unique=True)


def oracle(
    viewer: dict[str, Any], entries: list[Spec], consented: list[str]
) -> dict[int, str] | None:
    """What the policy promises, written independently: {entry index: level}, None = 403."""
    if viewer["kind"] == "resident":
        if viewer["sub"] != RESIDENT:
            return None
        return {i: "detail" for i, e in enumerate(entries) if e.audience != "officers"}
    grants = [(d, RANK[c]) for d, c in viewer["roles"]]
    if not grants:
        return None
    shown: dict[int, str] = {}
    highest = max(r for _, r in grants)
    centre = [r for d, r in grants if d == "contact_centre"]
    for i, e in enumerate(entries):
        rank = e.sensitivity.rank
        if any(d == e.domain and rank <= r for d, r in grants):
            shown[i] = "detail"
        elif rank < RANK["special"] and (
            (centre and rank <= max(centre))
            or ((e.domain in consented or "*" in consented) and rank <= highest)
        ):
            shown[i] = "summary"
    return shown


class Harness:
    """One app, database and event loop reused across hypothesis examples."""

    def __init__(self, url: str, kafka: KafkaSettings, directory: Path):
        self.issuer = TestIssuer(directory)
        settings_ = ResidentViewSettings(
            database_url=url, kafka=kafka, auth_jwks_url=self.issuer.jwks_url
        )
        self.app = create(settings_)
        self.runner = asyncio.Runner()
        self.lifespan = self.app.router.lifespan_context(self.app)
        self.runner.run(self.lifespan.__aenter__())
        transport = httpx.ASGITransport(app=self.app)
        self.client = httpx.AsyncClient(transport=transport, base_url="http://rv")

    @property
    def runtime(self) -> ServiceRuntime:
        return services_of(self.app).runtime

    def close(self) -> None:
        self.runner.run(self.client.aclose())
        self.runner.run(self.lifespan.__aexit__(None, None, None))
        self.runner.close()

    async def seed(self, entries: list[Spec], consented: list[str]) -> list[str]:
        envelopes = [envelope(RESIDENT, spec, n) for n, spec in enumerate(entries)]
        async with self.runtime.sessions.begin() as session:
            await reset(session)
            await write(session, envelopes)
            await consent(session, RESIDENT, consented)
        return [e.id for e in envelopes]

    async def look(self, token: str) -> httpx.Response:
        return await self.client.get(
            f"/residents/{RESIDENT}/timeline",
            params={"purpose": "property test", "limit": 200},
            headers={"Authorization": f"Bearer {token}"},
        )


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def harness(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    kafka_settings: KafkaSettings,
    postgres: PostgresDatabases,
) -> Iterator[Harness]:
    directory = tmp_path_factory.mktemp("policy")
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{directory / 'rv.db'}"
    else:
        url = asyncio.run(postgres.create())
    running = Harness(url, kafka_settings, directory)
    yield running
    running.close()


viewers = st.one_of(
    st.builds(lambda r: {"kind": "officer", "roles": r}, roles),
    st.builds(
        lambda own: {"kind": "resident", "sub": RESIDENT if own else str(uuid.uuid4())},
        st.booleans(),
    ),
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(entries=st.lists(specs, max_size=12), viewer=viewers, consented=consents)
def test_the_api_returns_exactly_what_the_policy_allows(
    harness: Harness, entries: list[Spec], viewer: dict[str, Any], consented: list[str]
) -> None:
    ids = harness.runner.run(harness.seed(entries, consented))
    if viewer["kind"] == "resident":
        token = harness.issuer.resident(viewer["sub"])
    else:
        token = harness.issuer.officer(*viewer["roles"])
    response = harness.runner.run(harness.look(token))
    expected = oracle(viewer, entries, consented)
    if expected is None:
        assert response.status_code == 403, response.text
        return
    assert response.status_code == 200, response.text
    got = {e["event_id"]: e["view"] for e in response.json()["entries"]}
    assert got == {ids[i]: level for i, level in expected.items()}
    for shown in response.json()["entries"]:
        assert (shown["data"] is None) == (shown["view"] == "summary"), "summaries carry no data"
