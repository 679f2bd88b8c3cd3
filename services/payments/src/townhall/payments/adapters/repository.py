"""All of payments' SQL for the write side: case fees, payments and their refunds.

A payment is saved whole with its version: a save that finds the version moved (a
webhook and the poll at once) raises :class:`ConcurrentUpdateError` and the handler
tries again on fresh state, so the step forward is taken once.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Row, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from townhall.payments.adapters.orm import case_fees, payments, refunds
from townhall.payments.domain.exceptions import ConcurrentUpdateError
from townhall.payments.domain.model import CaseFee, Payment, Refund
from townhall.payments.domain.reconciliation import Record
from townhall.runtime.db import dialect_insert

#: The states of a payment still waiting for its payer.
OPEN = ("created", "started", "submitted", "capturable")


class DuplicateKeyError(Exception):
    """Another request created a payment with this Idempotency-Key first."""


class CaseFeeRepository:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def put(self, fee: CaseFee) -> None:
        """Remember ``fee``; a repeat of what is known changes nothing."""
        values = _fee_row(fee)
        await self.session.execute(
            dialect_insert(self.session, case_fees)
            .values(**values)
            .on_conflict_do_update(index_elements=[case_fees.c.reference], set_=values)
        )

    async def get(self, reference: str) -> CaseFee | None:
        query = select(case_fees).where(case_fees.c.reference == reference)
        row = (await self.session.execute(query)).one_or_none()
        return None if row is None else CaseFee(**row._mapping)

    async def set_status(self, reference: str, status: str) -> None:
        await self.session.execute(
            update(case_fees).where(case_fees.c.reference == reference).values(status=status)
        )


def _fee_row(fee: CaseFee) -> dict[str, Any]:
    return {
        "reference": fee.reference,
        "service_code": fee.service_code,
        "domain": fee.domain,
        "sensitivity": fee.sensitivity,
        "fee_pence": fee.fee_pence,
        "status": fee.status,
        "resident_id": fee.resident_id,
    }


class PaymentRepository:
    def __init__(self, session: AsyncSession):
        self.session = session
        #: Payments handed out or added in this unit of work (their events are collected).
        self.seen: list[Payment] = []

    async def add(self, payment: Payment) -> None:
        """Insert a new payment; :class:`DuplicateKeyError` if its key was taken first."""
        payment.version = 1
        try:
            async with self.session.begin_nested():
                await self.session.execute(insert(payments).values(**_row(payment), version=1))
        except IntegrityError as exc:
            raise DuplicateKeyError(payment.idempotency_key) from exc
        await self._write_refunds(payment, set())
        self.seen.append(payment)

    async def save(self, payment: Payment) -> None:
        result = await self.session.execute(
            update(payments)
            .where(payments.c.id == payment.id, payments.c.version == payment.version)
            .values(**_row(payment), version=payment.version + 1)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise ConcurrentUpdateError(str(payment.id))
        payment.version += 1
        known = set(
            (
                await self.session.execute(
                    select(refunds.c.id).where(refunds.c.payment_id == payment.id)
                )
            ).scalars()
        )
        await self._write_refunds(payment, known)
        if payment not in self.seen:
            self.seen.append(payment)

    async def _write_refunds(self, payment: Payment, known: set[uuid.UUID]) -> None:
        for refund in payment.refunds:
            row = _refund_row(payment, refund)
            if refund.id in known:
                await self.session.execute(
                    update(refunds).where(refunds.c.id == refund.id).values(**row)
                )
            else:
                await self.session.execute(insert(refunds).values(**row))

    async def get(self, payment_id: uuid.UUID) -> Payment | None:
        return await self._one(payments.c.id == payment_id)

    async def by_key(self, scoped_key: str) -> Payment | None:
        return await self._one(payments.c.idempotency_key == scoped_key)

    async def by_provider_id(self, provider_id: str) -> Payment | None:
        return await self._one(payments.c.provider_id == provider_id)

    async def succeeded_for(self, case_reference: str) -> Payment | None:
        """The case's payment that succeeded, if any."""
        return await self._one(
            (payments.c.case_reference == case_reference) & (payments.c.status == "success")
        )

    async def with_refunds_pending(self, before: datetime, limit: int) -> list[Payment]:
        """Payments with a refund sent before ``before`` the provider has not settled."""
        query = (
            select(refunds.c.payment_id)
            .where(
                refunds.c.status == "submitted",
                refunds.c.provider_refund_id.is_not(None),
                refunds.c.created_at < before,
            )
            .distinct()
            .limit(limit)
        )
        ids = list((await self.session.execute(query)).scalars())
        found = [await self.get(payment_id) for payment_id in ids]
        return [p for p in found if p is not None]

    async def with_unsent_refunds(self, before: datetime, limit: int) -> list[Payment]:
        """Payments with a refund requested before ``before`` never sent to the provider."""
        query = (
            select(refunds.c.payment_id)
            .where(
                refunds.c.status == "submitted",
                refunds.c.provider_refund_id.is_(None),
                refunds.c.created_at < before,
            )
            .distinct()
            .limit(limit)
        )
        ids = list((await self.session.execute(query)).scalars())
        found = [await self.get(payment_id) for payment_id in ids]
        return [p for p in found if p is not None]

    async def paid(self, case_reference: str) -> bool:
        query = select(payments.c.id).where(
            payments.c.case_reference == case_reference, payments.c.status == "success"
        )
        return (await self.session.execute(query.limit(1))).first() is not None

    async def open_for(self, case_reference: str) -> list[Payment]:
        """The case's payments still waiting for their payer."""
        query = select(payments).where(
            payments.c.case_reference == case_reference, payments.c.status.in_(OPEN)
        )
        return [await self._payment(row) for row in (await self.session.execute(query)).all()]

    async def open_expired(self, now: datetime, limit: int) -> list[Payment]:
        """Payments still open after their expiry, oldest first."""
        query = (
            select(payments)
            .where(payments.c.status.in_(OPEN), payments.c.expires_at <= now)
            .order_by(payments.c.expires_at)
            .limit(limit)
        )
        rows = (await self.session.execute(query)).all()
        return [await self._payment(row) for row in rows]

    async def records_between(self, start: datetime, end: datetime) -> list[Record]:
        return await _records_between(self.session, start, end)

    async def _one(self, condition: Any) -> Payment | None:
        row = (await self.session.execute(select(payments).where(condition))).one_or_none()
        return None if row is None else await self._payment(row)

    async def _payment(self, row: Row[Any]) -> Payment:
        values = dict(row._mapping)
        values.pop("expires_at")
        query = select(refunds).where(refunds.c.payment_id == values["id"])
        found = (await self.session.execute(query.order_by(refunds.c.created_at))).all()
        return Payment(**values, refunds=[_refund(r) for r in found])


