"""Domain events → published contracts (townhall.schemas)."""

from __future__ import annotations

from dataclasses import asdict

from townhall.cases.domain import events
from townhall.schemas.events import cases as contracts
from townhall.schemas.events.base import DomainEvent as Contract

_CONTRACTS: dict[type, type[Contract]] = {
    events.CaseSubmitted: contracts.CaseSubmitted,
    events.CaseReporterConfirmed: contracts.CaseReporterConfirmed,
    events.CaseStatusChanged: contracts.CaseStatusChanged,
    events.CaseAssigned: contracts.CaseAssigned,
    events.CaseUpdatePosted: contracts.CaseUpdatePosted,
    events.CaseInternalNoteAdded: contracts.CaseInternalNoteAdded,
    events.CaseAttachmentAdded: contracts.CaseAttachmentAdded,
    events.CaseSlaBreached: contracts.CaseSlaBreached,
    events.ContactLogged: contracts.ContactLogged,
}


def to_contract(event: events.DomainEvent) -> Contract:
    """The published form of a domain event (same field names, validated)."""
    contract = _CONTRACTS.get(type(event))
    if contract is None:
        raise TypeError(f"no contract for {type(event).__name__}")
    return contract.model_validate(asdict(event))
