"""Identity's HTTP application."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from townhall.identity.bootstrap import bootstrap
from townhall.identity.config import IdentitySettings
from townhall.identity.entrypoints.api import residents
from townhall.identity.entrypoints.api.errors import install_error_handlers
from townhall.runtime.service import ServiceRuntime
from townhall.runtime.web import create_app

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def create(settings: IdentitySettings | None = None) -> FastAPI:
    settings = settings or IdentitySettings()
    runtime = ServiceRuntime(settings, migrations=MIGRATIONS)
    app = create_app(
        service=settings.service_name, lifespan=runtime.lifespan, readiness=runtime.readiness()
    )
    assert runtime.outbox is not None
    app.state.bus = bootstrap(sessions=runtime.sessions, outbox=runtime.outbox)
    install_error_handlers(app)
    app.include_router(residents.router)
    return app
