"""The payments service's HTTP application: HTTP wired to what bootstrap built."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import httpx
from fastapi import FastAPI

from townhall.payments.bootstrap import Payments, bootstrap
from townhall.payments.config import PaymentsSettings
from townhall.payments.entrypoints.api import (
    mine,
    payments,
    reconciliation,
    sandbox_pages,
    webhooks,
)
from townhall.payments.entrypoints.api.dependencies import install_services
from townhall.payments.entrypoints.api.errors import install_error_handlers
from townhall.runtime.web import create_app

#: The API's policy, except that the sandbox's card form may post to this service.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)


def create(
    settings: PaymentsSettings | None = None,
    *,
    provider_transport: httpx.AsyncBaseTransport | None = None,
    services: Payments | None = None,
) -> FastAPI:
    """The app over ``services`` (default: what ``bootstrap(settings)`` builds)."""
    built = services or bootstrap(settings, provider_transport=provider_transport)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with built.runtime.lifespan(app), built.background():
            yield

    app = create_app(
        service=built.settings.service_name,
        lifespan=lifespan,
        readiness=built.runtime.readiness(),
        settings=built.settings,
        content_security_policy=CONTENT_SECURITY_POLICY,
    )
    install_services(app, built)
    install_error_handlers(app)
    routers = (payments.router, mine.router, webhooks.router, reconciliation.router)
    for router in (*routers, sandbox_pages.router):
        app.include_router(router)
    return app
