"""Reconciling one day (UTC) with the provider: see domain/reconciliation.py."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from townhall.payments.domain import commands
from townhall.payments.domain.reconciliation import Record, Report
from townhall.payments.domain.reconciliation import reconcile as compare
from townhall.payments.service_layer.providers import PaymentProvider
from townhall.payments.service_layer.unit_of_work import UnitOfWork


async def reconcile(
    cmd: commands.Reconcile, uow: UnitOfWork, *, provider: PaymentProvider
) -> Report:
    start = datetime.combine(cmd.day, time(), tzinfo=UTC)
    end = start + timedelta(days=1)
    async with uow:
        ours = await uow.payments.records_between(start, end)
    theirs = [
        Record("payment", p.provider_id, p.amount, p.status)
        for p in await provider.payments_between(start, end)
    ]
    theirs += [
        Record("refund", r.provider_refund_id, r.amount, r.status)
        for r in await provider.refunds_between(start, end)
    ]
    return compare(cmd.day, ours, theirs)
