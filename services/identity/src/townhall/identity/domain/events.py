"""What happened to residents, as the domain sees it (standard library only)."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID


@dataclass(frozen=True)
class ResidentRegistered:
    resident_id: UUID
    channel: str


DomainEvent = ResidentRegistered
