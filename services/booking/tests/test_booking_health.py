"""The booking service answers its operational endpoints."""

import httpx

from townhall.booking.config import BookingSettings
from townhall.booking.entrypoints.api.app import create


async def test_booking_reports_healthy_and_serves_its_openapi_document() -> None:
    app = create(BookingSettings(environment="development"))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://booking") as client:
        health = await client.get("/healthz")
        openapi = await client.get("/openapi.json")
    assert health.status_code == 200
    assert health.json()["service"] == "booking"
    assert openapi.status_code == 200
    assert "/cases/{reference}/availability" in openapi.json()["paths"]
