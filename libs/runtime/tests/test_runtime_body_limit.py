"""A request body over the limit is refused with a 413 problem before the route runs."""

from collections.abc import AsyncIterator
from typing import Any

import httpx
from fastapi import FastAPI, Request
from starlette.types import Message

from townhall.runtime.hardening import LargerBody
from townhall.runtime.settings import ServiceSettings
from townhall.runtime.web import create_app

FIFTY_MB = 50 * 1024 * 1024


def build_app(settings: ServiceSettings | None = None, **options: Any) -> FastAPI:
    app = create_app(service="uploads", settings=settings, **options)
    app.state.ran = []

    @app.post("/contacts")
    async def contact(payload: dict[str, str]) -> dict[str, int]:
        app.state.ran.append("contact")
        return {"fields": len(payload)}

    @app.post("/attachments")
    async def attachment(request: Request) -> dict[str, int]:
        size = 0
        try:
            async for chunk in request.stream():
                size += len(chunk)
        except Exception:  # a route that swallows errors still cannot answer
            app.state.ran.append("swallowed")
        return {"size": size}

    return app


async def test_a_declared_50_mb_body_is_refused_without_reading_it() -> None:
    app = build_app()
    sent: list[Message] = []
    reads = 0

    async def receive() -> Message:
        nonlocal reads
        reads += 1
        return {"type": "http.request", "body": b"{}", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/contacts",
        "raw_path": b"/contacts",
        "root_path": "",
        "query_string": b"",
        "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(FIFTY_MB).encode()),
        ],
        "client": ("203.0.113.9", 50123),
        "server": ("test", 80),
    }
    await app(scope, receive, send)

    start, body = sent[0], b"".join(m.get("body", b"") for m in sent[1:])
    headers = {k.decode(): v.decode() for k, v in start["headers"]}
    assert start["status"] == 413
    assert headers["content-type"] == "application/problem+json"
    assert headers["connection"] == "close"
    assert b'"title":"Content Too Large"' in body
    assert b'"max_body_bytes":1048576' in body
    assert reads == 0
    assert app.state.ran == []


async def test_a_streamed_body_is_refused_the_moment_it_passes_the_limit() -> None:
    app = build_app(max_body_bytes=1000)
    pulled = 0

    async def chunks() -> AsyncIterator[bytes]:
        nonlocal pulled
        for _ in range(100):  # 40 kB in all, sent without a Content-Length
            pulled += 1
            yield b" " * 400

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        response = await http.post(
            "/contacts", content=chunks(), headers={"content-type": "application/json"}
        )

    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["max_body_bytes"] == 1000
    assert pulled == 3  # 400, 800, 1200 bytes: refused at the third chunk
    assert app.state.ran == []


async def test_a_route_reading_the_stream_itself_cannot_answer_past_the_limit() -> None:
    app = build_app(max_body_bytes=1000)

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(10):
            yield b"a" * 400

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        response = await http.post("/attachments", content=chunks())

    assert response.status_code == 413
    assert app.state.ran == ["swallowed"]


async def test_a_body_within_the_limit_reaches_the_route() -> None:
    app = build_app(ServiceSettings(http_max_body_bytes=64))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        small = await http.post("/contacts", json={"name": "Ada"})
        large = await http.post("/contacts", json={"name": "A" * 64})

    assert small.status_code == 200
    assert large.status_code == 413
    assert app.state.ran == ["contact"]


async def test_a_route_taking_files_has_its_own_limit_and_every_other_keeps_the_services() -> None:
    uploads = LargerBody("POST", r"/attachments", 4000)
    app = build_app(max_body_bytes=1000, larger_bodies=[uploads])
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        file = await http.post("/attachments", content=b"a" * 3000)
        too_large = await http.post("/attachments", content=b"a" * 5000)
        form = await http.post("/contacts", json={"name": "A" * 2000})

    assert file.status_code == 200 and file.json() == {"size": 3000}
    assert too_large.status_code == 413 and too_large.json()["max_body_bytes"] == 4000
    assert form.status_code == 413 and form.json()["max_body_bytes"] == 1000
    assert app.state.ran == []
