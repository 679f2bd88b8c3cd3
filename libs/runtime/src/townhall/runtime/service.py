"""What every service process runs: database, migrations, relay, consumers, auth, server.

A service builds one :class:`ServiceRuntime` from its settings and hands its
``lifespan`` to :func:`townhall.runtime.web.create_app`; :func:`serve` runs it. Services
whose issue has not landed yet use :func:`health_only_app`.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import uvicorn
from fastapi import FastAPI
from sqlalchemy import text

from townhall.runtime.auth import JWKSVerifier
from townhall.runtime.consumer import (
    BatchHandler,
    IdempotentConsumer,
    Reader,
    Validator,
    read_cloudevent,
    validate_registered,
)
from townhall.runtime.db import create_engine, session_factory
from townhall.runtime.epoch import BrokerEpoch
from townhall.runtime.logging import configure_logging
from townhall.runtime.migrations import upgrade
from townhall.runtime.outbox import Outbox
from townhall.runtime.relay import OutboxRelay
from townhall.runtime.settings import ServiceSettings
from townhall.runtime.web import ReadinessCheck, create_app

#: The exit status uvicorn.run uses when the server never started.
STARTUP_FAILURE = 3


class Component(Protocol):
    """Anything a service starts with its runtime: a consumer, a projection, a timer."""

    @property
    def name(self) -> str: ...

    @property
    def ready(self) -> bool: ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


@dataclass(frozen=True)
class ConsumerSpec:
    group: str
    topics: Sequence[str]
    handler: BatchHandler
    validate: Validator | None = validate_registered
    #: Default: ``<group>.dlq``. Services whose group name changes (rebuilds) fix it.
    dead_letter_topic: str | None = None
    #: The handler's writes are keyed by event id; see IdempotentConsumer.
    handler_dedupes: bool = False
    #: Also consume every topic matching this regular expression (e.g. legacy.*).
    pattern: str | None = None
    #: How a record becomes an envelope (default: a CloudEvent in binary mode).
    reader: Reader = read_cloudevent


class ServiceRuntime:
    """The adapters one service process owns, started and stopped together."""

    def __init__(
        self,
        settings: ServiceSettings,
        *,
        migrations: Path,
        produces: bool = True,
        consumers: Sequence[ConsumerSpec] = (),
    ):
        self.settings = settings
        self.migrations = migrations
        self.engine = create_engine(settings.database_url)
        self.sessions = session_factory(self.engine)
        self.outbox = Outbox(settings.service_name) if produces else None
        self.epoch = BrokerEpoch(settings.kafka)
        self.relay = self._relay() if self.outbox and settings.relay_enabled else None
        self.components: list[Component] = [self.make_consumer(spec) for spec in consumers]
        self.verifier = (
            JWKSVerifier(
                settings.auth_jwks_url, issuer=settings.auth_issuer, audience=settings.auth_audience
            )
            if settings.auth_jwks_url
            else None
        )
        if self.verifier is not None:  # not ready until tokens can be verified
            self.add(self.verifier)

    def _relay(self) -> OutboxRelay:
        assert self.outbox is not None
        return OutboxRelay(
            outbox=self.outbox,
            sessions=self.sessions,
            kafka=self.settings.kafka,
            epoch=self.epoch,
            batch_size=self.settings.relay_batch_size,
            poll_interval_s=self.settings.relay_poll_interval_s,
            retention_s=self.settings.outbox_retention_s,
        )

    def add(self, component: Component) -> None:
        """Start ``component`` after the database and broker epoch, stop it before them."""
        self.components.append(component)

    def make_consumer(self, spec: ConsumerSpec) -> IdempotentConsumer:
        return IdempotentConsumer(
            group=spec.group,
            topics=spec.topics,
            handler=spec.handler,
            sessions=self.sessions,
            kafka=self.settings.kafka,
            epoch=self.epoch,
            validate=spec.validate,
            batch_size=self.settings.consumer_batch_size,
            retention_s=self.settings.outbox_retention_s,
            dead_letter_topic=spec.dead_letter_topic,
            handler_dedupes=spec.handler_dedupes,
            pattern=spec.pattern,
            reader=spec.reader,
        )

    async def start(self) -> None:
        await upgrade(self.settings.database_url, self.migrations)
        if self.relay:
            await self.relay.start()
        for component in self.components:
            await component.start()

    async def stop(self) -> None:
        for component in reversed(self.components):
            await component.stop()
        if self.relay:
            await self.relay.stop()
        await self.epoch.stop()  # it connects on first use, by a relay or a consumer
        await self.engine.dispose()

    @contextlib.asynccontextmanager
    async def lifespan(self, app: FastAPI) -> AsyncIterator[None]:
        app.state.runtime = self
        if self.verifier is not None:
            app.state.verifier = self.verifier
        await self.start()
        try:
            yield
        finally:
            await self.stop()

    def readiness(self) -> list[ReadinessCheck]:
        async def database() -> str | None:
            async with self.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
            return None

        async def relay() -> str | None:
            return None if self.relay is None or self.relay.ready else "relay not started"

        async def components() -> str | None:
            waiting = [c.name for c in self.components if not c.ready]
            return f"not ready yet: {', '.join(waiting)}" if waiting else None

        return [database, relay, components]


def health_only_app(settings: ServiceSettings) -> FastAPI:
    """A service whose issue has not landed yet: /healthz, /readyz, /metrics only."""
    return create_app(service=settings.service_name, settings=settings)


def server_config(app: FastAPI, settings: ServiceSettings) -> uvicorn.Config:
    """How uvicorn runs every service.

    No ``Server`` banner; no access log of its own (it would log query strings: the
    runtime logs each request without them); no proxy headers, so the app sees the
    real peer and decides what to believe from ``TRUSTED_PROXIES`` itself
    (:mod:`townhall.runtime.addresses`); ``log_config=None`` keeps
    :func:`configure_logging`'s JSON lines.
    """
    return uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        server_header=False,
        proxy_headers=False,
    )


def serve(app: FastAPI, settings: ServiceSettings) -> None:
    """Run ``app`` with uvicorn on the configured host and port, logging as JSON."""
    configure_logging(settings.service_name, settings.log_level, json=settings.log_json)
    server = uvicorn.Server(server_config(app, settings))
    with contextlib.suppress(KeyboardInterrupt):
        server.run()
    if not server.started:  # as uvicorn.run: a port in use or a failed lifespan
        sys.exit(STARTUP_FAILURE)
