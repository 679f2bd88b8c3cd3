"""What one connector reports about itself (for ``townhall status`` and /metrics)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Status:
    """The last stored position, how many changes were sent or skipped, the last error."""

    position: dict[str, Any] = field(default_factory=dict)
    changes: int = 0
    skipped: int = 0
    last_error: str | None = None
