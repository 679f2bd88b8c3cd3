"""Taking payments and refunds, and learning case fees: one short handler per command.

Nothing waits on a provider inside a transaction. Creating a payment is three steps:
record it (the Idempotency-Key's unique row decides which of two racing requests
wins), ask the provider for it outside any transaction, then attach the provider's id
and page. A refund is the same: record it as requested, ask, record the answer.
"""

from __future__ import annotations

import uuid

import structlog

from townhall.payments.adapters.repository import DuplicateKeyError
from townhall.payments.domain import commands
from townhall.payments.domain.exceptions import (
    CaseNotFoundError,
    CaseNotPayableError,
    IdempotencyKeyReusedError,
    NotPermittedError,
    PaymentInProgressError,
    ProviderError,
    RefundAmountAvailableMismatchError,
)
from townhall.payments.domain.model import CaseFee, Payment, Refund
from townhall.payments.service_layer import permissions
from townhall.payments.service_layer.changes import change_payment
from townhall.payments.service_layer.providers import NewPayment, PaymentProvider
from townhall.payments.service_layer.unit_of_work import UnitOfWork
from townhall.runtime.clock import Clock

log = structlog.get_logger(__name__)


async def record_case_fee(cmd: commands.RecordCaseFee, uow: UnitOfWork) -> None:
    async with uow:
        await uow.fees.put(
            CaseFee(
                cmd.reference,
                cmd.service_code,
                cmd.domain,
                cmd.sensitivity,
                cmd.fee_pence,
                cmd.status,
                cmd.resident_id,
            )
        )
        await uow.commit()


async def record_case_status(cmd: commands.RecordCaseStatus, uow: UnitOfWork) -> None:
    async with uow:
        await uow.fees.set_status(cmd.reference, cmd.status)
        await uow.commit()


def _replay(payment: Payment, cmd: commands.CreatePayment) -> Payment:
    """The payment a repeated request gets: the same one, if it asks for the same."""
    if payment.request_hash != cmd.fingerprint():
        raise IdempotencyKeyReusedError(cmd.idempotency_key)
    if payment.provider_id is None and not payment.finished:
        raise PaymentInProgressError("the first request with this key is still being handled")
    return payment


async def _record(
    cmd: commands.CreatePayment, uow: UnitOfWork, provider: str, clock: Clock
) -> tuple[Payment, bool]:
    """The payment for this request, and whether it is new."""
    async with uow:
        existing = await uow.payments.by_key(cmd.scoped_key)
        if existing is not None:
            return _replay(existing, cmd), False
        fee = await uow.fees.get(cmd.case_reference)
        if fee is None:
            raise CaseNotFoundError(cmd.case_reference)
        permissions.check(cmd.actor, fee)
        amount = fee.due(cmd.amount)
        if await uow.payments.paid(fee.reference):
            raise CaseNotPayableError(f"case {fee.reference} is paid already")
        payment = Payment.start(
            fee=fee,
            amount=amount,
            id=uuid.uuid4(),
            description=cmd.description or f"{fee.service_code.replace('_', ' ')} {fee.reference}",
            language=cmd.language,
            return_url=cmd.return_url,
            provider=provider,
            created_by=cmd.actor.label,
            created_at=clock(),
            idempotency_key=cmd.scoped_key,
            request_hash=cmd.fingerprint(),
        )
        try:
            await uow.payments.add(payment)
        except DuplicateKeyError:
            await uow.rollback()
            winner = await uow.payments.by_key(cmd.scoped_key)
            assert winner is not None, "a duplicate key names a committed payment"
            return _replay(winner, cmd), False
        await uow.commit()
    return payment, True


