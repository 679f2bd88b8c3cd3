"""What comes back when a booked visit is cancelled: each service type's refund rule.

A council configures it per type (``REFUND_RULES``): e.g. the whole fee back when the
visit is cancelled at least 24 hours before it starts, nothing after. A visit whose
start is unknown gets the after-the-cut-off share: an officer can still refund more.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class RefundRule:
    cutoff: timedelta
    before_percent: int = 100
    after_percent: int = 0

    def __post_init__(self) -> None:
        for share in (self.before_percent, self.after_percent):
            if not 0 <= share <= 100:
                raise ValueError(f"a refund share is a percentage, not {share}")

    def amount(
        self, paid: int, available: int, starts_at: datetime | None, cancelled_at: datetime
    ) -> int:
        """The pence to refund (never more than is left to refund)."""
        early = starts_at is not None and starts_at - cancelled_at >= self.cutoff
        share = self.before_percent if early else self.after_percent
        return min(available, paid * share // 100)
