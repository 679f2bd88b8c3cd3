"""A case reported without a resident id is linked to the resident through identity."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from townhall.cases.entrypoints.api.app import create as create_cases
from townhall.cases.testing import PEST_CONTROL, envelopes, settings_for
from townhall.identity.testing import Harness, bearer
from townhall.runtime.broker import free_port
from townhall.runtime.testkit.tokens import TestIssuer

CasesFactory = Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]
ADA = {"given_name": "Ada", "family_name": "Example", "email": "ada@example.org"}


async def register_cases_client(identity: Harness, scope: str = "residents:match") -> str:
    """Registers cases as identity's service client, as an administrator would."""
    admin = bearer(await identity.admin_token())
    body = {"client_id": "cases", "scopes": [scope]}
    response = await identity.http.post("/service-clients", json=body, headers=admin)
    assert response.status_code == 201, response.text
    secret: str = response.json()["client_secret"]
    return secret


@pytest.fixture
def cases_app(database_url: str, issuer: TestIssuer) -> CasesFactory:
    """Cases on its own database, talking to identity at ``identity_url``."""

    @asynccontextmanager
    async def running(
        transport: httpx.AsyncBaseTransport | None = None, **settings: Any
    ) -> AsyncIterator[httpx.AsyncClient]:
        app: FastAPI = create_cases(
            settings_for(database_url, issuer, **settings), identity_transport=transport
        )
        async with app.router.lifespan_context(app):
            asgi = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=asgi, base_url="http://cases") as http:
                http.app = app  # type: ignore[attr-defined]
                yield http

    return running


async def test_a_case_carries_the_resident_identity_matched(
    identity: Harness, cases_app: CasesFactory
) -> None:
    secret = await register_cases_client(identity)
    resident_id = await identity.register(**ADA)
    transport = httpx.ASGITransport(app=identity.app)
    settings = {"identity_url": "http://identity", "identity_client_secret": secret}
    async with cases_app(transport, **settings) as cases:
        body = {**PEST_CONTROL, "reporter": ADA}
        created = await cases.post("/cases", json=body)
        assert created.status_code == 201, created.text
        submitted = (await envelopes(cases))[0]
    assert submitted.type == "townhall.cases.case.submitted.v1"
    assert str(submitted.residentid) == resident_id
    linked = [e for e in await identity.events() if e["type"].endswith("identifier_linked.v1")]
    assert [e["residentid"] for e in linked] == [resident_id]


async def test_with_identity_unreachable_the_case_is_still_recorded(
    cases_app: CasesFactory,
) -> None:
    settings = {
        "identity_url": f"http://127.0.0.1:{free_port()}",
        "identity_client_secret": "anything",
        "identity_timeout_s": 0.5,
    }
    async with cases_app(**settings) as cases:
        created = await cases.post("/cases", json={**PEST_CONTROL, "reporter": ADA})
        assert created.status_code == 201, created.text
        assert (await envelopes(cases))[0].residentid is None


async def test_without_the_match_scope_the_case_is_recorded_unlinked(
    identity: Harness, cases_app: CasesFactory
) -> None:
    secret = await register_cases_client(identity, scope="pii:read")
    await identity.register(**ADA)
    transport = httpx.ASGITransport(app=identity.app)
    settings = {"identity_url": "http://identity", "identity_client_secret": secret}
    async with cases_app(transport, **settings) as cases:
        created = await cases.post("/cases", json={**PEST_CONTROL, "reporter": ADA})
        assert created.status_code == 201, created.text
        assert (await envelopes(cases))[0].residentid is None
