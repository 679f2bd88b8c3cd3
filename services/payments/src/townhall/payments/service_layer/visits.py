"""Refunds owed when a booked visit is cancelled, and sending them to the provider.

The refund is recorded in the consumer's transaction, with the dedupe record of the
booking event that asked for it (one refund per appointment, whatever the deliveries);
the poll sends it to the provider afterwards, telling it what was available before, so
a refund sent twice (a crash between sending and saving) is refused by the provider's
own check rather than paid twice.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import timedelta

import structlog

from townhall.payments.domain import commands
from townhall.payments.domain.exceptions import ProviderError, RefundAmountAvailableMismatchError
from townhall.payments.domain.visits import RefundRule
from townhall.payments.service_layer.handlers import settle_refund
from townhall.payments.service_layer.providers import PaymentProvider
from townhall.payments.service_layer.unit_of_work import UnitOfWork
from townhall.runtime.clock import Clock

log = structlog.get_logger(__name__)
#: A refund the API is sending itself is left alone this long.
SEND_AFTER = timedelta(minutes=1)


async def refund_cancelled_visit(
    cmd: commands.RefundCancelledVisit,
    uow: UnitOfWork,
    *,
    rules: Mapping[str, RefundRule],
    clock: Clock,
) -> int:
    """Record the refund the type's rule gives; the pence refunded (0: none owed)."""
    async with uow:
        payment = await uow.payments.succeeded_for(cmd.case_reference)
        rule = None if payment is None else rules.get(payment.service_code)
        by = f"system:booking:{cmd.appointment_id}"
        if payment is None or rule is None or payment.refund_by(by) is not None:
            return 0
        available = payment.refund_amount_available
        amount = rule.amount(payment.amount, available, cmd.starts_at, cmd.cancelled_at)
        if amount <= 0:
            return 0
        reason = "booked visit cancelled"
        payment.request_refund(uuid.uuid4(), amount, available, by=by, now=clock(), reason=reason)
        await uow.payments.save(payment)
        await uow.commit()
    return amount


async def send_refunds(
    cmd: commands.SendRefunds, uow: UnitOfWork, *, provider: PaymentProvider, clock: Clock
) -> int:
    """Send each refund requested but not yet sent; how many the provider took."""
    async with uow:
        due = await uow.payments.with_unsent_refunds(clock() - SEND_AFTER, cmd.limit)
    sent = 0
    for payment in due:
        assert payment.provider_id is not None, "a refunded payment reached the provider"
        for refund in [r for r in payment.refunds if r.status == "submitted"]:
            if refund.provider_refund_id is not None:
                continue
            try:
                made = await provider.refund(
                    payment.provider_id, refund.amount, refund.available_before
                )
            except RefundAmountAvailableMismatchError as exc:
                await settle_refund(
                    uow, payment.id, refund.id, None, "error", clock, reason=str(exc)
                )
                continue
            except ProviderError as exc:
                log.warning("refund_not_sent", refund_id=str(refund.id), error=str(exc))
                continue
            await settle_refund(
                uow, payment.id, refund.id, made.provider_refund_id, made.status, clock
            )
            sent += 1
    return sent
