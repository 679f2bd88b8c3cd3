"""A day's reconciliation: Townhall's payments and refunds against the provider's.

Per service type, what was taken and given back (successful payments and refunds);
then every difference: a payment or refund one side has and the other does not, or
whose status or amount differ. The finance team reads it as CSV; the API gives it too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class Record:
    """One payment or refund as one side knows it."""

    kind: str  # payment | refund
    provider_id: str
    amount: int
    status: str
    service_code: str = ""
    townhall_id: str = ""


@dataclass(frozen=True)
class Mismatch:
    kind: str
    provider_id: str
    detail: str
    townhall_id: str = ""


@dataclass
class Line:
    service_code: str
    payments: int = 0
    paid_pence: int = 0
    refunds: int = 0
    refunded_pence: int = 0


@dataclass
class Report:
    day: date
    lines: list[Line] = field(default_factory=list)
    mismatches: list[Mismatch] = field(default_factory=list)

    @property
    def balanced(self) -> bool:
        return not self.mismatches


def reconcile(day: date, ours: Iterable[Record], theirs: Iterable[Record]) -> Report:
    mine = {(r.kind, r.provider_id): r for r in ours}
    provider = {(r.kind, r.provider_id): r for r in theirs}
    lines: dict[str, Line] = {}
    for record in mine.values():
        if record.status != "success":
            continue
        line = lines.setdefault(record.service_code, Line(record.service_code))
        if record.kind == "payment":
            line.payments += 1
            line.paid_pence += record.amount
        else:
            line.refunds += 1
            line.refunded_pence += record.amount
    report = Report(day, sorted(lines.values(), key=lambda line: line.service_code))
    for key in sorted(mine.keys() | provider.keys()):
        report.mismatches.extend(_compare(mine.get(key), provider.get(key)))
    return report


def _compare(mine: Record | None, theirs: Record | None) -> list[Mismatch]:
    if mine is None:
        assert theirs is not None
        return [Mismatch(f"{theirs.kind}_unknown_to_townhall", theirs.provider_id, "")]
    if theirs is None:
        return [
            Mismatch(f"{mine.kind}_missing_at_provider", mine.provider_id, "", mine.townhall_id)
        ]
    found = []
    if mine.status != theirs.status:
        detail = f"townhall {mine.status}, provider {theirs.status}"
        found.append(
            Mismatch(f"{mine.kind}_status_differs", mine.provider_id, detail, mine.townhall_id)
        )
    if mine.amount != theirs.amount:
        detail = f"townhall {mine.amount}, provider {theirs.amount}"
        found.append(
            Mismatch(f"{mine.kind}_amount_differs", mine.provider_id, detail, mine.townhall_id)
        )
    return found
