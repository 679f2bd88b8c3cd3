"""The composition root: everything the payments service runs is built here, once.

Every adapter is a keyword argument with a production default, so a test passes a
fake instead of patching an import path: ``bootstrap(settings, uow=FakeUnitOfWork,
provider=SandboxProvider(...), clock=ManualClock())`` runs the real handlers with no
database and no network.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

from townhall.payments.adapters.govuk_pay import GovukPayProvider
from townhall.payments.adapters.sandbox import SandboxProvider
from townhall.payments.config import PaymentsSettings
from townhall.payments.domain import commands
from townhall.payments.domain.visits import RefundRule
from townhall.payments.entrypoints.consumer import CaseFees
from townhall.payments.entrypoints.poller import Poller
from townhall.payments.service_layer import handlers, reconciliation, updates, visits
from townhall.payments.service_layer.providers import PaymentProvider
from townhall.payments.service_layer.unit_of_work import Bus, UnitOfWork
from townhall.runtime.clock import Clock, utc_now
from townhall.runtime.outbox import EventContext
from townhall.runtime.service import ServiceRuntime

MIGRATIONS = Path(__file__).resolve().parent / "migrations"

COMMANDS: dict[type, Callable[..., Awaitable[Any]]] = {
    commands.RecordCaseFee: handlers.record_case_fee,
    commands.RecordCaseStatus: handlers.record_case_status,
    commands.CreatePayment: handlers.create_payment,
    commands.RefundPayment: handlers.refund_payment,
    commands.ApplyProviderState: updates.apply_provider_state,
    commands.ApplyProviderRefund: updates.apply_provider_refund,
    commands.CatchUp: updates.catch_up,
    commands.RefreshPayment: updates.refresh_payment,
    commands.Reconcile: reconciliation.reconcile,
    commands.RefundCancelledVisit: visits.refund_cancelled_visit,
    commands.SendRefunds: visits.send_refunds,
}


@dataclass(frozen=True)
class Payments:
    """What one payments process runs; the API reads it through typed dependencies."""

    settings: PaymentsSettings
    runtime: ServiceRuntime
    bus: Bus
    provider: PaymentProvider
    poller: Poller
    clock: Clock
    #: Each service type's refund when its visit is cancelled.
    rules: Mapping[str, RefundRule]

    @property
    def sandbox(self) -> SandboxProvider | None:
        return self.provider if isinstance(self.provider, SandboxProvider) else None

    @contextlib.asynccontextmanager
    async def background(self) -> AsyncIterator[None]:
        """The poll, and the provider's client, inside the runtime's lifespan."""
        await self.poller.start()
        try:
            yield
        finally:
            await self.poller.stop()
            if isinstance(self.provider, GovukPayProvider):
                await self.provider.aclose()


def payment_provider(
    settings: PaymentsSettings, clock: Clock, transport: httpx.AsyncBaseTransport | None = None
) -> PaymentProvider:
    """The provider the settings name; GOV.UK Pay needs its API key."""
    if settings.payment_provider == "sandbox":
        public_url = settings.service_urls.get("payments") or settings.public_url
        return SandboxProvider(public_url, clock=clock)
    if settings.govuk_pay_api_key is None:
        raise ValueError("PAYMENT_PROVIDER=govuk_pay needs GOVUK_PAY_API_KEY")
    return GovukPayProvider(
        settings.govuk_pay_base_url,
        settings.govuk_pay_api_key.get_secret_value(),
        timeout_s=settings.govuk_pay_timeout_s,
        transport=transport,
    )


def refund_rules(settings: PaymentsSettings) -> dict[str, RefundRule]:
    return {
        code: RefundRule(timedelta(hours=r.cutoff_hours), r.before_percent, r.after_percent)
        for code, r in settings.refund_rules.items()
    }


def bootstrap(
    settings: PaymentsSettings | None = None,
    *,
    uow: Callable[[], UnitOfWork] | None = None,
    provider: PaymentProvider | None = None,
    clock: Clock = utc_now,
    provider_transport: httpx.AsyncBaseTransport | None = None,
) -> Payments:
    """Build the payments service. ``provider_transport`` carries the calls to GOV.UK
    Pay (tests: the stub's ASGI transport)."""
    settings = settings or PaymentsSettings()
    runtime = ServiceRuntime(settings, migrations=MIGRATIONS)
    outbox = runtime.outbox
    assert outbox is not None

    def unit_of_work() -> UnitOfWork:
        return UnitOfWork(runtime.sessions, outbox, clock=clock)

    provider = provider or payment_provider(settings, clock, provider_transport)
    rules = refund_rules(settings)
    bus = Bus(
        uow or unit_of_work,
        commands=COMMANDS,
        dependencies={"clock": clock, "provider": provider, "rules": rules},
    )
    if isinstance(provider, SandboxProvider):
        provider.listener = _told_by_sandbox(bus)
    if settings.consumers_enabled:
        runtime.add(runtime.make_consumer(CaseFees(bus).spec()))
    poller = Poller(
        bus, runtime.sessions, settings.poll_interval_s, settings.poll_batch_size, clock=clock
    )
    return Payments(settings, runtime, bus, provider, poller, clock, rules)


def _told_by_sandbox(bus: Bus) -> Callable[[str, str, str | None, str | None], Awaitable[object]]:
    """The sandbox's webhook: its news reaches the same handler GOV.UK Pay's does."""

    async def listener(
        provider_id: str, status: str, code: str | None, message: str | None
    ) -> object:
        command = commands.ApplyProviderState(provider_id, status, code, message)
        return await bus.handle(command, EventContext(correlation_id=f"sandbox-{provider_id}"))

    return listener
