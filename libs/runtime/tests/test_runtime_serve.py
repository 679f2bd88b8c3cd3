"""How serve() runs uvicorn, proved on a real socket: no banner, the real peer."""

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
import uvicorn

from townhall.runtime.service import health_only_app, server_config
from townhall.runtime.settings import ServiceSettings
from townhall.runtime.testkit.waiting import eventually


@pytest.fixture
async def served() -> AsyncIterator[str]:
    settings = ServiceSettings(service_name="served", port=0)
    server = uvicorn.Server(server_config(health_only_app(settings), settings))
    task = asyncio.create_task(server.serve())

    async def started() -> bool:
        return server.started

    try:
        await eventually(started, bool, timeout_s=10)
        port = server.servers[0].sockets[0].getsockname()[1]
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


async def test_a_served_response_names_no_server_and_carries_the_security_headers(
    served: str,
) -> None:
    async with httpx.AsyncClient(base_url=served, trust_env=False) as http:
        response = await http.get("/healthz")

    assert response.status_code == 200
    assert "server" not in response.headers
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-store"


async def test_the_app_sees_the_real_peer_not_a_forwarded_address(served: str) -> None:
    # uvicorn's own proxy handling would believe this from 127.0.0.1 and hide the peer
    async with httpx.AsyncClient(base_url=served, trust_env=False) as http:
        response = await http.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"})

    assert response.status_code == 200
