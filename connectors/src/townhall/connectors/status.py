"""What one connector reports about itself (for ``townhall status`` and /metrics)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Status:
    """The last stored position, how many changes were sent or skipped, the last error."""

    position: dict[str, Any] = field(default_factory=dict)
    #: When the position was last stored (ms since the epoch).
    stored_at_ms: int | None = None
    changes: int = 0
    skipped: int = 0
    last_error: str | None = None
    #: How far behind its source the last change was published (ms; Debezium's
    #: MilliSecondsBehindSource): the change's commit time in the log to its publishing.
    behind_source_ms: int | None = None
    #: Whether the last run ended in an error (cleared when a run stores a position).
    failing: bool = False
