"""A case reported without a resident id is linked to the resident through identity, and
what is written on it is sealed under the key identity holds for that resident."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from townhall.cases.entrypoints.api.app import create as create_cases
from townhall.cases.entrypoints.api.dependencies import services_of
from townhall.cases.testing import (
    PEST_CONTROL,
    bearer,
    counts,
    envelopes,
    rows_holding,
    settings_for,
)
from townhall.identity.adapters.orm import residents
from townhall.identity.testing import Harness
from townhall.runtime.broker import free_port
from townhall.runtime.crypto import decode_key, open_sealed
from townhall.runtime.data_keys import resident_context
from townhall.runtime.testkit.tokens import TestIssuer

CasesFactory = Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]
ADA = {"given_name": "Ada", "family_name": "Example", "email": "ada@example.org"}


async def register_cases_client(
    identity: Harness,
    scopes: tuple[str, ...] = ("residents:match", "pii:read"),
    admin: dict[str, str] | None = None,
) -> str:
    """Registers cases as identity's service client, as an administrator would."""
    admin = admin or bearer(await identity.admin_token())
    body = {"client_id": "cases", "scopes": list(scopes)}
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
    secret = await register_cases_client(identity, scopes=("pii:read",))
    await identity.register(**ADA)
    transport = httpx.ASGITransport(app=identity.app)
    settings = {"identity_url": "http://identity", "identity_client_secret": secret}
    async with cases_app(transport, **settings) as cases:
        created = await cases.post("/cases", json={**PEST_CONTROL, "reporter": ADA})
        assert created.status_code == 201, created.text
        assert (await envelopes(cases))[0].residentid is None


async def _data_key(identity: Harness, resident_id: str) -> httpx.Response:
    reader = bearer(await identity.service_token("auditor", "pii:read"))
    return await identity.http.get(f"/residents/{resident_id}/data-key", headers=reader)


async def test_an_update_is_sealed_under_the_residents_key_and_erasure_shreds_it(
    identity: Harness, cases_app: CasesFactory, issuer: TestIssuer
) -> None:
    admin = bearer(await identity.admin_token())
    secret = await register_cases_client(identity, admin=admin)
    resident_id = await identity.register(**ADA)
    transport = httpx.ASGITransport(app=identity.app)
    settings = {"identity_url": "http://identity", "identity_client_secret": secret}
    officer = bearer(issuer.officer(("pest_control", "personal")))
    async with cases_app(transport, **settings) as cases:
        reference = (await cases.post("/cases", json={**PEST_CONTROL, "reporter": ADA})).json()[
            "reference"
        ]
        text = "Ada Example says the rats are back"
        posted = await cases.post(
            f"/cases/{reference}/updates", json={"text": text}, headers=officer
        )
        assert posted.status_code == 201, posted.text
        update = (await envelopes(cases))[-1]

    assert str(update.residentid) == resident_id and update.data["text"] == ""
    key = decode_key((await _data_key(identity, resident_id)).json()["key"])
    context = resident_context(resident_id)
    assert open_sealed(update.data["sealed"], key, context=context) == {"text": text}
    erased = await identity.http.delete(f"/residents/{resident_id}", headers=admin)
    assert erased.status_code == 204
    assert (await _data_key(identity, resident_id)).status_code == 410, (
        "the key is gone, and with it the only way to read the update"
    )


async def test_without_the_data_key_scope_a_write_about_a_resident_is_refused(
    identity: Harness, cases_app: CasesFactory, issuer: TestIssuer
) -> None:
    secret = await register_cases_client(identity, scopes=("residents:match",))
    await identity.register(**ADA)
    transport = httpx.ASGITransport(app=identity.app)
    settings = {"identity_url": "http://identity", "identity_client_secret": secret}
    async with cases_app(transport, **settings) as cases:
        at_home = await cases.post("/cases", json={**PEST_CONTROL, "reporter": ADA})
        assert at_home.status_code == 503, "the home's UPRN is published sealed under her key"
        nothing = await counts(cases)
        assert set(nothing.values()) == {0}, "nothing saved or published"
        where = {"address": "1 High Street"}
        reported = await cases.post(
            "/cases", json={**PEST_CONTROL, "reporter": ADA, "location": where}
        )
        assert reported.status_code == 201, "the fee's reason is the council's words: no key"
        before = await counts(cases)
        officer = bearer(issuer.officer(("pest_control", "personal")))
        update = {"text": "Ada's neighbour at number 3 has rats too"}
        url = f"/cases/{reported.json()['reference']}/updates"
        refused = await cases.post(url, json=update, headers=officer)
        assert refused.status_code == 503, "the update is written about Ada"
        assert await counts(cases) == before


ERIN = {"given_name": "Erin", "family_name": "Example", "email": "erin@example.org"}
ERIN_PERSONAL = ("Erin", "erin@example.org", "Rats in the kitchen", "1 High Street", "100023336956")


class Switchable(httpx.AsyncBaseTransport):
    """Identity over ASGI, or unreachable while ``away``."""

    def __init__(self, inner: httpx.AsyncBaseTransport):
        self.inner = inner
        self.away = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.away:
            raise httpx.ConnectError("identity is away", request=request)
        return await self.inner.handle_async_request(request)


async def test_a_report_waiting_for_its_match_does_not_bring_an_erased_reporter_back(
    identity: Harness, cases_app: CasesFactory
) -> None:
    admin = bearer(await identity.admin_token())
    secret = await register_cases_client(identity, admin=admin)
    erin = await identity.register(**ERIN)
    transport = Switchable(httpx.ASGITransport(app=identity.app))
    settings = {"identity_url": "http://identity", "identity_client_secret": secret,
                "resident_match_retry_interval_s": 0}  # the test runs the pass  # fmt: skip
    async with cases_app(transport, **settings) as cases:
        transport.away = True
        created = await cases.post("/cases", json={**PEST_CONTROL, "reporter": ERIN})
        assert created.status_code == 201, created.text
        assert (await envelopes(cases))[0].residentid is None, "kept, to be matched later"

        assert (await identity.http.delete(f"/residents/{erin}", headers=admin)).is_success
        identity_events = await identity.events()
        transport.away = False
        await services_of(cases.app).passes.retry_matches_once()  # type: ignore[attr-defined]

        assert await identity.count(residents) == 1, "no new resident made of Erin"
        assert await identity.events() == identity_events
        assert await rows_holding(cases, *ERIN_PERSONAL) == [], "the report is blanked"
        kinds = [e.type for e in await envelopes(cases)]
        assert "townhall.cases.case.resident_matched.v1" not in kinds
