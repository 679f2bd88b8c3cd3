"""The notifications service answers its operational endpoints."""

import httpx

from townhall.notifications.config import NotificationsSettings
from townhall.notifications.entrypoints.api.app import create


async def test_notifications_reports_healthy_and_serves_its_openapi_document() -> None:
    transport = httpx.ASGITransport(app=create(NotificationsSettings(environment="development")))
    async with httpx.AsyncClient(transport=transport, base_url="http://notifications") as client:
        health = await client.get("/healthz")
        openapi = await client.get("/openapi.json")
    assert health.status_code == 200
    assert health.json()["service"] == "notifications"
    assert openapi.status_code == 200
