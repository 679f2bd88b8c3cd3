"""What every app gets from create_app to face the internet: security headers, and the
API documentation only in development."""

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Response

from townhall.runtime.hardening import API_CONTENT_SECURITY_POLICY
from townhall.runtime.settings import ServiceSettings
from townhall.runtime.web import create_app

PRODUCTION = ServiceSettings()
DEVELOPMENT = ServiceSettings(environment="development")


def build_app(settings: ServiceSettings = PRODUCTION, **options: Any) -> FastAPI:
    app = create_app(service="hardened", settings=settings, **options)
    app.state.uploads = []

    @app.get("/catalogue")
    async def catalogue(response: Response) -> list[str]:
        response.headers["Cache-Control"] = "public, max-age=300"
        return ["bins", "parking"]

    @app.get("/residents/{resident_id}")
    async def resident(resident_id: str) -> dict[str, str]:
        return {"resident_id": resident_id, "name": "Ada Smith"}

    @app.post("/uploads")
    async def upload(payload: dict[str, str]) -> dict[str, int]:
        app.state.uploads.append(payload)
        return {"fields": len(payload)}

    return app


def client_for(
    app: FastAPI, *, peer: str = "127.0.0.1", base_url: str = "http://test"
) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(peer, 50123))
    return httpx.AsyncClient(transport=transport, base_url=base_url)


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(build_app()) as http:
        yield http


# -- security headers -------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/residents/R-1", "/healthz", "/no/such/path"])
async def test_every_response_carries_the_security_headers(
    client: httpx.AsyncClient, path: str
) -> None:
    headers = (await client.get(path)).headers

    assert headers["content-security-policy"] == (
        "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    )
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["cross-origin-resource-policy"] == "same-origin"
    assert headers["cache-control"] == "no-store"


async def test_personal_data_is_never_cached_but_a_route_may_allow_caching_its_own(
    client: httpx.AsyncClient,
) -> None:
    assert (await client.get("/residents/R-1")).headers["cache-control"] == "no-store"
    catalogue = await client.get("/catalogue")
    assert catalogue.headers.get_list("cache-control") == ["public, max-age=300"]


async def test_hsts_is_sent_only_over_tls(client: httpx.AsyncClient) -> None:
    assert "strict-transport-security" not in (await client.get("/healthz")).headers

    async with client_for(build_app(), base_url="https://test") as tls:
        headers = (await tls.get("/healthz")).headers

    assert headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"


async def test_hsts_believes_x_forwarded_proto_only_from_a_trusted_proxy() -> None:
    forwarded = {"X-Forwarded-Proto": "https"}
    behind_proxy = build_app(ServiceSettings(trusted_proxies=["10.0.0.0/8"]))

    async with client_for(behind_proxy, peer="10.0.0.2") as via_proxy:
        trusted = await via_proxy.get("/healthz", headers=forwarded)
    async with client_for(behind_proxy, peer="203.0.113.9") as direct:
        untrusted = await direct.get("/healthz", headers=forwarded)

    assert "strict-transport-security" in trusted.headers
    assert "strict-transport-security" not in untrusted.headers


async def test_a_service_serving_pages_sets_its_own_policy() -> None:
    policy = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"

    async with client_for(build_app(content_security_policy=policy)) as http:
        response = await http.get("/healthz")

    assert response.headers["content-security-policy"] == policy


# -- environments -----------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/docs", "/redoc", "/openapi.json", "/docs/oauth2-redirect"])
async def test_production_serves_no_api_documentation(client: httpx.AsyncClient, path: str) -> None:
    assert (await client.get(path)).status_code == 404


async def test_development_serves_the_docs_under_a_policy_they_work_with() -> None:
    async with client_for(build_app(DEVELOPMENT)) as http:
        docs = await http.get("/docs")
        redoc = await http.get("/redoc")
        openapi = await http.get("/openapi.json")

    assert docs.status_code == redoc.status_code == openapi.status_code == 200
    assert "https://cdn.jsdelivr.net" in docs.text
    policy = docs.headers["content-security-policy"]
    assert "script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net" in policy
    assert "https://cdn.jsdelivr.net" in policy.split("style-src")[1].split(";")[0]
    assert "connect-src 'self'" in policy
    assert redoc.headers["content-security-policy"] == policy
    assert openapi.headers["content-security-policy"] == API_CONTENT_SECURITY_POLICY
    assert "/residents/{resident_id}" in openapi.json()["paths"]


async def test_docs_can_be_asked_for_outright() -> None:
    async with client_for(build_app(PRODUCTION, docs=True)) as http:
        assert (await http.get("/openapi.json")).status_code == 200
    async with client_for(build_app(DEVELOPMENT, docs=False)) as http:
        assert (await http.get("/openapi.json")).status_code == 404
