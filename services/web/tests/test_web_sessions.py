"""The server-side session store: idle sessions end, sign-in gives a new id, and a full
store lets anonymous visitors go before officers."""

from __future__ import annotations

import asyncio

import httpx

from townhall.web.app import create
from townhall.web.config import WebSettings
from townhall.web.sessions import MemorySessionStore, Officer, Tokens


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_session_idle_too_long_is_gone() -> None:
    clock = Clock()
    store = MemorySessionStore(idle_s=60, limit=10, clock=clock)
    session = store.new()
    clock.now += 59
    assert store.get(session.id) is session
    clock.now += 61
    assert store.get(session.id) is None


def test_signing_in_renews_the_id_and_csrf_token() -> None:
    store = MemorySessionStore(idle_s=60, limit=10)
    session = store.new()
    old_id, old_csrf = session.id, session.csrf
    store.renew(session)
    assert store.get(old_id) is None and store.get(session.id) is session
    assert session.csrf != old_csrf and not session.csrf_matches(old_csrf)


def test_a_full_store_drops_anonymous_sessions_first() -> None:
    clock = Clock()
    store = MemorySessionStore(idle_s=600, limit=2, clock=clock)
    officer = store.new()
    officer.officer = Officer("1", "o@example.org", ())
    officer.tokens = Tokens("a", "r", 0)
    clock.now += 1
    visitor = store.new()
    clock.now += 1
    store.new()
    assert store.get(officer.id) is officer
    assert store.get(visitor.id) is None


def test_outside_development_the_cookie_is_secure_and_host_only() -> None:
    app = create(WebSettings())

    async def visit() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="https://web") as client:
            return await client.get("/officer")

    answer = asyncio.run(visit())
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith("__Host-townhall_session=")
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert answer.status_code == 303 and answer.headers["location"] == "/officer/sign-in"
