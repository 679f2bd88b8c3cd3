"""Every event type Townhall knows, by its versioned type name."""

from __future__ import annotations

from typing import Any

from townhall.schemas.events import booking, cases, identity, legacy, notifications, payments
from townhall.schemas.events.base import DomainEvent

_MODULES = (identity, cases, booking, payments, notifications, legacy)


class UnknownEventTypeError(LookupError):
    """The type name is not in the registry."""


def _collect() -> dict[str, type[DomainEvent]]:
    found: dict[str, type[DomainEvent]] = {}
    for module in _MODULES:
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, DomainEvent) and "TYPE" in vars(value):
                if value.TYPE in found:
                    raise RuntimeError(f"event type {value.TYPE} is defined twice")
                found[value.TYPE] = value
    return found


EVENT_TYPES: dict[str, type[DomainEvent]] = _collect()


def event_model(event_type: str) -> type[DomainEvent]:
    try:
        return EVENT_TYPES[event_type]
    except KeyError:
        raise UnknownEventTypeError(f"unknown event type {event_type!r}") from None


def parse_event(event_type: str, data: dict[str, Any]) -> DomainEvent:
    """Validate ``data`` against the model of ``event_type`` (pydantic errors propagate)."""
    return event_model(event_type).model_validate(data)
