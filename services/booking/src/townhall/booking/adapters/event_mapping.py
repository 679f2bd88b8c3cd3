"""Domain events → published contracts (townhall.schemas.events.booking)."""

from __future__ import annotations

from dataclasses import asdict

from townhall.booking.domain import events
from townhall.schemas.events import booking as contracts
from townhall.schemas.events.base import DomainEvent as Contract

_CONTRACTS: dict[type, type[Contract]] = {
    events.SlotHeld: contracts.SlotHeld,
    events.AppointmentConfirmed: contracts.AppointmentConfirmed,
    events.AppointmentCancelled: contracts.AppointmentCancelled,
    events.AppointmentRescheduled: contracts.AppointmentRescheduled,
    events.VisitRecorded: contracts.VisitRecorded,
    events.ReminderDue: contracts.ReminderDue,
}


def to_contract(event: events.BookingEvent) -> Contract:
    """The published form of a domain event (same field names, validated)."""
    contract = _CONTRACTS.get(type(event))
    if contract is None:
        raise TypeError(f"no contract for {type(event).__name__}")
    return contract.model_validate(asdict(event))
