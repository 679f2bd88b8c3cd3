"""An officer's work queue: which cases to list, in which order, from where.

Standard library only. What an officer may see at all is not a filter they choose: the
service layer narrows every queue to the service types their roles cover
(:func:`townhall.cases.service_layer.queue.visible_types`) before any of this applies.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal
from uuid import UUID

Sort = Literal["newest", "oldest", "due_soonest"]
#: ``me``: assigned to the officer asking; ``unassigned``: no officer has taken it on
#: yet (it may have a team: combine with ``team`` for a team's unallocated work).
Assignee = Literal["me", "unassigned"]
#: ``breached``: past its due date while open, or recorded as breached;
#: ``due``: open and falling due within the window.
SlaState = Literal["breached", "due"]
DEFAULT_DUE_WITHIN = timedelta(hours=24)


@dataclass(frozen=True)
class QueueFilter:
    """What an officer narrows their queue to; every part is optional and they combine
    (AND across parts, OR within a part's values)."""

    service_codes: frozenset[str] = frozenset()
    domains: frozenset[str] = frozenset()
    statuses: frozenset[str] = frozenset()
    channels: frozenset[str] = frozenset()
    assignee: Assignee | None = None
    team: str | None = None
    sla: SlaState | None = None
    due_within: timedelta = DEFAULT_DUE_WITHIN
    #: Submitted at or after, and before (half-open).
    submitted_from: datetime | None = None
    submitted_before: datetime | None = None
    #: Words in the description, or the reference.
    text: str | None = None


@dataclass(frozen=True)
class After:
    """Where a page ended: the sort key of its last case, and that case's id for ties."""

    key: datetime
    case_id: UUID
