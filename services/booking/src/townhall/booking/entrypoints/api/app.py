"""The booking service's HTTP application: HTTP wired to what bootstrap built."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from fastapi import FastAPI

from townhall.booking.bootstrap import Booking, bootstrap
from townhall.booking.config import BookingSettings
from townhall.booking.entrypoints.api import bookings, mine, officers
from townhall.booking.entrypoints.api.dependencies import install_services
from townhall.booking.entrypoints.api.errors import install_error_handlers
from townhall.runtime.web import create_app


def create(settings: BookingSettings | None = None, *, services: Booking | None = None) -> FastAPI:
    """The app over ``services`` (default: what ``bootstrap(settings)`` builds)."""
    built = services or bootstrap(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with built.runtime.lifespan(app), built.background():
            yield

    app = create_app(
        service=built.settings.service_name,
        lifespan=lifespan,
        readiness=built.runtime.readiness(),
        settings=built.settings,
    )
    install_services(app, built)
    install_error_handlers(app)
    for router in (bookings.router, mine.router, officers.router):
        app.include_router(router)
    return app
