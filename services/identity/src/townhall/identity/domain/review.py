"""An uncertain match waiting for an officer: accept (same person) or reject."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from townhall.identity.domain.exceptions import InvalidChangeError


@dataclass
class ReviewItem:
    id: uuid.UUID
    record: dict[str, Any]  # the incoming record, JSON-ready
    resident_id: uuid.UUID  # the candidate
    probability: float
    evidence: list[dict[str, Any]]
    status: str = "open"  # "open" | "accepted" | "rejected"
    decided_by: uuid.UUID | None = None
    decided_at: datetime | None = None
    created_resident_id: uuid.UUID | None = field(default=None)

    def decide(self, accept: bool, officer_id: uuid.UUID, now: datetime) -> None:
        if self.status != "open":
            raise InvalidChangeError(f"this review item is already {self.status}")
        self.status = "accepted" if accept else "rejected"
        self.decided_by, self.decided_at = officer_id, now
