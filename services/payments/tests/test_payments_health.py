"""The payments service answers its operational endpoints."""

import httpx

from townhall.payments.app import create
from townhall.payments.config import PaymentsSettings


async def test_payments_reports_healthy_and_serves_its_openapi_document() -> None:
    transport = httpx.ASGITransport(app=create(PaymentsSettings(environment="development")))
    async with httpx.AsyncClient(transport=transport, base_url="http://payments") as client:
        health = await client.get("/healthz")
        openapi = await client.get("/openapi.json")
    assert health.status_code == 200
    assert health.json()["service"] == "payments"
    assert openapi.status_code == 200
