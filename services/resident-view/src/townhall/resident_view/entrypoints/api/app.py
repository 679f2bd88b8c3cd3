"""resident-view's HTTP application and its consumer."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from townhall.resident_view.config import ResidentViewSettings
from townhall.resident_view.entrypoints.api import access, timeline
from townhall.resident_view.projection import project, validate
from townhall.runtime.service import ConsumerSpec, ServiceRuntime
from townhall.runtime.web import create_app
from townhall.schemas.topics import DOMAIN_TOPICS

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"
GROUP = "resident-view"


def create(settings: ResidentViewSettings | None = None) -> FastAPI:
    settings = settings or ResidentViewSettings()
    consumer = ConsumerSpec(
        group=GROUP, topics=sorted(DOMAIN_TOPICS.values()), handler=project, validate=validate
    )
    runtime = ServiceRuntime(settings, migrations=MIGRATIONS, produces=False, consumers=[consumer])
    app = create_app(
        service=settings.service_name, lifespan=runtime.lifespan, readiness=runtime.readiness()
    )
    app.include_router(timeline.router)
    app.include_router(access.router)
    return app
