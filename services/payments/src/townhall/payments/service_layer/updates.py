"""What the provider tells payments: webhooks, the sandbox's page, and the poll.

Every path ends in :meth:`Payment.advance`, which only ever moves forward, so a
message delivered three times, or after a later one, has one effect. The poll asks
the provider about payments still open past their 90 minutes rather than guessing;
only a payment the provider never took on (its create call failed before answering)
is expired without asking, since there is nobody to ask.
"""

from __future__ import annotations

import structlog

from townhall.payments.domain import commands
from townhall.payments.domain.exceptions import PaymentNotFoundError, ProviderError
from townhall.payments.domain.model import EXPIRY, Payment
from townhall.payments.service_layer.changes import change_payment
from townhall.payments.service_layer.providers import PaymentProvider
from townhall.payments.service_layer.unit_of_work import UnitOfWork
from townhall.runtime.clock import Clock

log = structlog.get_logger(__name__)


async def apply_provider_state(
    cmd: commands.ApplyProviderState, uow: UnitOfWork, *, clock: Clock
) -> bool:
    """Move the payment to the provider's state; False when that is no step forward."""

    def advance(payment: Payment) -> bool:
        return payment.advance(cmd.status, clock(), code=cmd.code, message=cmd.message)

    _, changed = await change_payment(uow, cmd.provider_id, advance)
    return changed


async def apply_provider_refund(
    cmd: commands.ApplyProviderRefund, uow: UnitOfWork, *, clock: Clock
) -> bool:
    """Settle a refund the provider finished; False when it was settled already."""

    def settle(payment: Payment) -> bool:
        refund = payment.refund_by_provider_id(cmd.provider_refund_id)
        if refund is None:
            raise PaymentNotFoundError(f"refund {cmd.provider_refund_id}")
        return payment.settle_refund(refund, cmd.status, clock())

    _, changed = await change_payment(uow, cmd.provider_id, settle)
    return changed


async def catch_up(
    cmd: commands.CatchUp, uow: UnitOfWork, *, provider: PaymentProvider, clock: Clock
) -> int:
    """Ask the provider about each payment still open past its expiry, and each refund
    it has not settled within the expiry time either; how many moved."""
    async with uow:
        overdue = await uow.payments.open_expired(clock(), cmd.limit)
        refunding = await uow.payments.with_refunds_pending(clock() - EXPIRY, cmd.limit)
    moved = 0
    for payment in overdue:
        try:
            moved += await _catch_up_one(payment, uow, provider, clock)
        except ProviderError as exc:
            log.warning("payment_poll_failed", payment_id=str(payment.id), error=str(exc))
    for payment in refunding:
        moved += await _catch_up_refunds(payment, uow, provider, clock)
    return moved


async def _catch_up_refunds(
    payment: Payment, uow: UnitOfWork, provider: PaymentProvider, clock: Clock
) -> int:
    moved = 0
    assert payment.provider_id is not None, "a refunded payment reached the provider"
    for refund in payment.refunds:
        if refund.status != "submitted" or refund.provider_refund_id is None:
            continue
        try:
            state = await provider.get_refund(payment.provider_id, refund.provider_refund_id)
        except ProviderError as exc:
            log.warning("refund_poll_failed", refund_id=str(refund.id), error=str(exc))
            continue
        command = commands.ApplyProviderRefund(
            payment.provider_id, refund.provider_refund_id, state.status
        )
        moved += await apply_provider_refund(command, uow, clock=clock)
    return moved


async def _catch_up_one(
    payment: Payment, uow: UnitOfWork, provider: PaymentProvider, clock: Clock
) -> bool:
    if payment.provider_id is None:
        _, changed = await change_payment(uow, payment.id, lambda p: p.expire(clock()))
        return changed
    state = await provider.get(payment.provider_id)

    def advance(p: Payment) -> bool:
        return p.advance(state.status, clock(), code=state.code, message=state.message)

    _, changed = await change_payment(uow, payment.id, advance)
    if not changed and state.status not in ("success", "failed", "cancelled", "error"):
        log.warning("payment_open_past_expiry", payment_id=str(payment.id), status=state.status)
    return changed


async def refresh_payment(
    cmd: commands.RefreshPayment, uow: UnitOfWork, *, provider: PaymentProvider, clock: Clock
) -> bool:
    """GOV.UK Pay's advice when the payer returns: ask, do not wait for the webhook. A
    provider that cannot answer now leaves the payment as it was."""
    async with uow:
        payment = await uow.payments.get(cmd.payment_id)
    if payment is None or payment.finished or payment.provider_id is None:
        return False
    try:
        state = await provider.get(payment.provider_id)
    except ProviderError as exc:
        log.warning("payment_refresh_failed", payment_id=str(payment.id), error=str(exc))
        return False

    def advance(p: Payment) -> bool:
        return p.advance(state.status, clock(), code=state.code, message=state.message)

    _, changed = await change_payment(uow, payment.id, advance)
    return changed
