"""The policy against an independent oracle: 10,000 random (viewer, entry, consent)
cases on each store, and each viewer's view of one resident through the real API.

The oracle is written from the rules in ``reads/policy.py``'s docstring, not from its
code. Each round stores many residents' entries and consents at once, then asks, for
each random viewer and each resident, what the read path returns (the policy inside
the query): every entry must come back exactly when the oracle says, at exactly the
level it says. Viewers: officers with random roles (unknown clearances among them),
administrators with and without domain roles, residents at each level of assurance and
strangers, tracking tokens, service clients. A fixed seed makes every run the same.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from townhall.resident_view.config import ResidentViewSettings
from townhall.resident_view.entrypoints.api.app import create
from townhall.resident_view.entrypoints.api.dependencies import services_of
from townhall.resident_view.reads import timeline
from townhall.resident_view.reads.policy import may_view_resident, visibility
from townhall.resident_view.testing import Spec, consent, envelope, reset, write
from townhall.runtime.auth import Principal, principal_from_claims
from townhall.runtime.settings import KafkaSettings
from townhall.runtime.testkit.fixtures import PostgresDatabases
from townhall.runtime.testkit.tokens import TestIssuer
from townhall.schemas.envelope import Sensitivity

SEED = 11_2026
ROUNDS, RESIDENTS, ENTRIES, VIEWERS = 5, 10, 10, 20  # 5 rounds of 100 entries, 20 viewers
DOMAINS = ["waste", "pest_control", "housing", "council_tax", "social_care", "contact_centre"]
ROLE_DOMAINS = [*DOMAINS, "admin"]
CLEARANCES = ["public", "personal", "sensitive", "special", "top_secret"]


# --- the oracle: the docstring's rules, in plain Python -------------------------------

RANK = {"public": 0, "personal": 1, "sensitive": 2, "special": 3}


@dataclass(frozen=True)
class Stored:
    resident: str
    domain: str
    sensitivity: str
    audience: str


def _domain_roles(claims: dict[str, Any]) -> list[tuple[str, int]]:
    """An officer's roles that count: a service domain (not admin), a known clearance."""
    roles = [(r["domain"], r["clearance"]) for r in claims.get("roles", [])]
    return [(d, RANK[c]) for d, c in roles if d != "admin" and c in RANK]


def may_ask(claims: dict[str, Any], resident: str) -> bool:
    if claims["kind"] == "resident":
        return claims["sub"] == resident and claims.get("loa", 0) >= 1
    return claims["kind"] == "officer" and bool(_domain_roles(claims))


def oracle(claims: dict[str, Any], entry: Stored, consented: set[str]) -> str | None:
    """ "detail", "summary", or None (not shown)."""
    if not may_ask(claims, entry.resident):
        return None
    rank = RANK[entry.sensitivity]
    if claims["kind"] == "resident":
        if entry.audience == "officers":
            return None
        if rank >= RANK["sensitive"] and claims["loa"] < 2:
            return None
        return "detail"
    roles = _domain_roles(claims)
    if any(domain == entry.domain and rank <= clearance for domain, clearance in roles):
        return "detail"
    if entry.sensitivity == "special":
        return None
    if any(domain == "contact_centre" and rank <= clearance for domain, clearance in roles):
        return "summary"
    shared = entry.domain in consented or "*" in consented
    if shared and rank <= max(clearance for _, clearance in roles):
        return "summary"
    return None


def withheld(claims: dict[str, Any], entry: Stored) -> bool:
    """Whether the resident's own entry is kept from them until they are verified."""
    below = claims["kind"] == "resident" and claims.get("loa", 0) < 2
    return below and entry.audience != "officers" and RANK[entry.sensitivity] >= 2


#: What a viewer sees of one resident: {event id: level} and whether more is withheld
#: until they verify; None when refused.
Seen = tuple[dict[str, str], bool] | None


# --- random viewers, entries and consents ---------------------------------------------


def random_viewer(rng: random.Random, residents: list[str]) -> dict[str, Any]:
    kind = rng.choices(
        ["officer", "administrator", "resident", "tracking", "service"], [4, 2, 4, 1, 1]
    )[0]
    if kind in ("officer", "administrator"):
        roles = [
            {"domain": rng.choice(ROLE_DOMAINS), "clearance": rng.choice(CLEARANCES)}
            for _ in range(rng.randint(0, 3))
        ]
        if kind == "administrator":
            roles.insert(0, {"domain": "admin", "clearance": rng.choice(CLEARANCES)})
        return {"sub": f"officer-{rng.randrange(10**6)}", "kind": "officer", "roles": roles}
    own = rng.choice(residents) if rng.random() < 0.85 else str(uuid.uuid4())
    if kind == "resident":
        return {"sub": own, "kind": "resident", "loa": rng.randint(0, 3)}
    if kind == "tracking":
        return {"sub": own, "kind": "resident", "loa": 0, "ref": "PC-2026-000001"}
    return {"sub": "svc", "kind": "service", "scope": rng.choice(["pii:read", "", "cases:read"])}


