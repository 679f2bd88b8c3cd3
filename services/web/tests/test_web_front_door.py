"""The front door answers and lists the services it was told about."""

import httpx

from townhall.web.app import create
from townhall.web.config import WebSettings


async def test_the_front_door_lists_every_other_service() -> None:
    settings = WebSettings(SERVICE_URLS_JSON={"identity": "http://127.0.0.1:8001", "web": "x"})
    transport = httpx.ASGITransport(app=create(settings))
    async with httpx.AsyncClient(transport=transport, base_url="http://web") as client:
        page = await client.get("/")
        health = await client.get("/healthz")
    assert page.status_code == 200
    assert 'href="http://127.0.0.1:8001/docs"' in page.text
    assert ">web<" not in page.text
    assert "style-src 'unsafe-inline'" in page.headers["content-security-policy"]
    assert health.json()["service"] == "web"
