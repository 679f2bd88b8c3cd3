"""Cases is ready only when it can serve: not before identity's key set is loaded."""

from __future__ import annotations

from pathlib import Path

import httpx

from townhall.cases.entrypoints.api.app import create
from townhall.cases.testing import PEST_CONTROL, bearer, settings_for
from townhall.runtime.testkit.tokens import TestIssuer
from townhall.runtime.testkit.waiting import eventually


async def test_cases_answers_503_with_the_reason_until_identitys_key_set_is_reachable(
    tmp_path: Path,
) -> None:
    issuer = TestIssuer(tmp_path)
    published = tmp_path / "identity" / "jwks.json"  # identity is not up yet
    settings = settings_for(f"sqlite+aiosqlite:///{tmp_path / 'cases.db'}", issuer)
    app = create(settings.model_copy(update={"auth_jwks_url": published.as_uri()}))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://cases") as client:
            waiting = await client.get("/readyz")
            published.parent.mkdir()
            published.write_text(issuer.jwks_path.read_text())  # identity comes up
            await eventually(lambda: client.get("/readyz"), lambda r: r.status_code == 200)
            reference = (await client.post("/cases", json=PEST_CONTROL)).json()["reference"]
            officer = bearer(issuer.officer(("pest_control", "personal")))
            seen = await client.get(f"/cases/{reference}", headers=officer)

    assert waiting.status_code == 503
    assert "not ready yet: identity key set" in waiting.json()["reasons"]
    assert seen.status_code == 200, seen.text
