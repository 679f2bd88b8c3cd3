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
from townhall.cases.adapters.evidence_store import EvidenceStore, LocalEvidenceStore
from townhall.cases.adapters.identity_matcher import HttpResidentMatcher
from townhall.cases.config import CasesSettings
from townhall.cases.domain import commands
from townhall.cases.domain import open311 as open311_commands
from townhall.cases.domain.catalogue import Catalogue
from townhall.cases.domain.evidence import EvidenceLimits
from townhall.cases.entrypoints.consumer import Reactions
from townhall.cases.entrypoints.passes import BackgroundPasses
from townhall.cases.service_layer import (
    contacts,
    erasure,
    evidence,
    handlers,
    open311,
    reactions,
    resident_matching,
)
from townhall.cases.service_layer.matching import NoMatcher, ResidentMatcher
from townhall.cases.service_layer.unit_of_work import Bus, UnitOfWork
from townhall.runtime.clock import Clock, utc_now
from townhall.runtime.data_keys import DataKeys, UnavailableDataKeys, data_keys
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
    commands.AdmitEvidence: evidence.admit_evidence,
    commands.AddEvidence: evidence.add_evidence,
    commands.RemoveErasedEvidence: evidence.remove_erased_evidence,
    commands.LogContact: contacts.log_contact,
    commands.RecordPayment: reactions.record_payment,
    commands.RecordAppointment: reactions.record_appointment,
    commands.CheckSla: reactions.check_sla,
    commands.RetryResidentMatches: resident_matching.retry_resident_matches,
    commands.EraseResidentData: erasure.erase_resident_data,
    commands.SweepErasures: erasure.sweep_erasures,
    open311_commands.SubmitOpen311Request: open311.submit_open311_request,
    open311_commands.PostOpen311Update: open311.post_open311_update,
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
    passes: BackgroundPasses
    matcher: ResidentMatcher
    data_keys: DataKeys
    clock: Clock
    limits: Limits
    evidence_store: EvidenceStore
    evidence_limits: EvidenceLimits

    @contextlib.asynccontextmanager
    async def background(self) -> AsyncIterator[None]:
        """The background passes (SLA, matching retries) and the clients of identity,
        inside the runtime's lifespan."""
        await self.passes.start()
        try:
            yield
        finally:
            await self.passes.stop()
            if isinstance(self.matcher, HttpResidentMatcher):
                await self.matcher.aclose()
            await self.data_keys.aclose()


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


def resident_data_keys(
    settings: CasesSettings, transport: httpx.AsyncBaseTransport | None = None
) -> DataKeys:
    """Residents' data keys from identity (scope ``pii:read``), to seal what is written
    about them; without identity configured every key is unavailable, so such writes
    are refused (503) rather than published in clear."""
    return data_keys(
        settings.identity_url,
        settings.identity_client_id,
        settings.identity_client_secret,
        timeout_s=settings.identity_timeout_s,
        cache_size=settings.data_key_cache_size,
        cache_ttl_s=settings.data_key_cache_ttl_s,
        transport=transport,
        unconfigured=UnavailableDataKeys,
    )


def bootstrap(
    settings: CasesSettings | None = None,
    *,
    catalogue: Catalogue | None = None,
    uow: Callable[[], UnitOfWork] | None = None,
    matcher: ResidentMatcher | None = None,
    data_keys: DataKeys | None = None,
    clock: Clock = utc_now,
    identity_transport: httpx.AsyncBaseTransport | None = None,
    evidence_store: EvidenceStore | None = None,
) -> Cases:
    """Build the cases service; a bad catalogue file stops it here, naming file and field.

    ``identity_transport`` carries the calls to identity (tests: an ASGI transport).
    A ``uow`` factory passed in brings its own data keys (the fake's are in memory).
    ``evidence_store`` keeps evidence files (default: a folder, ``EVIDENCE_DIR``).
    """
    settings = settings or CasesSettings()
    catalogue = catalogue or load_catalogue(settings.catalogue_dir or BUNDLED)
    runtime = ServiceRuntime(settings, migrations=MIGRATIONS)
    outbox = runtime.outbox
    assert outbox is not None
    matcher = matcher or resident_matcher(settings, identity_transport)
    keys = data_keys or resident_data_keys(settings, identity_transport)

    def unit_of_work() -> UnitOfWork:
        return open311.Open311UnitOfWork(
            runtime.sessions, outbox, catalogue, data_keys=keys, clock=clock
        )

    store = evidence_store or LocalEvidenceStore(settings.evidence_folder())
    evidence_limits = EvidenceLimits(settings.evidence_max_bytes, settings.evidence_max_files)
    bus = Bus(
        uow or unit_of_work,
        commands=COMMANDS,
        dependencies={
            "clock": clock,
            "matcher": matcher,
            "evidence_store": store,
            "evidence_limits": evidence_limits,
        },
    )
    if settings.consumers_enabled:
        runtime.add(runtime.make_consumer(Reactions(bus).spec()))
    passes = BackgroundPasses(bus, settings)
    limits = Limits.of(settings)
    return Cases(
        settings,
        catalogue,
        runtime,
        bus,
        passes,
        matcher,
        keys,
        clock,
        limits,
        store,
        evidence_limits,
    )
