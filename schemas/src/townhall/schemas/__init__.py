"""Townhall event contracts.

Everything services share about events lives here: the CloudEvents envelope with
Townhall's extensions, one pydantic model per event type (versioned in the type
name), the topic registry, and the exporters that write JSON Schema and AsyncAPI.
"""

from townhall.schemas.envelope import Envelope, Sensitivity
from townhall.schemas.events.base import DomainEvent
from townhall.schemas.registry import EVENT_TYPES, UnknownEventTypeError, event_model

__all__ = [
    "EVENT_TYPES",
    "DomainEvent",
    "Envelope",
    "Sensitivity",
    "UnknownEventTypeError",
    "event_model",
]
