"""Read-side: payments as callers may see them, the permission filter in the query.

A resident sees the payments of their own cases (a tracking token: of the one request
it names, if it is theirs); an officer those of cases in the
service areas they hold a role in; a service client with the scope, any.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Select, false, select
from sqlalchemy.ext.asyncio import AsyncSession

from townhall.payments.adapters.orm import payments
from townhall.payments.adapters.repository import PaymentRepository
from townhall.payments.domain.commands import Actor
from townhall.payments.domain.model import Payment


def _visible(query: Select[Any], actor: Actor) -> Select[Any]:
    if actor.kind == "resident":
        if actor.tracking is not None:
            query = query.where(payments.c.case_reference == actor.tracking)
        try:
            return query.where(payments.c.resident_id == uuid.UUID(actor.subject))
        except ValueError:
            return query.where(false())  # a subject that is no resident id
    if actor.kind == "officer":
        return query.where(payments.c.domain.in_(sorted(actor.domains)))
    return query if actor.kind == "service" else query.where(false())


async def payment(session: AsyncSession, payment_id: uuid.UUID, actor: Actor) -> Payment | None:
    query = _visible(select(payments.c.id).where(payments.c.id == payment_id), actor)
    if (await session.execute(query)).first() is None:
        return None
    return await PaymentRepository(session).get(payment_id)


async def of_case(session: AsyncSession, reference: str, actor: Actor) -> list[Payment]:
    query = _visible(
        select(payments.c.id)
        .where(payments.c.case_reference == reference)
        .order_by(payments.c.created_at),
        actor,
    )
    ids: list[uuid.UUID] = list((await session.execute(query)).scalars())
    repository = PaymentRepository(session)
    found = [await repository.get(payment_id) for payment_id in ids]
    return [p for p in found if p is not None]


async def own(session: AsyncSession, resident: Actor, limit: int) -> list[Payment]:
    """A resident's own payments of every request, newest first (the table admits
    account holders only; the filter is the query's)."""
    query = _visible(
        select(payments.c.id).order_by(payments.c.created_at.desc()).limit(limit), resident
    )
    ids: list[uuid.UUID] = list((await session.execute(query)).scalars())
    repository = PaymentRepository(session)
    found = [await repository.get(payment_id) for payment_id in ids]
    return [p for p in found if p is not None]
