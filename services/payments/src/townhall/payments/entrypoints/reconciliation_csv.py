"""A reconciliation report as CSV for the finance team: one row per service type, then
one row per mismatch."""

from __future__ import annotations

import csv
import io

from townhall.payments.domain.reconciliation import Report

COLUMNS = (
    "day",
    "row",
    "service_code",
    "payments",
    "paid_pence",
    "refunds",
    "refunded_pence",
    "mismatch",
    "provider_id",
    "townhall_id",
    "detail",
)


def to_csv(report: Report) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    day = report.day.isoformat()
    for line in report.lines:
        writer.writerow(
            (
                day,
                "total",
                line.service_code,
                line.payments,
                line.paid_pence,
                line.refunds,
                line.refunded_pence,
                "",
                "",
                "",
                "",
            )
        )
    for m in report.mismatches:
        writer.writerow(
            (day, "mismatch", "", "", "", "", "", m.kind, m.provider_id, m.townhall_id, m.detail)
        )
    return out.getvalue()
