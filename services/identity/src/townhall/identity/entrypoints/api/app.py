"""Identity's HTTP application: the routes wired to what ``bootstrap`` built."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI
from starlette.types import Lifespan

from townhall.identity.bootstrap import MIGRATIONS as MIGRATIONS
from townhall.identity.bootstrap import Identity, bootstrap
from townhall.identity.config import IdentitySettings
from townhall.identity.entrypoints.api import (
    access,
    auth,
    dependencies,
    linkage,
    matching,
    officers,
    record,
    residents,
    sessions,
)
from townhall.identity.entrypoints.api.errors import install_error_handlers
from townhall.identity.seed import seed_demo
from townhall.runtime.web import create_app


def create(settings: IdentitySettings | None = None, **adapters: Any) -> FastAPI:
    """The app; ``adapters`` go to :func:`bootstrap` (tests hand in fakes there)."""
    identity = bootstrap(settings or IdentitySettings(), **adapters)
    app = create_app(
        service=identity.settings.service_name,
        lifespan=_lifespan(identity),
        readiness=[*identity.runtime.readiness(), identity.matching_ready],
        readiness_details=identity.matching_details,
        settings=identity.settings,
    )
    dependencies.install_services(app, identity)
    app.state.verifier = identity.verifier  # the access table verifies with identity's keys
    install_error_handlers(app)
    for module in (auth, sessions, access, officers, residents, record, matching, linkage):
        app.include_router(module.router)
    return app


def _lifespan(identity: Identity) -> Lifespan[FastAPI]:
    settings = identity.settings

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with identity.runtime.lifespan(app):
            await identity.start()
            try:
                if settings.identity_seed_demo:
                    secret = settings.identity_demo_service_secret
                    await seed_demo(identity.bus, secret.get_secret_value() if secret else None)
                yield
            finally:
                await identity.stop()

    return lifespan
