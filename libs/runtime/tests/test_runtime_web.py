"""The operational surface every service gets from create_app."""

import asyncio
from collections.abc import AsyncIterator, Sequence
from typing import Annotated

import httpx
import pytest
from fastapi import Depends, FastAPI

from townhall.runtime import web
from townhall.runtime.web import Composition, ReadinessCheck, create_app


async def database() -> str | None:
    return None


async def broker() -> str | None:
    return "broker unreachable"


async def cache() -> str | None:
    raise ConnectionError("refused")


async def slow() -> str | None:
    await asyncio.sleep(10)
    return None


def build_app(readiness: Sequence[ReadinessCheck] = ()) -> FastAPI:
    app = create_app(service="web-test", version="1.2.3", readiness=readiness)

    @app.get("/items/{item_id}")
    async def item(item_id: int) -> dict[str, int]:
        return {"item_id": item_id}

    return app


async def client_for(app: FastAPI) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://test")


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with await client_for(build_app([database])) as http:
        yield http


async def test_healthz_says_ok_with_the_service_name(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "service": "web-test"}


async def test_readyz_is_200_when_every_check_passes(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")

    assert response.status_code == 200
    assert response.json()["status"] == "ready"


async def test_readyz_is_a_503_problem_listing_each_reason() -> None:
    async with await client_for(build_app([database, broker, cache])) as http:
        response = await http.get("/readyz")

    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["reasons"] == ["broker unreachable", "cache: failed"]


async def test_a_hanging_check_times_out(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(web, "READINESS_TIMEOUT_SECONDS", 0.05)

    async with await client_for(build_app([slow])) as http:
        response = await http.get("/readyz")

    assert response.status_code == 503
    assert response.json()["reasons"] == ["slow: timed out"]


async def test_metrics_count_requests_by_route_template(client: httpx.AsyncClient) -> None:
    await client.get("/items/41")
    await client.get("/items/42")

    response = await client.get("/metrics")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    line = 'townhall_http_requests_total{method="GET",route="/items/{item_id}",status="200"}'
    assert line in response.text
    assert "townhall_http_request_duration_seconds_bucket" in response.text
    assert 'route="/items/41"' not in response.text


async def test_unmatched_paths_share_one_metrics_label(client: httpx.AsyncClient) -> None:
    await client.get("/no/such/path")

    response = await client.get("/metrics")

    assert 'route="<unmatched>",status="404"' in response.text


def test_creating_many_apps_registers_metrics_once() -> None:
    first, second = build_app(), build_app()

    assert first is not second


def test_openapi_documents_the_service() -> None:
    document = build_app().openapi()

    assert document["info"] == {"title": "web-test", "version": "1.2.3"}
    assert "/items/{item_id}" in document["paths"]
    assert "/healthz" not in document["paths"]


async def test_routes_reach_what_bootstrap_built_through_one_typed_dependency() -> None:
    class Built:
        greeting = "hello"

    composition = Composition(Built)
    app = create_app(service="kit")
    with pytest.raises(LookupError, match="holds no Built"):
        composition.of(app)
    composition.install(app, Built())

    @app.get("/greeting")
    async def greeting(built: Annotated[Built, Depends(composition.dependency)]) -> str:
        return built.greeting

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://kit") as client:
        assert (await client.get("/greeting")).json() == "hello"
