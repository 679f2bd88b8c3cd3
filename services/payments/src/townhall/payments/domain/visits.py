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

    def quote(self, paid: int, available: int, starts_at: datetime, now: datetime) -> Quote:
        """What cancelling the visit at ``starts_at`` gives back, now and later."""
        later = min(available, paid * self.after_percent // 100)
        now_ = self.amount(paid, available, starts_at, now)
        changes_at = starts_at - self.cutoff
        return Quote(paid, now_, later, changes_at if now_ != later and now < changes_at else None)


@dataclass(frozen=True)
class Quote:
    """A refund before the visit is cancelled: what the rule would give."""

    #: What the resident paid (pence).
    paid: int
    #: What cancelling now gives back (pence).
    now: int
    #: What cancelling after the rule's cut-off gives back (pence).
    later: int
    #: When ``now`` becomes ``later`` (None: it already has, or they are the same).
    changes_at: datetime | None
