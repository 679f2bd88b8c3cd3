"""Domain events → published contracts (townhall.schemas), a resident's free text sealed.

Topics are append-only, so what people write on a resident's case (update and note
text, a status change's reason, evidence's file name, and a file's
digest) is published sealed under
the resident's data key, the clear fields blank: erasing the resident destroys the key
and the text with it, in every copy (see :mod:`townhall.schemas.events.cases`). An
unmatched case (no resident) has no key to seal under; its text is published as given.
Where a request is (its full postcode and UPRN) is never published in clear, not even
on an unmatched case: sealed, or left out (only its postcode sector travels in clear).
A status change the system makes (a fee due, a payment or booking arriving) gives the
council's own fixed words as its reason: in clear, so reporting and payments never wait
for identity's keys.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict
from typing import Any
from uuid import UUID

from townhall.cases.domain import events
from townhall.schemas.events import cases as contracts
from townhall.schemas.events.base import DomainEvent as Contract

#: Seals a resident's fields into the blob a contract carries; None when the resident
#: has no key any more (erased): then the fields are published blank, never in clear.
Sealer = Callable[[UUID, Mapping[str, Any]], str | None]

_CONTRACTS: dict[type, type[Contract]] = {
    events.CaseSubmitted: contracts.CaseSubmitted,
    events.CaseReporterConfirmed: contracts.CaseReporterConfirmed,
    events.CaseResidentMatched: contracts.CaseResidentMatched,
    events.CaseStatusChanged: contracts.CaseStatusChanged,
    events.CaseAssigned: contracts.CaseAssigned,
    events.CaseUpdatePosted: contracts.CaseUpdatePosted,
    events.CaseInternalNoteAdded: contracts.CaseInternalNoteAdded,
    events.CaseEvidenceAdded: contracts.CaseEvidenceAdded,
    events.CaseSlaBreached: contracts.CaseSlaBreached,
    events.ContactLogged: contracts.ContactLogged,
}


def _contract_of(event: events.DomainEvent) -> type[Contract]:
    contract = _CONTRACTS.get(type(event))
    if contract is None:
        raise TypeError(f"no contract for {type(event).__name__}")
    return contract


def sealed_fields(event: events.DomainEvent) -> dict[str, Any]:
    """The free text this event must carry sealed: none unless the case has a resident
    and something was written."""
    names: tuple[str, ...] = getattr(_contract_of(event), "SEALED_FIELDS", ())
    if not names or getattr(event, "resident_id", None) is None:
        return {}
    if isinstance(event, events.CaseStatusChanged) and event.changed_by.startswith("system:"):
        return {}  # the council's own words ("Pay £45.00 to continue"), not the resident's
    fields = {name: getattr(event, name) for name in names}
    return fields if any(fields.values()) else {}


def needs_key(event: events.DomainEvent) -> UUID | None:
    """The resident whose data key must seal this event, if it carries their text."""
    return event.resident_id if sealed_fields(event) else None


def to_contract(event: events.DomainEvent, seal: Sealer) -> Contract:
    """The published form of a domain event (same field names, validated), with the
    resident's free text sealed by ``seal`` and blank in clear."""
    contract = _contract_of(event)
    fields = asdict(event)
    personal = sealed_fields(event)
    never_clear: tuple[str, ...] = getattr(contract, "NEVER_CLEAR", ())
    if personal:
        resident_id = fields["resident_id"]
        fields.update(dict.fromkeys(personal, ""))
        fields["sealed"] = seal(resident_id, {k: v for k, v in personal.items() if v})
    fields.update(dict.fromkeys(never_clear, None))  # sealed above, or not published
    return contract.model_validate(fields)
