"""The front door. Until the web issue lands it lists the platform's services."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from html import escape

import httpx
from fastapi import FastAPI
from fastapi.responses import HTMLResponse

from townhall.runtime.web import create_app
from townhall.web import open311
from townhall.web.config import WebSettings

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Townhall</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{{font-family:Arial,sans-serif;max-width:40em;margin:2em auto;color:#0b0c0c}}
h1{{font-size:2em}}a{{color:#1d70b8}}li{{margin:.4em 0}}</style></head>
<body><h1>Townhall</h1>
<p>Council services as events, joined into one timeline per resident.</p>
<h2>Services</h2><ul>{items}</ul></body></html>"""
#: The page's only resource is its inline style.
PAGE_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)


def create(
    settings: WebSettings | None = None, *, cases_transport: httpx.AsyncBaseTransport | None = None
) -> FastAPI:
    """The front door; ``cases_transport`` carries its calls to cases (tests: ASGI)."""
    settings = settings or WebSettings()
    proxy = open311.CasesProxy(settings.service_urls.get("cases"), cases_transport)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        await proxy.aclose()

    app = create_app(
        service=settings.service_name,
        settings=settings,
        content_security_policy=PAGE_POLICY,
        lifespan=lifespan,
    )
    app.include_router(open311.router(proxy))
    app.add_middleware(open311.Open311Errors)
    items = "".join(
        f'<li><a href="{escape(url)}/docs">{escape(name)}</a> '
        f'(<a href="{escape(url)}/healthz">health</a>)</li>'
        for name, url in sorted(settings.service_urls.items())
        if name != settings.service_name
    )

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def front_door() -> str:
        return PAGE.format(items=items or "<li>No services configured.</li>")

    return app
