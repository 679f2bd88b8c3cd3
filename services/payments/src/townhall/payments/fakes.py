"""An in-memory payments unit of work, for handler tests that need no database.

:class:`FakeUnitOfWork` subclasses the real :class:`UnitOfWork`; only the repositories
differ, and ``tests/test_payments_repository_contract.py`` runs the same behaviours on
the fake and the real repositories so the two cannot drift apart.
"""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from townhall.payments.adapters.repository import (
    OPEN,
    CaseFeeRepository,
    DuplicateKeyError,
    PaymentRepository,
)
from townhall.payments.domain.exceptions import ConcurrentUpdateError
from townhall.payments.domain.model import CaseFee, Payment
from townhall.payments.domain.reconciliation import Record
from townhall.payments.service_layer.unit_of_work import UnitOfWork
from townhall.runtime.clock import Clock, utc_now
from townhall.runtime.testkit.fakes import FakeOutbox, fake_session_of, fake_sessions


@dataclass
class PaymentsStore:
    """What the fake repositories have committed."""

    fees: dict[str, CaseFee] = field(default_factory=dict)
    payments: dict[uuid.UUID, Payment] = field(default_factory=dict)


def _stored(payment: Payment) -> Payment:
    kept = copy.deepcopy(payment)
    kept.events.clear()
    return kept


class FakeCaseFeeRepository(CaseFeeRepository):
    def __init__(self, session: AsyncSession, store: PaymentsStore):
        super().__init__(session)
        self.fake = fake_session_of(session)
        self.store = store

    async def put(self, fee: CaseFee) -> None:
        kept = copy.deepcopy(fee)
        self.fake.on_commit(lambda: self.store.fees.__setitem__(fee.reference, kept))

    async def get(self, reference: str) -> CaseFee | None:
        return copy.deepcopy(self.store.fees.get(reference))

    async def set_status(self, reference: str, status: str) -> None:
        def write() -> None:
            if reference in self.store.fees:
                self.store.fees[reference].status = status

        self.fake.on_commit(write)


class FakePaymentRepository(PaymentRepository):
    def __init__(self, session: AsyncSession, store: PaymentsStore):
        super().__init__(session)
        self.fake = fake_session_of(session)
        self.store = store

    async def add(self, payment: Payment) -> None:
        if await self.by_key(payment.idempotency_key) is not None:
            raise DuplicateKeyError(payment.idempotency_key)
        payment.version = 1
        self._write(payment)
        self.seen.append(payment)

    async def save(self, payment: Payment) -> None:
        kept = self.store.payments.get(payment.id)
        if kept is None or kept.version != payment.version:
            raise ConcurrentUpdateError(str(payment.id))
        payment.version += 1
        self._write(payment)
        if payment not in self.seen:
            self.seen.append(payment)

    def _write(self, payment: Payment) -> None:
        kept = _stored(payment)
        self.fake.on_commit(lambda: self.store.payments.__setitem__(kept.id, kept))

    def _find(self, test: object) -> Payment | None:
        for kept in self.store.payments.values():
            if test(kept):  # type: ignore[operator]
                return copy.deepcopy(kept)
        return None

    async def get(self, payment_id: uuid.UUID) -> Payment | None:
        return self._find(lambda p: p.id == payment_id)

    async def by_key(self, scoped_key: str) -> Payment | None:
        return self._find(lambda p: p.idempotency_key == scoped_key)

    async def by_provider_id(self, provider_id: str) -> Payment | None:
        return self._find(lambda p: p.provider_id == provider_id)

    async def succeeded_for(self, case_reference: str) -> Payment | None:
        return self._find(lambda p: p.case_reference == case_reference and p.status == "success")

    async def with_refunds_pending(self, before: datetime, limit: int) -> list[Payment]:
        found = [
            p
            for p in self.store.payments.values()
            if any(
                r.status == "submitted" and r.provider_refund_id and r.created_at < before
                for r in p.refunds
            )
        ]
        return [copy.deepcopy(p) for p in found[:limit]]

    async def with_unsent_refunds(self, before: datetime, limit: int) -> list[Payment]:
        found = [
            p
            for p in self.store.payments.values()
            if any(
                r.status == "submitted" and r.provider_refund_id is None and r.created_at < before
                for r in p.refunds
            )
        ]
        return [copy.deepcopy(p) for p in found[:limit]]

    async def paid(self, case_reference: str) -> bool:
        return any(
            p.case_reference == case_reference and p.status == "success"
            for p in self.store.payments.values()
        )

    async def open_for(self, case_reference: str) -> list[Payment]:
        return [
            copy.deepcopy(p)
            for p in self.store.payments.values()
            if p.case_reference == case_reference and p.status in OPEN
        ]

    async def open_expired(self, now: datetime, limit: int) -> list[Payment]:
        found = [
            p for p in self.store.payments.values() if p.status in OPEN and p.expires_at <= now
        ]
        found.sort(key=lambda p: p.expires_at)
        return [copy.deepcopy(p) for p in found[:limit]]

    async def records_between(self, start: datetime, end: datetime) -> list[Record]:
        found: list[Record] = []
        for p in self.store.payments.values():
            if p.provider_id and start <= p.created_at < end:
                found.append(
                    Record("payment", p.provider_id, p.amount, p.status, p.service_code, str(p.id))
                )
            for r in p.refunds:
                if r.provider_refund_id and start <= r.created_at < end:
                    found.append(
                        Record(
                            "refund",
                            r.provider_refund_id,
                            r.amount,
                            r.status,
                            p.service_code,
                            str(r.id),
                        )
                    )
        return found


class FakeUnitOfWork(UnitOfWork):
    """The real payments unit of work over in-memory repositories and a list for an outbox."""

    def __init__(
        self,
        store: PaymentsStore | None = None,
        outbox: FakeOutbox | None = None,
        *,
        clock: Clock = utc_now,
    ):
        self.store = store or PaymentsStore()
        self.fake_outbox = outbox or FakeOutbox("payments", clock)
        super().__init__(fake_sessions(), self.fake_outbox, clock=clock)

    def open_repositories(self, session: AsyncSession) -> None:
        self.payments = FakePaymentRepository(session, self.store)
        self.fees = FakeCaseFeeRepository(session, self.store)
