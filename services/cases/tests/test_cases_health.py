"""The cases service answers its operational endpoints."""

import httpx

from townhall.cases.config import CasesSettings
from townhall.cases.entrypoints.api.app import create


async def test_cases_reports_healthy_and_serves_its_openapi_document() -> None:
    transport = httpx.ASGITransport(app=create(CasesSettings(environment="development")))
    async with httpx.AsyncClient(transport=transport, base_url="http://cases") as client:
        health = await client.get("/healthz")
        openapi = await client.get("/openapi.json")
    assert health.status_code == 200
    assert health.json()["service"] == "cases"
    assert openapi.status_code == 200
    assert "/open311/v2/requests.{fmt}" in openapi.json()["paths"]
