"""The fake repositories behave as the real ones (SQLite and PostgreSQL), so handler
tests on the fake say something true; and concurrent creates with repeated keys make
no duplicate payment on a real database."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import timedelta

import pytest

from townhall.payments.adapters.repository import DuplicateKeyError
from townhall.payments.adapters.sandbox import SandboxProvider
from townhall.payments.bootstrap import MIGRATIONS, bootstrap
from townhall.payments.domain.exceptions import ConcurrentUpdateError
from townhall.payments.domain.model import EXPIRY, Payment
from townhall.payments.fakes import FakeUnitOfWork, PaymentsStore
from townhall.payments.service_layer.unit_of_work import UnitOfWork
from townhall.payments.testing import CONTEXT, case_fee, pay, settings_for
from townhall.runtime.clock import ManualClock
from townhall.runtime.migrations import upgrade

Factory = Callable[[], UnitOfWork]


def _payment(key: str = "k", **changes: object) -> Payment:
    clock = ManualClock()
    values: dict[str, object] = {
        "id": uuid.uuid4(),
        "case_reference": "PC-2026-000001",
        "resident_id": None,
        "service_code": "pest_control",
        "domain": "environmental_health",
        "sensitivity": "personal",
        "amount": 6500,
        "description": "d",
        "language": "en",
        "return_url": "https://x.example/",
        "provider": "sandbox",
        "created_by": "resident:r",
        "created_at": clock(),
        "idempotency_key": key,
        "request_hash": "h",
        **changes,
    }
    return Payment(**values)  # type: ignore[arg-type]


class RepositoryContract:
    """The behaviours both repositories must have; each subclass gives ``uow``."""

    async def test_a_payment_round_trips_with_its_refunds(self, uow: Factory) -> None:
        made = _payment(provider_id="p-1")
        made.advance("success", made.created_at)
        made.request_refund(uuid.uuid4(), 100, 6500, by="officer:o", now=made.created_at)
        async with uow() as work:
            await work.payments.add(made)
            await work.commit()
        async with uow() as work:
            found = await work.payments.by_provider_id("p-1")
            assert found is not None and found.refunds[0].amount == 100
            assert (found.status, found.version, await work.payments.paid("PC-2026-000001")) == (
                "success",
                1,
                True,
            )
            assert await work.payments.by_key("k") is not None
            assert await work.payments.get(uuid.uuid4()) is None

    async def test_a_taken_key_and_a_stale_save_are_refused(self, uow: Factory) -> None:
        async with uow() as work:
            await work.payments.add(_payment())
            await work.commit()
        async with uow() as work:
            with pytest.raises(DuplicateKeyError):
                await work.payments.add(_payment())
        async with uow() as work:
            first = await work.payments.by_key("k")
        async with uow() as work:
            second = await work.payments.by_key("k")
            assert first is not None and second is not None
            first.advance("started", first.created_at)
            await work.payments.save(first)
            await work.commit()
        async with uow() as work:
            second.advance("submitted", second.created_at)
            with pytest.raises(ConcurrentUpdateError):
                await work.payments.save(second)

    async def test_only_open_payments_past_expiry_are_due_a_poll(self, uow: Factory) -> None:
        done = _payment("a")
        done.advance("success", done.created_at)
        async with uow() as work:
            for made in (_payment("b"), done):
                await work.payments.add(made)
            await work.commit()
        async with uow() as work:
            now = done.created_at + EXPIRY
            assert [p.idempotency_key for p in await work.payments.open_expired(now, 10)] == ["b"]
            assert await work.payments.open_expired(now - timedelta(seconds=1), 10) == []


class TestFakeRepositories(RepositoryContract):
    @pytest.fixture
    def uow(self) -> Factory:
        store = PaymentsStore()
        return lambda: FakeUnitOfWork(store)


class TestRealRepositories(RepositoryContract):
    @pytest.fixture
    async def uow(self, database_url: str) -> AsyncIterator[Factory]:
        await upgrade(database_url, MIGRATIONS)
        built = bootstrap(settings_for(database_url))
        yield built.bus.uow_factory
        await built.runtime.engine.dispose()


async def test_concurrent_creates_with_repeated_keys_make_no_duplicate(database_url: str) -> None:
    await upgrade(database_url, MIGRATIONS)
    settings = settings_for(database_url)
    built = bootstrap(settings, provider=SandboxProvider("http://payments"))
    await built.bus.handle(case_fee(), CONTEXT)
    keys = [f"key-{i % 4}" for i in range(20)]
    results = await asyncio.gather(
        *(built.bus.handle(pay(key), CONTEXT) for key in keys), return_exceptions=True
    )
    await built.runtime.engine.dispose()
    made = {r.id for r in results if isinstance(r, Payment)}
    assert len(made) <= 4
    refused = [r for r in results if not isinstance(r, Payment)]
    assert all(type(r).__name__ == "PaymentInProgressError" for r in refused), refused
