"""The composition root: everything the cases service runs is built here, once.

Every adapter is a keyword argument with a production default, so a test passes a
fake instead of patching an import path: ``bootstrap(settings, uow=FakeUnitOfWork,
clock=ManualClock())`` runs the real handlers with no database.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import structlog

from townhall.cases.adapters.catalogue import BUNDLED, load_catalogue
from townhall.cases.adapters.identity_matcher import HttpResidentMatcher
from townhall.cases.config import CasesSettings
from townhall.cases.domain import commands
from townhall.cases.domain.catalogue import Catalogue
from townhall.cases.entrypoints.consumer import Reactions
from townhall.cases.entrypoints.sla import SlaMonitor
from townhall.cases.service_layer import contacts, erasure, handlers, reactions
from townhall.cases.service_layer.matching import NoMatcher, ResidentMatcher
from townhall.cases.service_layer.unit_of_work import Bus, UnitOfWork
from townhall.runtime.clock import Clock, utc_now
from townhall.runtime.service import ServiceRuntime
from townhall.runtime.throttling import RateLimit

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
log = structlog.get_logger(__name__)

COMMANDS: dict[type, Callable[..., Awaitable[Any]]] = {
    commands.SubmitCase: handlers.submit_case,
    commands.ChangeStatus: handlers.change_status,
    commands.ConfirmReporter: handlers.confirm_reporter,
    commands.AssignCase: handlers.assign_case,
    commands.AddNote: handlers.add_note,
    commands.AddAttachment: handlers.add_attachment,
    commands.LogContact: contacts.log_contact,
    commands.RecordPayment: reactions.record_payment,
    commands.RecordAppointment: reactions.record_appointment,
    commands.CheckSla: reactions.check_sla,
    commands.EraseResidentData: erasure.erase_resident_data,
    commands.SweepErasures: erasure.sweep_erasures,
}


@dataclass(frozen=True)
class Limits:
    """Look-ups a caller could sweep with, throttled (429 with Retry-After over the limit)."""

    case_lookups: RateLimit
    open311_lookups: RateLimit

    @classmethod
    def of(cls, settings: CasesSettings) -> Limits:
        storage = settings.rate_limit_storage
        return cls(
            RateLimit("cases-case-lookups", settings.case_lookup_limit, storage),
            RateLimit("cases-open311-lookups", settings.open311_lookup_limit, storage),
        )


@dataclass(frozen=True)
class Cases:
    """What one cases process runs; the API reads it through typed dependencies."""

    settings: CasesSettings
    catalogue: Catalogue
    runtime: ServiceRuntime
    bus: Bus
    sla: SlaMonitor
    matcher: ResidentMatcher
    clock: Clock
    limits: Limits

    @contextlib.asynccontextmanager
    async def background(self) -> AsyncIterator[None]:
        """The SLA monitor and the client of identity, inside the runtime's lifespan."""
        await self.sla.start()
        try:
            yield
        finally:
            await self.sla.stop()
            if isinstance(self.matcher, HttpResidentMatcher):
                await self.matcher.aclose()


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


def bootstrap(
    settings: CasesSettings | None = None,
    *,
    catalogue: Catalogue | None = None,
    uow: Callable[[], UnitOfWork] | None = None,
    matcher: ResidentMatcher | None = None,
    clock: Clock = utc_now,
    identity_transport: httpx.AsyncBaseTransport | None = None,
) -> Cases:
    """Build the cases service; a bad catalogue file stops it here, naming file and field.

    ``identity_transport`` carries the calls to identity (tests: an ASGI transport).
    """
    settings = settings or CasesSettings()
    catalogue = catalogue or load_catalogue(settings.catalogue_dir or BUNDLED)
    runtime = ServiceRuntime(settings, migrations=MIGRATIONS)
    outbox = runtime.outbox
    assert outbox is not None
    matcher = matcher or resident_matcher(settings, identity_transport)
    bus = Bus(
        uow or (lambda: UnitOfWork(runtime.sessions, outbox, catalogue, clock=clock)),
        commands=COMMANDS,
        dependencies={"clock": clock, "matcher": matcher},
    )
    if settings.consumers_enabled:
        runtime.add(runtime.make_consumer(Reactions(bus).spec()))
    sla = SlaMonitor(bus, settings.sla_check_interval_s)
    return Cases(settings, catalogue, runtime, bus, sla, matcher, clock, Limits.of(settings))
