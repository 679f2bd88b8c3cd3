"""Throttling that protects without locking anyone out: a failure delays the address it
came from (and that account there), never the account everywhere; the time is a manual
clock, moved by hand."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from prometheus_client import REGISTRY

from townhall.identity.adapters.throttle import Backoff
from townhall.identity.bootstrap import sign_in_throttle
from townhall.identity.config import IdentitySettings
from townhall.identity.entrypoints.api.app import create
from townhall.identity.testing import PASSWORD, Harness, bearer
from townhall.runtime.clock import ManualClock

OFFICER = "target@example.org"
ATTACKER, OFFICE, SERVICE_HOST = "203.0.113.66", "198.51.100.10", "10.0.0.7"


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """Throttling keeps its counts outside the database: SQLite only."""
    return f"sqlite+aiosqlite:///{tmp_path / 'identity.db'}"


@pytest.fixture
def clock() -> ManualClock:
    """Real time to start with (tokens expire by it), on a whole second."""
    return ManualClock(datetime.now(UTC).replace(microsecond=0))


@pytest.fixture
def identity_settings(identity_settings: IdentitySettings) -> IdentitySettings:
    return identity_settings.model_copy(
        update={
            "identity_address_free_failures": 10,
            "identity_sign_in_alarm_after": 5,
            "identity_officer_lookup_limit": "3/hour",
        }
    )


@pytest.fixture
async def identity(
    identity_settings: IdentitySettings, clock: ManualClock
) -> AsyncIterator[Harness]:
    app = create(identity_settings, sign_in=sign_in_throttle(identity_settings, clock))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=(OFFICE, 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://identity") as http:
            yield Harness(app, http)


async def _post(identity: Harness, address: str, path: str, body: dict[str, str]) -> httpx.Response:
    transport = httpx.ASGITransport(app=identity.app, client=(address, 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://identity") as client:
        return await client.post(path, json=body)


async def _login(
    identity: Harness, address: str, password: str, email: str = OFFICER
) -> httpx.Response:
    body = {"email": email, "password": password}
    return await _post(identity, address, "/auth/officer-token", body)


def _throttled(rule: str) -> float:
    return REGISTRY.get_sample_value("townhall_throttled_total", {"rule": rule}) or 0.0


async def _fail_patiently(
    identity: Harness, clock: ManualClock, address: str, times: int, email: str = OFFICER
) -> list[int]:
    """Wrong passwords, each after the delay the last one earned: every one is judged."""
    statuses = []
    for _ in range(times):
        clock.advance(timedelta(minutes=16))
        statuses.append((await _login(identity, address, "wrong password", email)).status_code)
    return statuses


def test_delays_double_from_one_second_up_to_fifteen_minutes() -> None:
    backoff = Backoff("test", first=1, cap=900)
    assert [backoff.delay(n) for n in range(1, 12)] == [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900]
    assert backoff.delay(10_000) == 900
    assert [Backoff("test", free=3).delay(n) for n in range(1, 6)] == [0, 0, 0, 1, 2]


async def test_the_sixth_wrong_password_does_not_lock_the_officer_out(
    identity: Harness, clock: ManualClock
) -> None:
    await identity.create_officer(OFFICER, ("waste", "personal"))
    assert await _fail_patiently(identity, clock, ATTACKER, 6) == [401] * 6
    assert (await _login(identity, OFFICE, PASSWORD)).status_code == 200


async def test_a_failing_address_waits_longer_each_time_whatever_the_password(
    identity: Harness, clock: ManualClock
) -> None:
    await identity.create_officer(OFFICER, ("waste", "personal"))
    refused_before = _throttled("identity-sign-in")
    waits = []
    for _ in range(3):
        assert (await _login(identity, ATTACKER, "wrong password")).status_code == 401
        waiting = await _login(identity, ATTACKER, PASSWORD)
        assert waiting.status_code == 429, "the right password waits too"
        assert waiting.headers["Content-Type"] == "application/problem+json"
        waits.append(int(waiting.headers["Retry-After"]))
        clock.advance(timedelta(seconds=waits[-1]))
    assert waits == [1, 2, 4]
    assert _throttled("identity-sign-in") == refused_before + 3
    assert (await _login(identity, ATTACKER, PASSWORD)).status_code == 200, "after the wait"
    assert (await _login(identity, ATTACKER, "wrong password")).status_code == 401
    after_success = await _login(identity, ATTACKER, PASSWORD)
    assert after_success.headers["Retry-After"] == "1", "a success started the pair afresh"


async def test_an_address_failing_across_accounts_waits_for_every_account(
    identity: Harness, clock: ManualClock
) -> None:
    await identity.create_officer(OFFICER, ("waste", "personal"))
    for n in range(11):  # ten failures from an address are free, the eleventh is not
        email = f"guess{n}@example.org"
        assert await _fail_patiently(identity, clock, ATTACKER, 1, email) == [401]
    assert (await _login(identity, ATTACKER, PASSWORD)).status_code == 429
    assert (await _login(identity, OFFICE, PASSWORD)).status_code == 200


async def test_wrong_secrets_from_an_attacker_leave_the_real_service_working(
    identity: Harness, clock: ManualClock
) -> None:
    admin = bearer(await identity.admin_token())
    body = {"client_id": "cases", "scopes": ["residents:match"]}
    secret = (await identity.http.post("/service-clients", json=body, headers=admin)).json()[
        "client_secret"
    ]
    grant = {"grant_type": "client_credentials", "client_id": "cases"}
    guesses = []
    for n in range(5):
        clock.advance(timedelta(minutes=16))
        guess = {**grant, "client_secret": f"guess-{n}"}
        guesses.append((await _post(identity, ATTACKER, "/auth/service-token", guess)).status_code)
    assert guesses == [401] * 5
    real = await _post(
        identity, SERVICE_HOST, "/auth/service-token", {**grant, "client_secret": secret}
    )
    assert real.status_code == 200, real.text
    attacker = await _post(
        identity, ATTACKER, "/auth/service-token", {**grant, "client_secret": secret}
    )
    assert attacker.status_code == 429, "only the failing address waits"


async def test_an_account_failing_from_many_addresses_raises_an_alarm_and_blocks_nothing(
    identity: Harness, clock: ManualClock
) -> None:
    await identity.create_officer(OFFICER, ("waste", "personal"))
    alarms = REGISTRY.get_sample_value(
        "townhall_identity_sign_in_alarms_total", {"kind": "officer"}
    )
    for n in range(5):
        assert await _fail_patiently(identity, clock, f"203.0.113.{n + 1}", 1) == [401]
    after = REGISTRY.get_sample_value("townhall_identity_sign_in_alarms_total", {"kind": "officer"})
    assert (after or 0) == (alarms or 0) + 1
    assert (await _login(identity, OFFICE, PASSWORD)).status_code == 200


async def test_a_resident_signing_in_is_throttled_the_same_way(
    identity: Harness, clock: ManualClock
) -> None:
    login = {"email": "ada@example.org", "password": "not the password"}
    assert (await _post(identity, ATTACKER, "/auth/resident-token", login)).status_code == 401
    waiting = await _post(identity, ATTACKER, "/auth/resident-token", login)
    assert (waiting.status_code, waiting.headers["Retry-After"]) == (429, "1")
    assert (await _post(identity, OFFICE, "/auth/resident-token", login)).status_code == 401


async def test_an_officer_may_look_up_only_so_many_records(identity: Harness) -> None:
    resident = await identity.register(email="ada@example.org")
    first = bearer(await identity.officer_token("cc1@example.org", ("contact_centre", "personal")))
    second = bearer(await identity.officer_token("cc2@example.org", ("contact_centre", "personal")))
    refused_before = _throttled("identity-officer-lookups")
    looked_up = [
        (await identity.http.get(f"/residents/{resident}", headers=first)).status_code
        for _ in range(4)
    ]
    assert looked_up == [200, 200, 200, 429]
    assert (await identity.http.get(f"/residents/{resident}", headers=second)).status_code == 200
    assert _throttled("identity-officer-lookups") == refused_before + 1
