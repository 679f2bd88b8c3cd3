"""The identity command line: the first administrator, demo seeding, key rotation."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from townhall.identity.cli import main
from townhall.identity.config import IdentitySettings
from townhall.identity.entrypoints.api.app import create
from townhall.identity.seed import DEMO_OFFICERS, DEMO_PASSWORD


def test_create_admin_then_seed_and_rotate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'identity.db'}")
    monkeypatch.setenv("IDENTITY_ADMIN_PASSWORD", "a long enough password")
    monkeypatch.setenv("IDENTITY_PASSWORD_HASHING", "cheapest-for-tests")
    main(["create-admin", "--email", "first.admin@example.org"])
    assert "administrator" in capsys.readouterr().out
    assert (tmp_path / "identity-master.key").exists(), "development key beside the database"
    with pytest.raises(SystemExit):
        main(["create-admin", "--email", "FIRST.admin@example.org"])
    main(["seed-demo"])
    main(["seed-demo"])
    assert "demo.admin@example.org" in capsys.readouterr().out
    main(["rotate-keys"])
    assert "published" in capsys.readouterr().out
    main(["add-service-client", "--client-id", "resident-view", "--scope", "pii:read"])
    assert "client_secret=" in capsys.readouterr().out


async def test_the_service_seeds_the_demo_on_start_when_asked(
    identity_settings: IdentitySettings,
) -> None:
    app = create(identity_settings.model_copy(update={"identity_seed_demo": True}))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://identity") as http:
            body = {"email": DEMO_OFFICERS[0][0], "password": DEMO_PASSWORD}
            response = await http.post("/auth/officer-token", json=body)
    assert response.status_code == 200, response.text
