"""The server-side session store: idle sessions end, sign-in gives a new id, and a full
store lets anonymous visitors go before officers."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import httpx
from sqlalchemy import select

from townhall.web.app import create
from townhall.web.config import WebSettings
from townhall.web.session_db import DatabaseSessionStore, web_sessions
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


def test_a_service_that_does_not_answer_is_a_page_saying_so() -> None:
    down = dict.fromkeys(("identity", "resident-view", "cases"), "http://127.0.0.1:9")
    app = create(WebSettings(ENVIRONMENT="development", SERVICE_URLS_JSON=down))

    async def sign_in() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://web") as client:
            page = await client.get("/officer/sign-in")
            token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
            form = {"csrf_token": token, "email": "a@example.org", "password": "p"}
            return await client.post("/officer/sign-in", data=form)

    answer = asyncio.run(sign_in())
    assert answer.status_code == 503
    assert "Sorry, there is a problem with the service" in answer.text


@contextlib.asynccontextmanager
async def replicas(url: str, clock: Clock) -> AsyncIterator[tuple[DatabaseSessionStore, ...]]:
    """Two stores on one database, as two web replicas have."""
    stores = tuple(DatabaseSessionStore(url, idle_s=60, clock=clock) for _ in range(2))
    for store in stores:
        await store.start()
    try:
        yield stores
    finally:
        for store in stores:
            await store.close()


async def test_a_session_saved_by_one_replica_is_loaded_by_another(database_url: str) -> None:
    async with replicas(database_url, Clock()) as (first, second):
        session = first.new("cy")
        session.officer = Officer("officer-1", "o@example.org", (("waste", "personal"),))
        session.tokens = Tokens("access", "refresh", 2000.0)
        session.purposes["resident-1"] = "phone call"
        await first.save(session)
        loaded = await second.load(session.id)
        assert loaded is not None and loaded is not session
        assert (loaded.language, loaded.officer, loaded.tokens) == (
            "cy",
            session.officer,
            session.tokens,
        )
        assert loaded.purposes == {"resident-1": "phone call"} and loaded.csrf == session.csrf
        assert await second.load("someone-elses-id") is None


async def test_a_renewed_id_replaces_the_old_one_on_every_replica(database_url: str) -> None:
    async with replicas(database_url, Clock()) as (first, second):
        session = first.new()
        await first.save(session)
        old_id = session.id
        second.renew(session)
        await second.save(session)
        assert await first.load(old_id) is None
        assert await first.load(session.id) is not None


async def test_an_ended_or_idle_session_opens_nothing_anywhere(database_url: str) -> None:
    clock = Clock()
    async with replicas(database_url, clock) as (first, second):
        ended, idle = first.new(), first.new()
        await first.save(ended)
        await first.save(idle)
        await second.end(ended)
        await first.save(ended)  # a request still holding it does not bring it back
        clock.now += 61
        assert await first.load(ended.id) is None
        assert await second.load(idle.id) is None


async def test_the_table_holds_no_session_id_a_reader_could_present(database_url: str) -> None:
    async with replicas(database_url, Clock()) as (store, _):
        session = store.new()
        await store.save(session)
        async with store.db() as db:
            rows = (await db.execute(select(web_sessions))).all()
    assert len(rows) == 1 and session.id not in rows[0].id_hash + rows[0].data
