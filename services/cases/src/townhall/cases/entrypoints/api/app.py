"""The cases service's HTTP application."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import structlog
from fastapi import FastAPI

from townhall.cases.adapters.catalogue import BUNDLED, load_catalogue
from townhall.cases.adapters.identity_matcher import HttpResidentMatcher
from townhall.cases.bootstrap import bootstrap
from townhall.cases.config import CasesSettings
from townhall.cases.entrypoints.api import cases, catalogue, contacts
from townhall.cases.entrypoints.api.errors import install_error_handlers
from townhall.cases.entrypoints.consumer import Reactions
from townhall.cases.entrypoints.open311 import routes as open311
from townhall.cases.entrypoints.sla import SlaMonitor
from townhall.cases.service_layer.matching import NoMatcher, ResidentMatcher
from townhall.runtime.service import ServiceRuntime
from townhall.runtime.web import create_app

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"
log = structlog.get_logger(__name__)


def resident_matcher(
    settings: CasesSettings, transport: httpx.AsyncBaseTransport | None = None
) -> ResidentMatcher:
    """Identity's matcher when its URL and this service's credentials are configured."""
    if settings.identity_url is None:
        return NoMatcher()
    if settings.identity_client_secret is None:
        log.warning("resident_matching_off", reason="IDENTITY_CLIENT_SECRET is not set")
        return NoMatcher()
    return HttpResidentMatcher(
        settings.identity_url,
        settings.identity_client_id,
        settings.identity_client_secret,
        timeout_s=settings.identity_timeout_s,
        transport=transport,
    )


def create(
    settings: CasesSettings | None = None,
    *,
    identity_transport: httpx.AsyncBaseTransport | None = None,
) -> FastAPI:
    """The app; a bad catalogue file stops it here, naming the file and field.

    ``identity_transport`` carries the calls to identity (tests: an ASGI transport).
    """
    settings = settings or CasesSettings()
    types = load_catalogue(settings.catalogue_dir or BUNDLED)
    reactions = Reactions()
    consumers = [reactions.spec()] if settings.consumers_enabled else []
    runtime = ServiceRuntime(settings, migrations=MIGRATIONS, consumers=consumers)
    assert runtime.outbox is not None
    matcher = resident_matcher(settings, identity_transport)
    bus = bootstrap(
        sessions=runtime.sessions, outbox=runtime.outbox, catalogue=types, matcher=matcher
    )
    reactions.bind(bus, runtime.outbox, types)
    monitor = SlaMonitor(bus, settings.sla_check_interval_s)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with runtime.lifespan(app):
            await monitor.start()
            try:
                yield
            finally:
                await monitor.stop()
                if isinstance(matcher, HttpResidentMatcher):
                    await matcher.aclose()

    app = create_app(
        service=settings.service_name, lifespan=lifespan, readiness=runtime.readiness()
    )
    app.state.bus, app.state.catalogue, app.state.sla = bus, types, monitor
    app.state.settings = settings
    install_error_handlers(app)
    open311.install(app)
    for router in (catalogue.router, cases.router, contacts.router, open311.router):
        app.include_router(router)
    return app
