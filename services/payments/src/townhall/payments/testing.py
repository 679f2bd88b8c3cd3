"""Helpers for the payments tests (and other packages' tests of payments)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import func, select

from townhall.payments.adapters.orm import payments, refunds
from townhall.payments.adapters.sandbox import SandboxProvider
from townhall.payments.bootstrap import Payments, bootstrap
from townhall.payments.config import PaymentsSettings
from townhall.payments.domain import commands
from townhall.payments.entrypoints.api.dependencies import services_of
from townhall.payments.fakes import FakeUnitOfWork, PaymentsStore
from townhall.runtime.clock import ManualClock
from townhall.runtime.outbox import EventContext
from townhall.runtime.settings import KafkaSettings
from townhall.runtime.tables import outbox
from townhall.runtime.testkit.fakes import FakeOutbox
from townhall.schemas.envelope import Envelope

RESIDENT = uuid.UUID("00000000-0000-4000-8000-000000000001")
OTHER_RESIDENT = uuid.UUID("00000000-0000-4000-8000-000000000002")
REFERENCE = "PC-2026-000123"
FEE = 6500
SUCCEEDS, DECLINED, ERRORS = "4444333322221111", "4000000000000002", "4000000000000119"
CONTEXT = EventContext(correlation_id="test")


def settings_for(database_url: str, **overrides: Any) -> PaymentsSettings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "kafka": KafkaSettings(),
        "relay_enabled": False,
        "consumers_enabled": False,
        "poll_interval_s": 0,
        "public_url": "http://payments",
        **overrides,
    }
    return PaymentsSettings(**values)


def case_fee(
    reference: str = REFERENCE,
    *,
    fee: int | None = FEE,
    resident: uuid.UUID | None = RESIDENT,
    status: str = "awaiting_payment",
) -> commands.RecordCaseFee:
    return commands.RecordCaseFee(
        reference, "pest_control", "environmental_health", "personal", fee, status, resident
    )


def resident(subject: uuid.UUID = RESIDENT) -> commands.Actor:
    return commands.Actor(str(subject), "resident")


def officer(*domains: str) -> commands.Actor:
    return commands.Actor("officer-1", "officer", frozenset(domains))


def pay(
    key: str = "key-1",
    *,
    reference: str = REFERENCE,
    actor: commands.Actor | None = None,
    **more: Any,
) -> commands.CreatePayment:
    values: dict[str, Any] = {"return_url": "https://council.example/paid", **more}
    return commands.CreatePayment(reference, key, actor or resident(), **values)


@dataclass
class Harness:
    """The real handlers over a fake unit of work, the sandbox, and a manual clock."""

    payments: Payments
    store: PaymentsStore
    outbox: FakeOutbox
    clock: ManualClock

    @property
    def sandbox(self) -> SandboxProvider:
        sandbox = self.payments.sandbox
        assert sandbox is not None
        return sandbox

    async def handle(self, command: object) -> Any:
        return await self.payments.bus.handle(command, CONTEXT)

    def published(self) -> list[Envelope]:
        return list(self.outbox.envelopes)

    def types(self) -> list[str]:
        return [e.type.removeprefix("townhall.payments.") for e in self.outbox.envelopes]


def harness(**overrides: Any) -> Harness:
    clock = ManualClock()
    store = PaymentsStore()
    outbox = FakeOutbox("payments", clock)
    settings = settings_for("sqlite+aiosqlite:///:memory:", **overrides)
    provider = SandboxProvider(settings.public_url, clock=clock)
    built = bootstrap(
        settings,
        uow=lambda: FakeUnitOfWork(store, outbox, clock=clock),
        provider=provider,
        clock=clock,
    )
    return Harness(built, store, outbox, clock)


# --- API tests -------------------------------------------------------------------


def services(client: httpx.AsyncClient) -> Payments:
    return services_of(client.app)  # type: ignore[attr-defined]


async def counts(client: httpx.AsyncClient) -> dict[str, int]:
    """Rows in each table a write could touch."""
    found: dict[str, int] = {}
    async with services(client).runtime.sessions() as session:
        for table in (payments, refunds, outbox):
            query = select(func.count()).select_from(table)
            found[table.name] = (await session.execute(query)).scalar_one()
    return found


async def envelopes(client: httpx.AsyncClient) -> list[Envelope]:
    async with services(client).runtime.sessions() as session:
        rows = (await session.execute(select(outbox.c.envelope).order_by(outbox.c.sequence))).all()
    return [Envelope.model_validate_json(r[0]) for r in rows]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
