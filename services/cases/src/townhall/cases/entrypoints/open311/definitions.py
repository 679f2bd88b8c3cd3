"""Service types as Open311 services and service definitions (attributes from the form),
and posted attribute values read back as the form's JSON types.

GeoReport v2's datatypes: "string", "number", "datetime" ("The input generated must be
able to transform into a valid ISO 8601 date"), "text", "singlevaluelist" and
"multivaluelist" ("A set of predefined values (specified in this response)").
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from townhall.cases.domain.catalogue import ServiceType

#: What a ``datetime`` attribute accepts, by the form's format.
DATETIME_ACCEPTS = {
    "date-time": (
        "A W3C date-time with its time zone, as GeoReport v2 dates are: "
        "2026-05-01T09:30:00Z or 2026-05-01T10:30:00+01:00"
    ),
    "date": (
        "A date, 2026-05-01, or a W3C date-time with its time zone "
        "(2026-05-01T09:30:00Z): its date is kept"
    ),
}
NUMBER_ACCEPTS = {
    "integer": "A whole number, e.g. 3",
    "number": "A number, with decimals if need be, e.g. 2.5",
}


def _datatype(schema: Mapping[str, Any]) -> str | None:
    kind = schema.get("type")
    if "enum" in schema or kind == "boolean":
        return "singlevaluelist"
    if kind == "array" and "enum" in schema.get("items", {}):
        return "multivaluelist"
    if kind in ("integer", "number"):
        return "number"
    if kind == "string" and schema.get("format") in DATETIME_ACCEPTS:
        return "datetime"
    if kind == "string":
        return "text" if schema.get("maxLength", 10_000) > 200 else "string"
    return None  # arrays of free values (photos) travel as media_url


def _options(schema: Mapping[str, Any]) -> list[Any]:
    if schema.get("type") == "boolean":
        return [True, False]
    return list(schema.get("enum") or schema.get("items", {}).get("enum") or [])


def _key(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _values(schema: Mapping[str, Any]) -> list[dict[str, str]]:
    if schema.get("type") == "boolean":
        return [{"key": "true", "name": "Yes"}, {"key": "false", "name": "No"}]
    return [
        {"key": _key(v), "name": str(v).replace("_", " ").capitalize()} for v in _options(schema)
    ]


def _describe(schema: Mapping[str, Any], datatype: str) -> str:
    if datatype == "datetime":
        return DATETIME_ACCEPTS[schema["format"]]
    if datatype == "number":
        return NUMBER_ACCEPTS[schema["type"]]
    return str(schema.get("description", ""))


def attributes(service_type: ServiceType) -> list[dict[str, Any]]:
    form = service_type.form
    required = set(form.get("required", []))
    found: list[dict[str, Any]] = []
    for code, schema in form["properties"].items():
        datatype = _datatype(schema)
        if datatype is None:
            continue
        attribute: dict[str, Any] = {
            "variable": True,
            "code": code,
            "datatype": datatype,
            "required": code in required,
            "datatype_description": _describe(schema, datatype),
            "order": len(found) + 1,
            "description": schema.get("title", code.replace("_", " ").capitalize()),
        }
        if datatype.endswith("valuelist"):
            attribute["values"] = _values(schema)
        found.append(attribute)
    return found


def offered_attributes(service_type: ServiceType) -> dict[str, Mapping[str, Any]]:
    """The form's fields a client may post as ``attribute[code]``, by code."""
    properties: Mapping[str, Mapping[str, Any]] = service_type.form["properties"]
    return {code: schema for code, schema in properties.items() if _datatype(schema)}


def coerce(schema: Mapping[str, Any], raw: list[str]) -> Any:
    """Posted values as the form's JSON type (ValueError saying why when they are not)."""
    datatype = _datatype(schema)
    if datatype == "multivaluelist":
        return [_pick(schema, value) for value in raw]
    if len(raw) > 1:
        raise ValueError("takes one value")
    value = raw[0]
    if datatype == "singlevaluelist":
        return _pick(schema, value)
    if datatype == "number":
        return _number(schema, value)
    if datatype == "datetime":
        return _datetime(schema, value)
    return value


def _pick(schema: Mapping[str, Any], key: str) -> Any:
    for option in _options(schema):
        if _key(option) == key.strip():
            return option
    keys = ", ".join(_key(o) for o in _options(schema))
    raise ValueError(f"{key!r} is not one of its keys ({keys})")


def _number(schema: Mapping[str, Any], raw: str) -> int | float:
    try:
        number = Decimal(raw.strip())
    except InvalidOperation:
        raise ValueError(f"{raw!r} is not a number: {NUMBER_ACCEPTS[schema['type']]}") from None
    if not number.is_finite():
        raise ValueError(f"{raw!r} is not a number: {NUMBER_ACCEPTS[schema['type']]}")
    if schema.get("type") == "integer":
        if number != number.to_integral_value():
            raise ValueError(f"{raw!r} is not a whole number")
        return int(number)
    if not math.isfinite(float(number)):
        raise ValueError(f"{raw!r} is out of range")
    return float(number)


def parse_w3c(raw: str) -> datetime:
    """A W3C date-time; GeoReport v2: "Timezone information (either Z meaning UTC, or an
    HH:MM offset from UTC) must be included"."""
    try:
        parsed = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{raw!r} is not a W3C date-time such as 2026-05-01T09:30:00Z") from None
    if parsed.tzinfo is None:
        raise ValueError(f"{raw!r} has no time zone: add Z or an offset such as +01:00")
    return parsed


def _datetime(schema: Mapping[str, Any], raw: str) -> str:
    if schema.get("format") == "date" and "T" not in raw:
        try:
            return date.fromisoformat(raw.strip()).isoformat()
        except ValueError:
            raise ValueError(f"{raw!r} is not a date such as 2026-05-01") from None
    parsed = parse_w3c(raw)
    return parsed.date().isoformat() if schema.get("format") == "date" else parsed.isoformat()


def service(service_type: ServiceType) -> dict[str, Any]:
    definition = service_type.open311
    assert definition is not None
    return {
        "service_code": service_type.code,
        "service_name": service_type.name,
        "description": service_type.description,
        "metadata": bool(attributes(service_type)),
        "type": definition.type,
        "keywords": ", ".join(definition.keywords),
        "group": definition.group,
    }


def definition(service_type: ServiceType) -> dict[str, Any]:
    return {"service_code": service_type.code, "attributes": attributes(service_type)}
