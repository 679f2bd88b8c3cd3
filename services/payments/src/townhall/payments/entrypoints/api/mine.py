"""A resident's own payments: their part of a subject access export in the front door
(every payment and refund of their requests, as each request's list shows them)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from townhall.payments import views
from townhall.payments.entrypoints.api.dependencies import ListsOwnPayments, Session
from townhall.payments.entrypoints.api.schemas import PaymentOut
from townhall.runtime.openapi import problems

router = APIRouter(prefix="/residents/me", tags=["payments"])


@router.get("/payments", response_model=list[PaymentOut], responses=problems(422))
async def own_payments(
    session: Session,
    resident: ListsOwnPayments,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[PaymentOut]:
    """The caller's own payments of every request, newest first, with their refunds."""
    return [PaymentOut.of(p) for p in await views.own(session, resident, limit)]
