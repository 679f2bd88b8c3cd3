"""Domain events → published contracts (townhall.schemas), sealing personal data."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict
from typing import Any
from uuid import UUID

from townhall.identity.domain import events
from townhall.schemas.events import identity as contracts
from townhall.schemas.events.base import DomainEvent as Contract

#: Seals a resident's personal fields into the blob their contract carries.
Sealer = Callable[[UUID, Mapping[str, Any]], str]

_CONTRACTS: dict[type, type[Contract]] = {
    events.ResidentRegistered: contracts.ResidentRegistered,
    events.ResidentDetailsChanged: contracts.ResidentDetailsChanged,
    events.ResidentMoved: contracts.ResidentMoved,
    events.ResidentContactPointsChanged: contracts.ResidentContactPointsChanged,
    events.ResidentIdentifierLinked: contracts.ResidentIdentifierLinked,
    events.ResidentAssuranceRaised: contracts.ResidentAssuranceRaised,
    events.ResidentErased: contracts.ResidentErased,
    events.OneTimeCodeIssued: contracts.OneTimeCodeIssued,
    events.ContactPointAlreadyRegistered: contracts.ContactPointAlreadyRegistered,
    events.ResidentMerged: contracts.ResidentMerged,
    events.ResidentUnmerged: contracts.ResidentUnmerged,
    events.ConsentGranted: contracts.ConsentGranted,
    events.ConsentWithdrawn: contracts.ConsentWithdrawn,
    events.OfficerCreated: contracts.OfficerCreated,
    events.OfficerRoleGranted: contracts.OfficerRoleGranted,
    events.OfficerRoleRevoked: contracts.OfficerRoleRevoked,
}


def needs_key(event: events.DomainEvent) -> UUID | None:
    """The resident whose data key must seal this event, if it carries personal data."""
    personal = getattr(event, "personal", None)
    return getattr(event, "resident_id", None) if personal else None


def to_contract(event: events.DomainEvent, seal: Sealer) -> Contract:
    try:
        contract = _CONTRACTS[type(event)]
    except KeyError:
        raise TypeError(f"no contract for {type(event).__name__}") from None
    fields = asdict(event)
    personal = fields.pop("personal", None)
    if personal:
        fields["personal_data"] = seal(fields["resident_id"], personal)
    return contract(**fields)
