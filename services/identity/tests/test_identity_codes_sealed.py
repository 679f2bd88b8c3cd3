"""Identity sends nothing itself: a one-time code leaves it only sealed in
``one_time_code.issued`` (notifications sends it), never in clear, never in a log, and
identity has no mailbox of its own to show it."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
import structlog

from townhall.identity.config import IdentitySettings
from townhall.identity.testing import Harness


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """What a code leaves behind does not depend on the database: SQLite only."""
    return f"sqlite+aiosqlite:///{tmp_path / 'identity.db'}"


@pytest.fixture
def identity_settings(identity_settings: IdentitySettings) -> IdentitySettings:
    return identity_settings.model_copy(update={"environment": "development"})


BODY = {"given_name": "Ada", "family_name": "Example", "email": "ada@example.org"}


async def test_identity_has_no_mailbox_even_in_development(identity: Harness) -> None:
    assert (await identity.http.post("/auth/tracking", json=BODY)).status_code == 202
    assert (await identity.http.get("/dev/mailbox")).status_code == 404
    assert "/dev/mailbox" not in identity.app.openapi()["paths"]


async def test_a_code_leaves_identity_only_sealed_for_notifications(identity: Harness) -> None:
    reference = (await identity.http.post("/auth/tracking", json=BODY)).json()["reference"]
    code = await identity.code(reference)  # opened with the resident's key
    [issued] = [e for e in await identity.events() if e["type"].endswith("code.issued.v1")]
    assert (issued["data"]["reference"], issued["data"]["channel"]) == (reference, "email")
    published = json.dumps(await identity.events())
    assert code not in published and "ada@example.org" not in published


async def test_one_time_codes_are_never_written_to_logs(
    identity: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with structlog.testing.capture_logs() as logs:
        reference = (await identity.http.post("/auth/tracking", json=BODY)).json()["reference"]
        code = await identity.code(reference)
        wrong = f"{(int(code) + 1) % 10**6:06d}"
        for attempt in (wrong, code):
            redeem = {"reference": reference, "code": attempt}
            await identity.http.post("/auth/codes/redeem", json=redeem)
    written = f"{logs} {caplog.text}"  # down to libraries' DEBUG lines (SQL parameters)
    assert logs, "the flow does log (so the assertion below means something)"
    assert code not in written and wrong not in written
    informed = [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO]
    assert "ada@example.org" not in f"{logs} {informed}", "nor, at INFO, where it went"