def _row(payment: Payment) -> dict[str, Any]:
    return {
        "id": payment.id,
        "case_reference": payment.case_reference,
        "resident_id": payment.resident_id,
        "service_code": payment.service_code,
        "domain": payment.domain,
        "sensitivity": payment.sensitivity,
        "amount": payment.amount,
        "description": payment.description,
        "language": payment.language,
        "return_url": payment.return_url,
        "provider": payment.provider,
        "created_by": payment.created_by,
        "created_at": payment.created_at,
        "expires_at": payment.expires_at,
        "idempotency_key": payment.idempotency_key,
        "request_hash": payment.request_hash,
        "status": payment.status,
        "code": payment.code,
        "message": payment.message,
        "provider_id": payment.provider_id,
        "next_url": payment.next_url,
        "finished_at": payment.finished_at,
    }


def _refund_row(payment: Payment, refund: Refund) -> dict[str, Any]:
    return {
        "id": refund.id,
        "payment_id": payment.id,
        "amount": refund.amount,
        "available_before": refund.available_before,
        "status": refund.status,
        "requested_by": refund.requested_by,
        "reason": refund.reason,
        "created_at": refund.created_at,
        "finished_at": refund.finished_at,
        "provider_refund_id": refund.provider_refund_id,
    }


def _refund(row: Row[Any]) -> Refund:
    values = dict(row._mapping)
    values.pop("payment_id")
    return Refund(**values)


async def _records_between(session: AsyncSession, start: datetime, end: datetime) -> list[Record]:
    """Payments and refunds created in [start, end) that reached the provider."""
    paid = select(
        payments.c.id,
        payments.c.provider_id,
        payments.c.amount,
        payments.c.status,
        payments.c.service_code,
    ).where(
        payments.c.created_at >= start,
        payments.c.created_at < end,
        payments.c.provider_id.is_not(None),
    )
    given = (
        select(
            refunds.c.id,
            refunds.c.provider_refund_id,
            refunds.c.amount,
            refunds.c.status,
            payments.c.service_code,
        )
        .join(payments, payments.c.id == refunds.c.payment_id)
        .where(
            refunds.c.created_at >= start,
            refunds.c.created_at < end,
            refunds.c.provider_refund_id.is_not(None),
        )
    )
    found = [
        Record("payment", r.provider_id, r.amount, r.status, r.service_code, str(r.id))
        for r in (await session.execute(paid)).all()
    ]
    found += [
        Record("refund", r.provider_refund_id, r.amount, r.status, r.service_code, str(r.id))
        for r in (await session.execute(given)).all()
    ]
    return found
