"""Domain events → the contracts notifications publishes (no content, no destination)."""

from __future__ import annotations

from dataclasses import asdict

from townhall.notifications.domain import events
from townhall.schemas.events import notifications as contracts
from townhall.schemas.events.base import DomainEvent as Contract

_CONTRACTS: dict[type, type[contracts.NotificationEvent]] = {
    events.NotificationSent: contracts.NotificationSent,
    events.NotificationDelivered: contracts.NotificationDelivered,
    events.NotificationFailed: contracts.NotificationFailed,
}


def to_contract(event: events.DomainEvent) -> Contract:
    contract = _CONTRACTS[type(event)]
    fields = asdict(event.about)
    if isinstance(event, events.NotificationFailed):
        fields["reason"] = event.reason
    summary = contract.summary_of(event.about.channel, event.about.case_reference)
    return contract(**fields, summary=summary)