def random_store(
    rng: random.Random,
) -> tuple[list[Any], dict[str, Stored], dict[str, set[str]]]:
    envelopes, stored, consents = [], {}, {}
    for _ in range(RESIDENTS):
        resident = str(uuid.UUID(int=rng.getrandbits(128)))
        consents[resident] = set(rng.sample([*DOMAINS, "*"], rng.randint(0, 2)))
        for n in range(ENTRIES):
            spec = Spec(
                rng.choice(DOMAINS),
                rng.choice(list(Sensitivity)),
                rng.choice(["all", "all", "all", "officers"]),
            )
            made = envelope(resident, spec, n)
            envelopes.append(made)
            stored[made.id] = Stored(resident, spec.domain, spec.sensitivity.value, spec.audience)
    return envelopes, stored, consents


# --- the stores -----------------------------------------------------------------------


class Harness:
    """One app (its store, its API) and one event loop for every round."""

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
        self.services = services_of(self.app)

    def close(self) -> None:
        self.runner.run(self.client.aclose())
        self.runner.run(self.lifespan.__aexit__(None, None, None))
        self.runner.close()

    async def seed(self, envelopes: list[Any], consents: dict[str, set[str]]) -> None:
        generation = self.services.live.generation.number
        async with self.services.runtime.sessions.begin() as session:
            await reset(session)
            await write(session, envelopes, generation)
            for resident, domains in consents.items():
                await consent(session, resident, sorted(domains), generation)

    async def read(self, viewer: Principal, resident: str) -> Seen:
        """What the read path shows ``viewer`` of ``resident``'s history (None: refused)."""
        if not may_view_resident(viewer, resident):
            return None
        generation = self.services.live.generation.number
        scope = timeline.Scope(generation, resident, visibility(viewer, resident))
        async with self.services.runtime.sessions() as session:
            rows, _ = await timeline.page(
                session, scope, filters=timeline.Filters(), limit=ENTRIES + 1
            )
            withheld = await timeline.withheld(session, scope)
        assert all((row["data"] is None) == (row["view"] == "summary") for row in rows)
        return {row["event_id"]: row["view"] for row in rows}, withheld

    async def ask(self, claims: dict[str, Any], resident: str) -> Seen:
        """The same through the API (None: refused)."""
        more = {k: v for k, v in claims.items() if k not in ("sub", "kind")}
        token = self.issuer.token(claims["sub"], claims["kind"], **more)
        response = await self.client.get(
            f"/residents/{resident}/timeline",
            params={"purpose": "property test", "limit": ENTRIES + 1},
            headers={"Authorization": f"Bearer {token}"},
        )
        if response.status_code == 403:
            return None
        assert response.status_code == 200, response.text
        page = response.json()
        return {e["event_id"]: e["view"] for e in page["entries"]}, page["withheld_until_verified"]


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


def expected_of(
    claims: dict[str, Any], resident: str, stored: dict[str, Stored], consents: dict[str, set[str]]
) -> Seen:
    if not may_ask(claims, resident):
        return None
    mine = {i: e for i, e in stored.items() if e.resident == resident}
    levels = {i: oracle(claims, e, consents[resident]) for i, e in mine.items()}
    return {i: level for i, level in levels.items() if level is not None}, any(
        withheld(claims, e) for e in mine.values()
    )


def test_the_policy_shows_exactly_what_the_oracle_allows_in_10000_cases(
    harness: Harness,
) -> None:
    rng = random.Random(SEED)
    cases, wrong = 0, []
    for _ in range(ROUNDS):
        envelopes, stored, consents = random_store(rng)
        harness.runner.run(harness.seed(envelopes, consents))
        residents = list(consents)
        for _ in range(VIEWERS):
            claims = random_viewer(rng, residents)
            viewer = principal_from_claims(claims)
            probed = claims["sub"] if claims["sub"] in consents else rng.choice(residents)
            for resident in residents:
                expected = expected_of(claims, resident, stored, consents)
                got = harness.runner.run(harness.read(viewer, resident))
                if resident == probed:
                    api = harness.runner.run(harness.ask(claims, resident))
                    assert api == got, f"the API differs from the read path for {claims}"
                if got != expected:
                    wrong.append((claims, resident, consents[resident], expected, got))
            cases += len(stored)
    assert cases >= 10_000
    assert not wrong, f"{len(wrong)} (viewer, resident) pairs differ from the oracle: {wrong[:3]}"
