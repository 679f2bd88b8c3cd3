"""resident-view's HTTP application and its live projection."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from townhall.resident_view.config import ResidentViewSettings
from townhall.resident_view.entrypoints.api import access, timeline
from townhall.resident_view.live import LiveProjection
from townhall.runtime.service import ServiceRuntime
from townhall.runtime.web import create_app

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def create(settings: ResidentViewSettings | None = None) -> FastAPI:
    settings = settings or ResidentViewSettings()
    runtime = ServiceRuntime(settings, migrations=MIGRATIONS, produces=False)
    live = LiveProjection(runtime)
    runtime.add(live)
    app = create_app(
        service=settings.service_name, lifespan=runtime.lifespan, readiness=runtime.readiness()
    )
    app.state.live = live
    app.include_router(timeline.router)
    app.include_router(access.router)
    return app
