"""Domain events → published contracts (townhall.schemas)."""

from __future__ import annotations

from townhall.identity.domain.events import DomainEvent, ResidentRegistered
from townhall.schemas.events import identity as contracts
from townhall.schemas.events.base import DomainEvent as Contract


def to_contract(event: DomainEvent) -> Contract:
    match event:
        case ResidentRegistered():
            return contracts.ResidentRegistered(
                resident_id=event.resident_id,
                channel=event.channel,
            )
    raise TypeError(f"no contract for {type(event).__name__}")
