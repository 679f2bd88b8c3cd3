"""The cases service's HTTP application: HTTP wired to what bootstrap built."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import httpx
from fastapi import FastAPI

from townhall.cases.bootstrap import Cases, bootstrap
from townhall.cases.config import CasesSettings
from townhall.cases.entrypoints.api import cases, catalogue, contacts, evidence, mine, queue
from townhall.cases.entrypoints.api.dependencies import install_services
from townhall.cases.entrypoints.api.errors import install_error_handlers
from townhall.cases.entrypoints.open311 import routes as open311
from townhall.cases.entrypoints.open311.parameters import install as install_open311_errors
from townhall.runtime.data_keys import DataKeys
from townhall.runtime.web import create_app


def create(
    settings: CasesSettings | None = None,
    *,
    identity_transport: httpx.AsyncBaseTransport | None = None,
    data_keys: DataKeys | None = None,
    services: Cases | None = None,
) -> FastAPI:
    """The app over ``services`` (default: what ``bootstrap(settings)`` builds, with
    ``data_keys`` if given: tests pass in-memory keys)."""
    built = services or bootstrap(
        settings, identity_transport=identity_transport, data_keys=data_keys
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with built.runtime.lifespan(app), built.background():
            yield

    app = create_app(
        service=built.settings.service_name,
        lifespan=lifespan,
        readiness=built.runtime.readiness(),
        settings=built.settings,
        larger_bodies=[evidence.upload_allowance(built.settings.evidence_max_bytes)],
    )
    install_services(app, built)
    install_error_handlers(app)
    install_open311_errors(app)
    routers = (
        catalogue.router,
        cases.router,
        evidence.router,
        mine.router,
        queue.router,
        contacts.router,
    )
    for router in (*routers, open311.router):
        app.include_router(router)
    return app