async def create_payment(
    cmd: commands.CreatePayment, uow: UnitOfWork, *, provider: PaymentProvider, clock: Clock
) -> Payment:
    """Pay a case's fee: the same Idempotency-Key and body give the same payment."""
    payment, new = await _record(cmd, uow, provider.name, clock)
    if not new:
        return payment
    request = NewPayment(
        amount=payment.amount,
        reference=payment.case_reference,
        description=payment.description,
        language=payment.language,
        return_url=payment.return_url,
        idempotency_key=str(payment.id),
        moto=payment.taken_by_officer,
    )
    try:
        made = await provider.create(request)
    except ProviderError as exc:
        failure = f"provider error: {exc}"
        await change_payment(uow, payment.id, lambda p: _failed_to_start(p, failure, clock))
        raise

    def attach(p: Payment) -> bool:
        p.attach(made.provider_id, made.next_url)
        p.advance(made.status, clock(), code=made.code, message=made.message)
        return True

    changed, _ = await change_payment(uow, payment.id, attach)
    await _cancel_earlier(uow, changed, provider, clock)
    return changed


async def _cancel_earlier(
    uow: UnitOfWork, payment: Payment, provider: PaymentProvider, clock: Clock
) -> None:
    """One live payment per case: the payer started again, so the earlier attempts are
    cancelled at the provider (one finished meanwhile is left to its webhook or the poll),
    and cannot succeed as a second charge."""
    async with uow:
        earlier = [
            p for p in await uow.payments.open_for(payment.case_reference) if p.id != payment.id
        ]
    for old in earlier:
        if old.provider_id is None:
            continue
        try:
            await provider.cancel(old.provider_id)
        except ProviderError as exc:
            log.info("earlier_payment_not_cancelled", payment_id=str(old.id), error=str(exc))
            continue
        await change_payment(uow, old.id, lambda p: _cancelled(p, clock))


def _cancelled(payment: Payment, clock: Clock) -> bool:
    message = "Payment was cancelled by the service: the payer started again"
    return payment.advance("cancelled", clock(), code="P0040", message=message)


def _failed_to_start(payment: Payment, failure: str, clock: Clock) -> bool:
    return payment.advance("error", clock(), code="P0050", message=failure)


async def refund_payment(
    cmd: commands.RefundPayment, uow: UnitOfWork, *, provider: PaymentProvider, clock: Clock
) -> Refund:
    """Give (part of) a payment back; the caller must know what is left to refund."""
    refund_id = uuid.uuid4()

    def request(p: Payment) -> bool:
        resident = None if p.resident_id is None else str(p.resident_id)
        if not permissions.may_act_on(cmd.actor, p.case_reference, resident, p.domain):
            raise NotPermittedError(f"you may not refund payments for {p.case_reference}")
        p.request_refund(
            refund_id,
            cmd.amount,
            cmd.refund_amount_available,
            by=cmd.actor.label,
            now=clock(),
            reason=cmd.reason,
        )
        return True

    payment, _ = await change_payment(uow, cmd.payment_id, request)
    assert payment.provider_id is not None, "a payment that succeeded has a provider id"
    try:
        made = await provider.refund(payment.provider_id, cmd.amount, cmd.refund_amount_available)
    except (ProviderError, RefundAmountAvailableMismatchError) as exc:
        await settle_refund(uow, payment.id, refund_id, None, "error", clock, reason=str(exc))
        raise
    return await settle_refund(
        uow, payment.id, refund_id, made.provider_refund_id, made.status, clock
    )


async def settle_refund(
    uow: UnitOfWork,
    payment_id: uuid.UUID,
    refund_id: uuid.UUID,
    provider_refund_id: str | None,
    status: str,
    clock: Clock,
    *,
    reason: str = "",
) -> Refund:
    def settle(p: Payment) -> bool:
        refund = p.refund(refund_id)
        assert refund is not None
        refund.provider_refund_id = provider_refund_id or refund.provider_refund_id
        p.settle_refund(refund, status, clock(), reason=reason)
        return True

    payment, _ = await change_payment(uow, payment_id, settle)
    refund = payment.refund(refund_id)
    assert refund is not None
    return refund
