"""Service types as Open311 services and service definitions (attributes from the form)."""

from __future__ import annotations

from typing import Any

from townhall.cases.domain.catalogue import ServiceType


def _datatype(schema: dict[str, Any]) -> str | None:
    kind = schema.get("type")
    if "enum" in schema or kind == "boolean":
        return "singlevaluelist"
    if kind == "array" and "enum" in schema.get("items", {}):
        return "multivaluelist"
    if kind in ("integer", "number"):
        return "number"
    if kind == "string" and schema.get("format") in ("date", "date-time"):
        return "datetime"
    if kind == "string":
        return "text" if schema.get("maxLength", 10_000) > 200 else "string"
    return None  # arrays of free values (photos) travel as media_url


def _values(schema: dict[str, Any]) -> list[dict[str, str]]:
    options = schema.get("enum") or schema.get("items", {}).get("enum") or []
    if schema.get("type") == "boolean":
        return [{"key": "true", "name": "Yes"}, {"key": "false", "name": "No"}]
    return [{"key": str(v), "name": str(v).replace("_", " ").capitalize()} for v in options]


def coerce(schema: dict[str, Any], raw: str) -> Any:
    """A posted attribute value as the form's JSON type (ValueError when it is not)."""
    kind = schema.get("type")
    if kind == "array":
        kind = schema.get("items", {}).get("type")
    if kind == "boolean":
        if raw.lower() not in ("true", "false"):
            raise ValueError("must be true or false")
        return raw.lower() == "true"
    if kind == "integer":
        return int(raw)
    if kind == "number":
        return float(raw)
    return raw


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
            "datatype_description": schema.get("description", ""),
            "order": len(found) + 1,
            "description": schema.get("title", code.replace("_", " ").capitalize()),
        }
        if datatype.endswith("valuelist"):
            attribute["values"] = _values(schema)
        found.append(attribute)
    return found


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
