"""Every registered event model survives a trip through JSON unchanged."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from townhall.schemas.events.base import DomainEvent
from townhall.schemas.registry import EVENT_TYPES, parse_event

_FORMATS = {
    "uuid": "6f1c2a4e-8b1d-4c3e-9f0a-2b7d5e8c1a90",
    "date-time": "2025-03-04T10:15:00Z",
    "date": "2025-03-04",
    "email": "resident@example.org",
    "uri": "https://townhall.example/",
}


def example(schema: Mapping[str, Any], defs: Mapping[str, Any]) -> Any:
    """A small valid instance of a pydantic-generated JSON Schema (first choice everywhere)."""
    if "$ref" in schema:
        return example(defs[schema["$ref"].removeprefix("#/$defs/")], defs)
    if "examples" in schema:
        return schema["examples"][0]
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][0]
    for union in ("anyOf", "oneOf"):
        if union in schema:
            return example(schema[union][0], defs)
    return _by_type(schema, defs)


def _by_type(schema: Mapping[str, Any], defs: Mapping[str, Any]) -> Any:
    kind = schema.get("type", "string")
    if kind == "object":
        props = schema.get("properties", {})
        return {name: example(props[name], defs) for name in props}
    if kind == "array":
        return [example(schema.get("items", {}), defs)] * max(1, schema.get("minItems", 1))
    if kind in ("integer", "number"):
        return max(1, schema.get("minimum", 1))
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    return _FORMATS.get(schema.get("format", ""), "x" * max(1, schema.get("minLength", 1)))


def example_event(event_type: str) -> DomainEvent:
    schema = EVENT_TYPES[event_type].model_json_schema()
    return parse_event(event_type, example(schema, schema.get("$defs", {})))


@pytest.mark.parametrize("event_type", sorted(EVENT_TYPES))
def test_every_registered_event_round_trips_through_json(event_type: str) -> None:
    model = EVENT_TYPES[event_type]
    event = example_event(event_type)

    again = model.model_validate_json(event.model_dump_json())

    assert again == event
    assert again.model_dump(mode="json") == event.model_dump(mode="json")


@pytest.mark.parametrize("event_type", sorted(EVENT_TYPES))
def test_every_registered_event_declares_how_it_is_enveloped(event_type: str) -> None:
    model: type[DomainEvent] = EVENT_TYPES[event_type]
    assert event_type == model.TYPE
    assert model.SOURCE.startswith("/townhall/")
    assert model.DOMAIN
    assert example_event(event_type).subject  # every event names the aggregate it is about
