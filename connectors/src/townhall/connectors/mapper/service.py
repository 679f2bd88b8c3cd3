"""The legacy mapper as a service process: ``python -m townhall.connectors.mapper``.

It consumes every ``legacy.<system>.<table>`` topic (including those created after it
started) as the consumer group ``legacy-mapper``, asks identity who each person row is,
and publishes residents' entries through its outbox to ``legacy.events``. Mapping files
are checked at start-up: a bad one stops it, naming the file and the field.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI, Request
from pydantic import Field

from townhall.connectors.demo.service import MAPPINGS as DEMO_MAPPINGS
from townhall.connectors.mapper import store
from townhall.connectors.mapper.handler import Mapper, read_change_record
from townhall.connectors.mapper.identity import Answer, Decision, IdentityMatcher, Matcher
from townhall.connectors.mapping import LegacyMapping, MappingError, load
from townhall.runtime.background import Periodic
from townhall.runtime.service import ConsumerSpec, ServiceRuntime
from townhall.runtime.settings import OptionalSecret, OptionalText, ServiceSettings
from townhall.runtime.web import create_app
from townhall.schemas.topics import LEGACY_TOPIC_PATTERN

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
GROUP = "legacy-mapper"


class MapperSettings(ServiceSettings):
    service_name: str = "legacy"
    port: int = 8007
    database_url: str = "sqlite+aiosqlite:///var/legacy.db"
    #: Changes per transaction. Each person row asks identity inside the transaction, so
    #: small batches keep the database free for the relay (SQLite has one connection).
    consumer_batch_size: int = 20
    #: The council's mapping files, one per legacy system (LEGACY_MAPPINGS='["a.yaml"]').
    legacy_mappings: list[Path] = Field(default_factory=list)
    #: Also map the demo legacy systems ``townhall up`` runs on the embedded default.
    legacy_demo_enabled: bool = False
    #: Identity, to match person rows (scope ``residents:match``), registered with ``python
    #: -m townhall.identity add-service-client --client-id legacy --scope residents:match``.
    identity_url: OptionalText = None
    identity_client_id: str = "legacy"
    identity_client_secret: OptionalSecret = None
    identity_timeout_s: float = 5.0
    #: How often to ask identity about person rows waiting for an officer (0: never).
    legacy_review_recheck_s: float = 60.0


class IdentityNotConfiguredError(RuntimeError):
    """The mapper needs identity to know who a legacy row is."""


def load_mappings(paths: Sequence[Path]) -> list[LegacyMapping]:
    """Every mapping file, checked; two files for one system are refused."""
    mappings = [load(path) for path in paths]
    seen: dict[str, Path] = {}
    for mapping in mappings:
        if mapping.system in seen:
            already = seen[mapping.system]
            raise MappingError(
                f"{mapping.path}: system: {mapping.system} is mapped already by {already}"
            )
        seen[mapping.system] = mapping.path
    return mappings


class _NoSystems:
    """No mapping file: every change is skipped as unmapped, identity is never asked."""

    async def match(self, body: dict[str, Any]) -> Answer:
        raise AssertionError("no legacy system is mapped")

    async def decision(self, review_id: uuid.UUID) -> Decision:
        raise AssertionError("no legacy system is mapped")


@dataclass(frozen=True)
class LegacyMapperService:
    settings: MapperSettings
    runtime: ServiceRuntime
    mapper: Mapper
    matcher: Matcher


def build(
    settings: MapperSettings,
    *,
    matcher: Matcher | None = None,
    identity_transport: httpx.AsyncBaseTransport | None = None,
) -> LegacyMapperService:
    demo = list(DEMO_MAPPINGS) if settings.legacy_demo_enabled else []
    mappings = load_mappings([*settings.legacy_mappings, *demo])
    if matcher is None and not mappings:
        matcher = _NoSystems()
    if matcher is None:
        if not settings.identity_url or settings.identity_client_secret is None:
            raise IdentityNotConfiguredError(
                "set IDENTITY_URL and IDENTITY_CLIENT_SECRET: the mapper matches legacy "
                "people through identity"
            )
        matcher = IdentityMatcher(settings.identity_url, settings.identity_client_id,
                                  settings.identity_client_secret,
                                  timeout_s=settings.identity_timeout_s,
                                  transport=identity_transport)  # fmt: skip
    runtime = ServiceRuntime(settings, migrations=MIGRATIONS)
    assert runtime.outbox is not None
    mapper = Mapper(mappings, matcher, runtime.outbox)
    runtime.add(
        runtime.make_consumer(
            ConsumerSpec(
                group=GROUP,
                topics=(),
                pattern=LEGACY_TOPIC_PATTERN.pattern,
                handler=mapper,
                validate=None,
                reader=read_change_record,
            )
        )
    )
    return LegacyMapperService(settings, runtime, mapper, matcher)


def create(settings: MapperSettings, **kwargs: Any) -> FastAPI:
    service = build(settings, **kwargs)

    recheck = Periodic(
        "legacy-review-recheck",
        settings.legacy_review_recheck_s,
        lambda: service.mapper.recheck(service.runtime.sessions),
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.mapper = service
        async with service.runtime.lifespan(app):
            await recheck.start()
            try:
                yield
            finally:
                await recheck.stop()
                close = getattr(service.matcher, "aclose", None)
                if close is not None:
                    await close()

    app = create_app(
        service=settings.service_name,
        settings=settings,
        lifespan=lifespan,
        readiness=service.runtime.readiness(),
    )

    @app.get("/legacy/status", tags=["legacy"])
    async def status(request: Request) -> dict[str, Any]:
        """People rows by identity's answer (linked, created, review) and entries waiting
        for their person, with the systems mapped."""
        mapper: LegacyMapperService = request.app.state.mapper
        async with mapper.runtime.sessions() as session:
            found = await store.counts(session)
        return {"systems": sorted(mapper.mapper.translators), **found}

    return app
