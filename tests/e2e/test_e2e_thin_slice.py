"""The thin slice through the whole pipe, with real processes started as `make run` does.

identity (HTTP) → its outbox → relay → embedded Kafka → resident-view's consumer →
its timeline store → GET on resident-view. Once on SQLite, once on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import httpx
import pytest

from townhall.cli.launcher import Platform
from townhall.identity.seed import DEMO_PASSWORD
from townhall.runtime.broker import free_port
from townhall.runtime.testkit.fixtures import PostgresDatabases, Processes
from townhall.runtime.testkit.tokens import TestIssuer
from townhall.runtime.testkit.waiting import eventually

SERVICES = ("identity", "resident-view")


@pytest.fixture(params=["sqlite", "postgresql"])
def platform(
    request: pytest.FixtureRequest, tmp_path: Path, processes: Processes
) -> tuple[Platform, TestIssuer]:
    issuer = TestIssuer(tmp_path)
    databases = None
    if request.param == "postgresql":
        postgres: PostgresDatabases = request.getfixturevalue("postgres")
        databases = {name: asyncio.run(postgres.create()) for name in SERVICES}
    running = Platform(
        var_dir=tmp_path / "var",
        services=SERVICES,
        ports={name: free_port() for name in (*SERVICES, "broker")},
        database_urls=databases,
        extra_env={"AUTH_JWKS_URL": issuer.jwks_url},
    )
    return processes.start(running), issuer


async def contact_centre(client: httpx.AsyncClient, platform: Platform) -> dict[str, str]:
    """A contact-centre officer's token: residents never register anonymously."""
    login = {"email": "demo.contact@example.org", "password": DEMO_PASSWORD}
    signed_in = await client.post(f"{platform.urls['identity']}/auth/officer-token", json=login)
    assert signed_in.status_code == 200, signed_in.text
    return {"Authorization": f"Bearer {signed_in.json()['access_token']}"}


async def register(
    client: httpx.AsyncClient, platform: Platform, n: int, officer: dict[str, str]
) -> str:
    response = await client.post(
        f"{platform.urls['identity']}/residents",
        json={"given_name": f"Resident{n}", "family_name": "Example", "channel": "phone"},
        headers=officer,
    )
    assert response.status_code == 201, response.text
    resident_id: str = response.json()["id"]
    return resident_id


async def timeline(
    client: httpx.AsyncClient, platform: Platform, issuer: TestIssuer, resident_id: str
) -> list[dict[str, object]]:
    try:
        response = await client.get(
            f"{platform.urls['resident-view']}/residents/{resident_id}/timeline",
            headers={"Authorization": f"Bearer {issuer.resident(resident_id)}"},
        )
    except httpx.TransportError:  # a killed process is restarting
        return []
    if response.status_code != 200:
        return []
    entries: list[dict[str, object]] = response.json()["entries"]
    return entries


async def test_a_resident_registered_in_identity_appears_in_their_timeline(
    platform: tuple[Platform, TestIssuer],
) -> None:
    running, issuer = platform
    async with httpx.AsyncClient(timeout=10) as client:
        resident = await register(client, running, 1, await contact_centre(client, running))
        entries = await eventually(
            lambda: timeline(client, running, issuer, resident), lambda e: len(e) > 0
        )
    assert [e["type"] for e in entries] == ["townhall.identity.resident.registered.v1"]
    assert entries[0]["summary"] == "Registered with the council (phone)"


async def test_the_timeline_converges_after_the_projection_is_killed_mid_stream(
    platform: tuple[Platform, TestIssuer],
) -> None:
    running, issuer = platform
    async with httpx.AsyncClient(timeout=10) as client:
        officer = await contact_centre(client, running)
        residents = [await register(client, running, n, officer) for n in range(15)]
        running.processes["resident-view"].send_signal(signal.SIGKILL)
        residents += [await register(client, running, n, officer) for n in range(15, 30)]

        async def restarted() -> bool:  # what `townhall up` does for a process that died
            running.supervise_once()
            return running.is_running("resident-view")

        await eventually(restarted, bool)
        await eventually(
            lambda: timeline(client, running, issuer, residents[-1]), lambda e: len(e) > 0
        )
        for resident in residents:
            entries = await timeline(client, running, issuer, resident)
            assert len(entries) == 1, f"{resident} has {len(entries)} entries, not exactly one"
