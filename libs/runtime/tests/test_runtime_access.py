"""The access table: who may attempt what, at which level of assurance."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated

import httpx
import pytest
from fastapi import APIRouter, Depends, FastAPI, Request

from townhall.runtime.access import ACCOUNT, VERIFIED, AccessTable, Rule
from townhall.runtime.auth import JWKSVerifier, Principal
from townhall.runtime.openapi import problems
from townhall.runtime.testkit.access import (
    REFUSED,
    allowed,
    callers,
    routes_by_action,
    unguarded_routes,
)
from townhall.runtime.testkit.tokens import AUDIENCE, ISSUER, TestIssuer
from townhall.runtime.web import create_app

ACCESS = AccessTable(
    "demo",
    {
        "request.read": Rule(
            "Read one request", residents=ACCOUNT, tracking=True, officers=True, scope="demo:read"
        ),
        "request.submit": Rule("Report something", anonymous=True, residents=0, officers=True),
        "history.sensitive": Rule("Read sensitive history", residents=VERIFIED),
        "catalogue.read": Rule("Read the public catalogue", anonymous=True),
        "records.write": Rule("Register a record", officers=True, scope="demo:write"),
    },
)
REFERENCE = "PC-2026-000001"
RESIDENT = "9f0c5cc6-0000-4000-8000-000000000001"


def build_app(issuer: TestIssuer) -> FastAPI:
    app = create_app(service="access-test")
    app.state.verifier = JWKSVerifier(issuer.jwks_url, issuer=ISSUER, audience=AUDIENCE)

    @app.get("/requests/{reference}", responses=problems(404))
    async def read(
        reference: str, caller: Annotated[Principal, Depends(ACCESS.require("request.read"))]
    ) -> dict[str, str]:
        return {"reference": reference, "caller": caller.subject}

    @app.post("/requests", status_code=201)
    async def submit(
        body: dict[str, str],
        caller: Annotated[Principal | None, Depends(ACCESS.require("request.submit"))],
    ) -> dict[str, str]:
        return {"by": caller.subject if caller else "anonymous"}

    @app.get("/history")
    async def sensitive(
        caller: Annotated[Principal, Depends(ACCESS.require("history.sensitive"))],
    ) -> dict[str, str]:
        return {"caller": caller.subject}

    @app.get("/catalogue")
    async def catalogue(
        caller: Annotated[Principal | None, Depends(ACCESS.require("catalogue.read"))],
    ) -> list[str]:
        return []

    @app.post("/records", status_code=201)
    async def register(
        caller: Annotated[Principal, Depends(ACCESS.require("records.write"))],
    ) -> dict[str, str]:
        return {}

    @app.get("/unguarded")
    async def unguarded() -> dict[str, str]:
        return {}

    own_errors = {"description": "An API's own error list", "content": {"text/xml": {}}}

    @app.get("/own-format", responses={404: own_errors})
    async def own_format(
        caller: Annotated[Principal | None, Depends(ACCESS.require("catalogue.read"))],
    ) -> dict[str, str]:
        return {}

    return app


ROUTES = {
    "request.read": ("GET", f"/requests/{REFERENCE}"),
    "request.submit": ("POST", "/requests"),
    "history.sensitive": ("GET", "/history"),
    "catalogue.read": ("GET", "/catalogue"),
    "records.write": ("POST", "/records"),
}


@pytest.fixture
def issuer(tmp_path: Path) -> TestIssuer:
    return TestIssuer(tmp_path)


@pytest.fixture
async def http(issuer: TestIssuer) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=build_app(issuer))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


@pytest.mark.parametrize("action", list(ACCESS))
async def test_each_row_of_the_table_admits_exactly_the_callers_it_names(
    action: str, issuer: TestIssuer, http: httpx.AsyncClient
) -> None:
    method, path = ROUTES[action]
    outcomes: dict[str, tuple[bool, int]] = {}
    for name, caller in callers(issuer, RESIDENT, REFERENCE, scope="demo:read").items():
        body: dict[str, str] | None = {} if method == "POST" else None
        response = await http.request(method, path, headers=caller.headers, json=body)
        outcomes[name] = (allowed(ACCESS, action, caller, REFERENCE), response.status_code)

    wrong = {n: o for n, o in outcomes.items() if o[0] == (o[1] in REFUSED)}
    assert not wrong, f"{action}: (promised, answered) {wrong}"


def test_a_tracking_token_is_good_for_the_request_it_names_and_nothing_else(
    issuer: TestIssuer,
) -> None:
    found = callers(issuer, RESIDENT, REFERENCE, scope="demo:read")

    assert allowed(ACCESS, "request.read", found["tracking this request"], REFERENCE)
    assert not allowed(ACCESS, "request.read", found["tracking another request"], REFERENCE)
    assert not allowed(ACCESS, "history.sensitive", found["tracking this request"], REFERENCE)
    assert allowed(ACCESS, "request.read", found["resident at level 1"], REFERENCE)
    assert not allowed(ACCESS, "history.sensitive", found["resident at level 1"], REFERENCE)
    assert allowed(ACCESS, "history.sensitive", found["resident at level 2"], REFERENCE)


async def test_a_refusal_says_which_level_was_needed(
    issuer: TestIssuer, http: httpx.AsyncClient
) -> None:
    token = issuer.resident(RESIDENT, loa=1)

    response = await http.get("/history", headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["required_loa"] == 2
    assert response.json()["loa"] == 1


async def test_a_bad_token_is_refused_even_where_none_is_needed(http: httpx.AsyncClient) -> None:
    response = await http.get("/catalogue", headers={"Authorization": "Bearer not-a-token"})

    assert response.status_code == 401


def test_a_tracking_rule_needs_a_level_above_tracking() -> None:
    with pytest.raises(ValueError, match="tracking"):
        Rule("nonsense", residents=0, tracking=True)


def test_asking_for_an_undeclared_action_fails_at_start_up() -> None:
    with pytest.raises(KeyError, match="no rule"):
        ACCESS.require("request.delete")


def test_routes_are_found_by_the_action_they_enforce(issuer: TestIssuer) -> None:
    app = build_app(issuer)

    assert routes_by_action(app)["request.read"] == [("GET", "/requests/{reference}")]
    assert unguarded_routes(app) == [("GET", "/unguarded")]


def test_the_openapi_document_shows_each_rule_and_its_problems(issuer: TestIssuer) -> None:
    document = build_app(issuer).openapi()

    read = document["paths"]["/requests/{reference}"]["get"]
    assert read["x-townhall-access"]["residents_min_loa"] == ACCOUNT
    assert read["x-townhall-access"]["tracking_token"]
    assert {"401", "403", "404", "422"} <= set(read["responses"])
    for status in ("401", "403", "404", "422"):
        assert list(read["responses"][status]["content"]) == ["application/problem+json"]
    own = document["paths"]["/own-format"]["get"]["responses"]
    assert list(own["404"]["content"]) == ["text/xml"], "an API's own error format stays"
    assert list(own["401"]["content"]) == ["application/problem+json"]
    submit = document["paths"]["/requests"]["post"]
    assert "413" in submit["responses"]
    assert "HTTPValidationError" not in document["components"]["schemas"]
    assert "Problem" in document["components"]["schemas"]


def test_routes_of_an_included_router_are_found_and_documented_with_its_prefix(
    issuer: TestIssuer,
) -> None:
    app = build_app(issuer)
    router = APIRouter(prefix="/archive")

    @router.get("/{reference}")
    async def archived(
        reference: str, caller: Annotated[Principal, Depends(ACCESS.require("request.read"))]
    ) -> dict[str, str]:
        return {}

    @router.get("/open")
    async def open_shelf() -> dict[str, str]:
        return {}

    app.include_router(router)
    document = app.openapi()

    assert ("GET", "/archive/{reference}") in routes_by_action(app)["request.read"]
    assert ("GET", "/archive/open") in unguarded_routes(app)
    archived_operation = document["paths"]["/archive/{reference}"]["get"]
    assert archived_operation["x-townhall-access"]["action"] == "request.read"
    assert {"401", "403"} <= set(archived_operation["responses"])


async def _heard(request: Request, principal: Principal, action: str) -> None:
    request.app.state.heard.append((request.url.path, principal.subject, action))


AUDITED = ACCESS.require("history.sensitive", on_refusal=_heard)


async def test_a_service_hears_of_each_refusal_of_a_signed_in_caller_before_it_is_answered(
    issuer: TestIssuer,
) -> None:
    app = create_app(service="access-test")
    app.state.verifier = JWKSVerifier(issuer.jwks_url, issuer=ISSUER, audience=AUDIENCE)
    app.state.heard = []

    @app.get("/history")
    async def sensitive(caller: Annotated[Principal, Depends(AUDITED)]) -> dict[str, str]:
        return {"caller": caller.subject}

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        answers = []
        for loa in (1, 2):
            token = issuer.resident(RESIDENT, loa=loa)
            response = await http.get("/history", headers={"Authorization": f"Bearer {token}"})
            answers.append(response.status_code)
        answers.append((await http.get("/history")).status_code)

    assert answers == [403, 200, 401]
    assert app.state.heard == [("/history", RESIDENT, "history.sensitive")], "the refusal only"


def reading(principal: Principal | None) -> str:
    """A domain's reading of its caller, as a service's ``actor_of`` is."""
    return "nobody" if principal is None else f"{principal.kind}:{principal.subject}"


async def test_a_route_can_take_the_caller_as_its_domain_reads_them(issuer: TestIssuer) -> None:
    app = create_app(service="access-test")
    app.state.verifier = JWKSVerifier(issuer.jwks_url, issuer=ISSUER, audience=AUDIENCE)

    @app.get("/requests/{reference}")
    async def read(
        reference: str, actor: Annotated[str, Depends(ACCESS.acting("request.read", reading))]
    ) -> dict[str, str]:
        return {"actor": actor}

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        token = issuer.resident(RESIDENT, loa=ACCOUNT)
        allowed = await http.get(
            f"/requests/{REFERENCE}", headers={"Authorization": f"Bearer {token}"}
        )
        refused = await http.get(f"/requests/{REFERENCE}")

    assert allowed.json() == {"actor": f"resident:{RESIDENT}"}
    assert refused.status_code == 401, "the table's rule still decides"
