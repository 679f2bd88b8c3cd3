"""The front door routes /open311/v2/ to cases, so an Open311 client has one base URL."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from xml.etree import ElementTree as ET

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from townhall.web.app import create
from townhall.web.config import WebSettings

CASES = "http://cases.internal:8002"


async def _echo(request: Request) -> Response:
    """A stand-in for cases: says what reached it, with a header a client acts on."""
    seen = {
        "method": request.method,
        "url": str(request.url),
        "body": (await request.body()).decode(),
        "headers": dict(request.headers),
    }
    headers = {"Retry-After": "7", "X-Content-Type-Options": "cases-own", "Set-Cookie": "x=1"}
    return Response(json.dumps(seen), 429, media_type="application/json", headers=headers)


CASES_STUB = Starlette(routes=[Route("/{path:path}", _echo, methods=["GET", "POST", "DELETE"])])


async def _front_door(
    transport: httpx.AsyncBaseTransport, urls: dict[str, str]
) -> AsyncIterator[httpx.AsyncClient]:
    app = create(WebSettings(SERVICE_URLS_JSON=urls), cases_transport=transport)
    async with app.router.lifespan_context(app):
        front = httpx.ASGITransport(app=app, client=("203.0.113.9", 5000))
        async with httpx.AsyncClient(transport=front, base_url="http://townhall.example") as c:
            yield c


@pytest.fixture
async def web() -> AsyncIterator[httpx.AsyncClient]:
    async for client in _front_door(httpx.ASGITransport(app=CASES_STUB), {"cases": CASES}):
        yield client


async def test_open311_calls_reach_cases_as_they_came(web: httpx.AsyncClient) -> None:
    form = "api_key=k&service_code=fly_tipping&media_url=a&media_url=b"
    response = await web.post(
        "/open311/v2/requests.xml?jurisdiction_id=townhall.example",
        content=form,
        headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": "session=s"},
    )

    seen = response.json()
    assert response.status_code == 429 and response.headers["retry-after"] == "7"
    assert seen["method"] == "POST"
    assert seen["url"] == f"{CASES}/open311/v2/requests.xml?jurisdiction_id=townhall.example"
    assert seen["body"] == form, "repeated fields (several media_url) pass as sent"
    assert seen["headers"]["content-type"] == "application/x-www-form-urlencoded"
    assert seen["headers"]["x-forwarded-for"] == "203.0.113.9"
    assert "cookie" not in seen["headers"], "the front door's session stays here"


async def test_the_front_doors_security_headers_are_kept(web: httpx.AsyncClient) -> None:
    response = await web.get("/open311/v2/services.json")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert "set-cookie" not in response.headers


@pytest.mark.parametrize(
    ("path", "media_type"), [("services.xml", "text/xml"), ("services.json", "application/json")]
)
async def test_cases_unreachable_is_a_spec_error_in_the_paths_format(
    path: str, media_type: str
) -> None:
    """GeoReport v2, Errors: an array of code and description, in XML or JSON."""

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    async for web in _front_door(httpx.MockTransport(refuse), {"cases": CASES}):
        response = await web.get(f"/open311/v2/{path}")
    assert response.status_code == 502
    assert response.headers["content-type"].startswith(media_type)
    if media_type == "text/xml":
        root = ET.fromstring(response.content)
        assert root.tag == "errors" and root.findtext("error/code") == "502"
    else:
        assert response.json()[0]["code"] == 502


async def test_without_cases_configured_open311_says_so() -> None:
    async for web in _front_door(httpx.ASGITransport(app=CASES_STUB), {}):
        response = await web.get("/open311/v2/discovery.json")
    assert response.status_code == 503
    assert response.json() == [{"code": 503, "description": "Open311 is not configured here"}]


async def test_a_body_too_large_for_the_front_door_is_a_spec_error(
    web: httpx.AsyncClient,
) -> None:
    response = await web.post(
        "/open311/v2/requests.xml",
        content=b"description=" + b"x" * 2_000_000,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 413
    root = ET.fromstring(response.content)
    assert root.tag == "errors" and root.findtext("error/code") == "413"
    assert response.headers["x-content-type-options"] == "nosniff"
