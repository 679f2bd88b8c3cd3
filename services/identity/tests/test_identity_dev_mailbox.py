"""The development mailbox: only in development, only when asked for, only to a client on
this machine; and one-time codes never reach a log."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import structlog

from townhall.identity.adapters.codes import DevMailbox
from townhall.identity.config import IdentitySettings
from townhall.identity.entrypoints.api.app import create
from townhall.identity.testing import Harness


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """Where the mailbox is mounted does not depend on the database: SQLite only."""
    return f"sqlite+aiosqlite:///{tmp_path / 'identity.db'}"


@pytest.fixture
def identity_settings(identity_settings: IdentitySettings) -> IdentitySettings:
    return identity_settings.model_copy(
        update={"identity_dev_mailbox": True, "environment": "development"}
    )


async def _status_from(identity: Harness, peer: str) -> int:
    transport = httpx.ASGITransport(app=identity.app, client=(peer, 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://identity") as client:
        return (await client.get("/dev/mailbox")).status_code


@pytest.mark.parametrize(
    ("environment", "asked_for"),
    [("production", True), ("development", False), ("production", False)],
)
def test_the_mailbox_exists_only_in_development_when_asked_for(
    identity_settings: IdentitySettings, environment: str, asked_for: bool
) -> None:
    settings = identity_settings.model_copy(
        update={"identity_dev_mailbox": asked_for, "environment": environment}
    )
    app = create(settings)
    assert "/dev/mailbox" not in app.openapi()["paths"]
    assert not settings.dev_mailbox


@pytest.fixture
async def production(identity_settings: IdentitySettings) -> AsyncIterator[Harness]:
    """IDENTITY_DEV_MAILBOX=1 left on in production."""
    app = create(identity_settings.model_copy(update={"environment": "production"}))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://identity") as http:
            yield Harness(app, http)


async def test_in_production_the_mailbox_is_not_found_and_keeps_nothing(
    production: Harness,
) -> None:
    body = {"given_name": "Ada", "family_name": "Example", "email": "ada@example.org"}
    assert (await production.http.post("/auth/tracking", json=body)).status_code == 202
    assert (await production.http.get("/dev/mailbox")).status_code == 404
    assert not isinstance(production.services.mailbox, DevMailbox)


@pytest.mark.parametrize("peer", ["127.0.0.1", "::1"])
async def test_the_mailbox_answers_a_client_on_this_machine(identity: Harness, peer: str) -> None:
    assert await _status_from(identity, peer) == 200


@pytest.mark.parametrize("peer", ["203.0.113.9", "10.0.0.5", "2001:db8::1"])
async def test_the_mailbox_is_not_found_from_another_machine(identity: Harness, peer: str) -> None:
    assert await _status_from(identity, peer) == 404


async def test_a_forwarded_header_does_not_make_a_client_local(identity: Harness) -> None:
    transport = httpx.ASGITransport(app=identity.app, client=("203.0.113.9", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://identity") as client:
        response = await client.get("/dev/mailbox", headers={"X-Forwarded-For": "127.0.0.1"})
    assert response.status_code == 404


async def test_one_time_codes_are_never_written_to_logs(
    identity: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with structlog.testing.capture_logs() as logs:
        body = {"given_name": "Ada", "family_name": "Example", "email": "ada@example.org"}
        reference = (await identity.http.post("/auth/tracking", json=body)).json()["reference"]
        messages = (await identity.http.get("/dev/mailbox")).json()["messages"]
        code = next(m["code"] for m in messages if m["reference"] == reference)
        wrong = f"{(int(code) + 1) % 10**6:06d}"
        for attempt in (wrong, code):
            redeem = {"reference": reference, "code": attempt}
            await identity.http.post("/auth/codes/redeem", json=redeem)
    written = f"{logs} {caplog.text}"  # down to libraries' DEBUG lines (SQL parameters)
    assert logs, "the flow does log (so the assertion below means something)"
    assert code not in written and wrong not in written
    informed = [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO]
    assert "ada@example.org" not in f"{logs} {informed}", "nor, at INFO, where it went"
