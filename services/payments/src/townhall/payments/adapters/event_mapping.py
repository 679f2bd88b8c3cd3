"""Domain events → published contracts (townhall.schemas.events.payments), field for field."""

from __future__ import annotations

from dataclasses import asdict

from townhall.payments.domain import events
from townhall.schemas.events import payments as contracts
from townhall.schemas.events.base import DomainEvent as Contract

_CONTRACTS: dict[type, type[Contract]] = {
    events.PaymentCreated: contracts.PaymentCreated,
    events.PaymentSucceeded: contracts.PaymentSucceeded,
    events.PaymentFailed: contracts.PaymentFailed,
    events.PaymentCancelled: contracts.PaymentCancelled,
    events.PaymentExpired: contracts.PaymentExpired,
    events.RefundRequested: contracts.RefundRequested,
    events.RefundSucceeded: contracts.RefundSucceeded,
    events.RefundFailed: contracts.RefundFailed,
}


def to_contract(event: events.PaymentEvent) -> Contract:
    contract = _CONTRACTS.get(type(event))
    if contract is None:
        raise TypeError(f"no contract for {type(event).__name__}")
    return contract.model_validate(asdict(event))
