"""Paying a case's fee, reading payments, refunding them."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Header, Query, Response
from pydantic import AwareDatetime

from townhall.payments import views
from townhall.payments.domain import commands
from townhall.payments.domain.commands import Actor
from townhall.payments.domain.exceptions import CaseNotFoundError, PaymentNotFoundError
from townhall.payments.entrypoints.api.dependencies import (
    Bus,
    CaseReference,
    ClockDep,
    Context,
    CreatesPayment,
    ListsPayments,
    ReadsCasePayment,
    ReadsPayment,
    RefundsPayment,
    Rules,
    Session,
)
from townhall.payments.entrypoints.api.schemas import (
    CreatePaymentRequest,
    PaymentOut,
    RefundOut,
    RefundQuoteOut,
    RefundRequest,
)
from townhall.runtime.openapi import problems

router = APIRouter(tags=["payments"])
IdempotencyKey = Annotated[
    str,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=255,
        description="The same key and body give the same payment; a new payment, a new key.",
    ),
]


@router.post(
    "/cases/{reference}/payments",
    status_code=201,
    response_model=PaymentOut,
    responses=problems(404, 409, 422, 502),
)
async def create_payment(
    reference: CaseReference,
    body: CreatePaymentRequest,
    idempotency_key: IdempotencyKey,
    bus: Bus,
    context: Context,
    actor: CreatesPayment,
    response: Response,
) -> PaymentOut:
    """Pay the case's fee: send the payer to ``next_url``. Its resident pays for their
    own case; an officer takes a payment on a resident's behalf (over the phone: the
    card details go on the provider's page, never to Townhall)."""
    command = commands.CreatePayment(
        case_reference=reference,
        idempotency_key=idempotency_key,
        actor=actor,
        return_url=body.return_url,
        language=body.language,
        amount=body.amount,
        description=body.description,
    )
    payment = await bus.handle(command, context)
    response.headers["Location"] = f"/payments/{payment.id}"
    return PaymentOut.of(payment)


@router.get("/cases/{reference}/payments", response_model=list[PaymentOut], responses=problems(404))
async def list_payments(
    reference: CaseReference, session: Session, actor: ListsPayments
) -> list[PaymentOut]:
    found = await views.of_case(session, reference, actor)
    if not found:
        raise CaseNotFoundError(reference)
    return [PaymentOut.of(p) for p in found]


@router.get(
    "/cases/{reference}/refund-if-cancelled",
    response_model=RefundQuoteOut,
    responses=problems(404, 422),
)
async def refund_if_cancelled(
    reference: CaseReference,
    starts_at: Annotated[
        AwareDatetime, Query(description="When the booked visit starts (with its offset).")
    ],
    session: Session,
    actor: ListsPayments,
    rules: Rules,
    clock: ClockDep,
) -> RefundQuoteOut:
    """What cancelling the case's visit at ``starts_at`` would refund, now and after the
    type's cut-off, so the resident knows before they cancel. Nothing changes: the
    refund itself follows booking's cancellation. A case without a payment the caller
    may see is 404, as ``GET /cases/{reference}/payments``."""
    found = await views.of_case(session, reference, actor)
    if not found:
        raise CaseNotFoundError(reference)
    paid = next((p for p in found if p.status == "success"), None)
    rule = rules.get(found[0].service_code)
    if paid is None or rule is None:
        amount = 0 if paid is None else paid.amount
        return RefundQuoteOut(
            case_reference=reference,
            paid=amount,
            refund_now=0,
            refund_later=0,
            changes_at=None,
            automatic=rule is not None,
        )
    quote = rule.quote(paid.amount, paid.refund_amount_available, starts_at, clock())
    return RefundQuoteOut(
        case_reference=reference,
        paid=quote.paid,
        refund_now=quote.now,
        refund_later=quote.later,
        changes_at=quote.changes_at,
        automatic=True,
    )


async def _as_it_stands(
    payment_id: UUID, session: Session, bus: Bus, context: Context, actor: Actor, reference: str
) -> PaymentOut:
    """A payment the caller may see (of the case ``reference`` names, unless empty); one
    still open is first asked about at the provider (the payer has come back from its
    page: its webhook may not have arrived yet)."""
    payment = await views.payment(session, payment_id, actor)
    if payment is None or reference not in ("", payment.case_reference):
        raise PaymentNotFoundError(str(payment_id))
    if payment.finished:
        return PaymentOut.of(payment)
    await session.close()  # its connection back to the pool (SQLite's has one) meanwhile
    if await bus.handle(commands.RefreshPayment(payment_id), context):
        payment = await views.payment(session, payment_id, actor)
        assert payment is not None
    return PaymentOut.of(payment)


@router.get("/payments/{payment_id}", response_model=PaymentOut, responses=problems(404))
async def show_payment(
    payment_id: UUID, session: Session, bus: Bus, context: Context, actor: ReadsPayment
) -> PaymentOut:
    """A payment as it stands; one still open is first asked about at the provider."""
    return await _as_it_stands(payment_id, session, bus, context, actor, "")


@router.get(
    "/cases/{reference}/payments/{payment_id}",
    response_model=PaymentOut,
    responses=problems(404),
)
async def show_case_payment(
    reference: CaseReference,
    payment_id: UUID,
    session: Session,
    bus: Bus,
    context: Context,
    actor: ReadsCasePayment,
) -> PaymentOut:
    """One payment of the case, as it stands (as ``GET /payments/{payment_id}``): what a
    payer coming back from the provider's page asks, with a tracking token for the
    request too. A payment of another case is 404, as one that does not exist."""
    return await _as_it_stands(payment_id, session, bus, context, actor, reference)


@router.post(
    "/payments/{payment_id}/refunds",
    status_code=202,
    response_model=RefundOut,
    responses=problems(403, 404, 409, 412, 422, 502),
)
async def refund_payment(
    payment_id: UUID, body: RefundRequest, bus: Bus, context: Context, actor: RefundsPayment
) -> RefundOut:
    """Refund all or part of a payment. ``refund_amount_available`` must be what the
    payment shows available (412 if someone refunded meanwhile), as GOV.UK Pay asks."""
    command = commands.RefundPayment(
        payment_id, body.amount, body.refund_amount_available, actor, body.reason
    )
    return RefundOut.of(payment_id, await bus.handle(command, context))
