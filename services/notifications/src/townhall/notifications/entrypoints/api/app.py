"""The notifications service's HTTP application: HTTP wired to what bootstrap built."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from fastapi import FastAPI

from townhall.notifications.bootstrap import Notifications, bootstrap
from townhall.notifications.config import NotificationsSettings
from townhall.notifications.entrypoints.api import routes
from townhall.notifications.entrypoints.api.dependencies import install_services
from townhall.notifications.entrypoints.api.errors import install_error_handlers
from townhall.runtime.web import create_app


def create(
    settings: NotificationsSettings | None = None, *, services: Notifications | None = None
) -> FastAPI:
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
    app.include_router(routes.router)
    return app
