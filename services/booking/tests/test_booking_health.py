"""The booking service answers its operational endpoints."""

import httpx

from townhall.booking.app import create
from townhall.booking.config import BookingSettings


async def test_booking_reports_healthy_and_serves_its_openapi_document() -> None:
    transport = httpx.ASGITransport(app=create(BookingSettings(environment="development")))
    async with httpx.AsyncClient(transport=transport, base_url="http://booking") as client:
        health = await client.get("/healthz")
        openapi = await client.get("/openapi.json")
    assert health.status_code == 200
    assert health.json()["service"] == "booking"
    assert openapi.status_code == 200
