"""The front door: the resident pages (report from the catalogue, track a request) and
the officer workspace, in GOV.UK style, the Open311 proxy to cases, and a page listing
the platform's services."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Mapping
from html import escape

import httpx
from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.responses import Response
from starlette.types import Scope

from townhall.runtime.web import create_app
from townhall.web import open311
from townhall.web.config import WebSettings
from townhall.web.officer import (
    audit,
    auth,
    cases,
    contacts,
    errors,
    merges,
    queue,
    requests,
    residents,
    review,
)
from townhall.web.officer.dependencies import SessionCookie, composition, cookie_name
from townhall.web.officer.workspace import Workspace
from townhall.web.resident import (
    access,
    account,
    account_export,
    account_session,
    account_settings,
    account_signup,
    book,
    evidence,
    evidence_later,
    language,
    pay,
    report,
    track,
)
from townhall.web.resident.upstream import Booking, Payments, ResidentAccess
from townhall.web.session_db import DatabaseSessionStore
from townhall.web.sessions import MemorySessionStore, SessionStore
from townhall.web.templating import Pages
from townhall.web.upstream import (
    Cases,
    Identity,
    Matches,
    ResidentView,
    ServiceClient,
)

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Townhall</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{{font-family:Arial,sans-serif;max-width:40em;margin:2em auto;color:#0b0c0c}}
h1{{font-size:2em}}a{{color:#1d70b8}}li{{margin:.4em 0}}</style></head>
<body><h1>Townhall</h1>
<p>Council services as events, joined into one timeline per resident.</p>
<p><a href="/report">Report or request something</a> ·
<a href="/track">Track a request</a> · <a href="/officer">Officer workspace</a></p>
<h2>Services</h2><ul>{items}</ul></body></html>"""
#: The service list's only resource is its inline style.
PAGE_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
#: The workspace's pages: scripts, styles and images from this origin only, never
#: inline; forms post here only; no page may frame them.
WORKSPACE_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "font-src 'self'; connect-src 'self'; manifest-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
#: The services the front door's pages call, by their name in SERVICE_URLS_JSON.
UPSTREAMS = ("identity", "resident-view", "cases", "payments", "booking", "notifications")


def create(
    settings: WebSettings | None = None,
    *,
    cases_transport: httpx.AsyncBaseTransport | None = None,
    transports: Mapping[str, httpx.AsyncBaseTransport] | None = None,
) -> FastAPI:
    """The front door. ``cases_transport`` carries the Open311 proxy's calls to cases,
    ``transports`` the workspace's calls by service name (tests: in-process apps)."""
    settings = settings or WebSettings()
    proxy = open311.CasesProxy(settings.service_urls.get("cases"), cases_transport)
    clients = {
        name: ServiceClient(
            name,
            settings.service_urls.get(name),
            timeout_s=settings.web_upstream_timeout_s,
            transport=(transports or {}).get(name),
        )
        for name in UPSTREAMS
    }
    sessions = _session_store(settings)
    workspace = Workspace(
        settings=settings,
        sessions=sessions,
        pages=Pages(council_name=settings.web_council_name),
        identity=Identity(clients["identity"]),
        resident_view=ResidentView(clients["resident-view"]),
        cases=Cases(clients["cases"]),
        matches=Matches(clients["identity"]),
        access=ResidentAccess(clients["identity"]),
        payments=Payments(clients["payments"]),
        booking=Booking(clients["booking"]),
        notifications=clients["notifications"],
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if isinstance(sessions, DatabaseSessionStore):
            await sessions.start()
        yield
        if isinstance(sessions, DatabaseSessionStore):
            await sessions.close()
        await proxy.aclose()
        for client in clients.values():
            await client.aclose()

    app = create_app(
        service=settings.service_name,
        settings=settings,
        content_security_policy=WORKSPACE_POLICY,
        lifespan=lifespan,
        larger_bodies=[
            evidence.upload_allowance(settings.web_evidence_max_body_bytes),
            evidence_later.upload_allowance(settings.web_evidence_max_body_bytes),
        ],
    )
    composition.install(app, workspace)
    app.include_router(open311.router(proxy))
    app.add_middleware(open311.Open311Errors)
    app.add_middleware(
        SessionCookie,
        name=cookie_name(workspace),
        secure=not settings.development,
        store=sessions,
    )
    for pages in (auth, residents, contacts, requests, queue, cases, review, audit, merges):
        app.include_router(pages.router)
    for resident_pages in (evidence, evidence_later, report, pay, book, track, language):
        app.include_router(resident_pages.router)
    for account_pages in (account, account_signup, account_settings, account_export):
        app.include_router(account_pages.router)
    errors.install(app)
    access.install(app)
    account_session.install(app)
    app.mount("/assets", Assets(directory=settings.web_assets_dir, check_dir=False))
    _service_list(app, settings)
    return app


def _session_store(settings: WebSettings) -> SessionStore:
    idle_s = settings.web_session_idle_s
    if settings.web_session_store == "database":
        return DatabaseSessionStore(settings.database_url, idle_s=idle_s)
    return MemorySessionStore(idle_s=idle_s, limit=settings.web_session_limit)


class Assets(StaticFiles):
    """GOV.UK Frontend's files: a browser keeps them and asks whether they changed
    (ETag, 304), rather than the ``no-store`` every page carries."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        response.headers["Cache-Control"] = "no-cache"
        return response


def _service_list(app: FastAPI, settings: WebSettings) -> None:
    items = "".join(
        f'<li><a href="{escape(url)}/docs">{escape(name)}</a> '
        f'(<a href="{escape(url)}/healthz">health</a>)</li>'
        for name, url in sorted(settings.service_urls.items())
        if name != settings.service_name
    )
    page = PAGE.format(items=items or "<li>No services configured.</li>")

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def front_door() -> HTMLResponse:
        return HTMLResponse(page, headers={"Content-Security-Policy": PAGE_POLICY})
