"""A question waiting for an officer: accept (same person) or reject (two people).

Two kinds. ``record``: an incoming record the engine was unsure of, against the
resident it may be (accepting links it, rejecting makes it a new resident).
``duplicate``: two residents the duplicate pass was unsure of (accepting merges
``other_resident_id`` into ``resident_id``; rejecting is remembered: the two are known
to be two people, and no later pass asks again or merges them).

A record waiting for an officer may be settled without one (`settle`): the duplicate
pass matches it again once later records have changed what is known, and where the
engine is now sure (it would link, or no resident is near enough to ask about) it does
what an officer would have. Such an item is decided with no ``decided_by``.

When a resident an item names is erased, the item keeps no personal data about them
(`forget`): one still waiting is closed (status ``erased``), one decided keeps its
decision and the ids, without the record or the evidence.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from townhall.identity.domain.exceptions import InvalidChangeError

RECORD = "record"
DUPLICATE = "duplicate"


@dataclass
class ReviewItem:
    id: uuid.UUID
    record: dict[str, Any]  # the incoming record (or the other resident), JSON-ready
    resident_id: uuid.UUID  # the candidate (a duplicate: the one that would survive)
    probability: float
    evidence: list[dict[str, Any]]
    status: str = "open"  # "open" | "accepted" | "rejected" | "erased"
    decided_by: uuid.UUID | None = None
    decided_at: datetime | None = None
    created_resident_id: uuid.UUID | None = field(default=None)
    kind: str = RECORD
    #: A duplicate's second resident: the one that would merge into ``resident_id``.
    other_resident_id: uuid.UUID | None = None

    def decide(self, accept: bool, officer_id: uuid.UUID, now: datetime) -> None:
        if self.status != "open":
            raise InvalidChangeError(f"this review item is already {self.status}")
        self.status = "accepted" if accept else "rejected"
        self.decided_by, self.decided_at = officer_id, now

    def settle(
        self,
        now: datetime,
        *,
        linked: tuple[uuid.UUID, float, list[dict[str, Any]]] | None = None,
        created: uuid.UUID | None = None,
    ) -> None:
        """Decided by the engine, not an officer: ``linked`` to a resident (the one
        proposed, or the one it was merged into since, with the probability and evidence
        that settled it), or ``created`` a new resident."""
        if self.status != "open" or self.kind != RECORD:
            raise InvalidChangeError(f"this review item is already {self.status}")
        if (linked is None) == (created is None):
            raise InvalidChangeError("a review item settles by a link or a new resident")
        if linked is not None:
            self.status = "accepted"
            self.resident_id, self.probability, self.evidence = linked
        else:
            self.status, self.created_resident_id = "rejected", created
        self.decided_by, self.decided_at = None, now

    def forget(self, now: datetime) -> None:
        """A resident the item names was erased: keep nothing personal.

        A waiting item is closed (``erased``: no officer can decide about a person who
        is gone, and the record was matched towards them). A decided one keeps its
        decision, but its evidence (the erased resident's values beside the other
        side's) goes; so does its record, unless it was a record an officer rejected:
        that one became another resident (``created_resident_id``), whose data it is.
        """
        if self.status == "open":
            self.status, self.decided_at = "erased", now
        self.evidence = []
        if not (self.kind == RECORD and self.status == "rejected"):
            self.record = {}
