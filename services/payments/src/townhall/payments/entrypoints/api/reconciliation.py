"""The day's reconciliation, as JSON and as the finance team's CSV."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from townhall.payments.domain.commands import Actor, Reconcile
from townhall.payments.domain.exceptions import NotPermittedError
from townhall.payments.domain.reconciliation import Report
from townhall.payments.entrypoints.api.access_table import FINANCE
from townhall.payments.entrypoints.api.dependencies import Bus, Context, Reconciles
from townhall.payments.entrypoints.reconciliation_csv import to_csv
from townhall.runtime.openapi import problems

router = APIRouter(prefix="/reconciliation", tags=["reconciliation"])


async def _report(day: date, bus: Bus, context: Context, actor: Actor) -> Report:
    if actor.kind == "officer" and FINANCE not in actor.domains:
        raise NotPermittedError("reconciliation is for officers with a finance role")
    report: Report = await bus.handle(Reconcile(day), context)
    return report


@router.get("/{day}", responses=problems(403, 422, 502))
async def day_report(day: date, bus: Bus, context: Context, actor: Reconciles) -> dict[str, Any]:
    """Per service type: payments and refunds taken that day (UTC); then every mismatch
    with the provider's records."""
    report = await _report(day, bus, context, actor)
    return {**asdict(report), "balanced": report.balanced}


@router.get(
    "/{day}/csv",
    responses={**problems(403, 422, 502), 200: {"content": {"text/csv": {}}}},
    response_class=Response,
)
async def day_report_csv(day: date, bus: Bus, context: Context, actor: Reconciles) -> Response:
    report = await _report(day, bus, context, actor)
    headers = {"Content-Disposition": f'attachment; filename="payments-{day.isoformat()}.csv"'}
    return Response(to_csv(report), media_type="text/csv", headers=headers)
