"""A service type's form, generated from the JSON Schema in cases' catalogue.

:func:`fields` turns the schema's properties into GOV.UK form fields (an enum is radios,
an array of an enum checkboxes, a boolean yes/no radios, a date a text box taking
YYYY-MM-DD, an integer a numeric box, a long string a textarea); :func:`read` checks what
came back against the same schema and gives the JSON ``details`` cases expects. Cases checks
it again: this only saves the officer a round trip and shows the mistakes at their fields.
The questions and the choices' words are the catalogue's, in the language asked of cases
(its ``x-choices``: value -> words); a value without words reads as itself.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from townhall.web.forms import Checked
from townhall.web.i18n import N_

PREFIX = "field-"


@dataclass(frozen=True)
class Field:
    name: str  # the form field's name: PREFIX + the property
    prop: str
    label: str
    kind: str  # radios | checkboxes | yesno | date | integer | textarea | text
    required: bool
    options: tuple[tuple[str, str], ...] = ()
    schema: Mapping[str, Any] | None = None


def _label(prop: str, schema: Mapping[str, Any]) -> str:
    return str(schema.get("title") or prop.replace("_", " ").capitalize())


def _option(value: object, words: Mapping[str, str]) -> tuple[str, str]:
    return str(value), words.get(str(value)) or str(value).replace("_", " ").capitalize()


def _kind(schema: Mapping[str, Any]) -> str:
    kind = schema.get("type")
    if "enum" in schema:
        return "radios"
    if kind == "array" and "enum" in schema.get("items", {}):
        return "checkboxes"
    if kind == "boolean":
        return "yesno"
    if kind == "integer":
        return "integer"
    if kind == "string" and schema.get("format") == "date":
        return "date"
    if kind == "string" and int(schema.get("maxLength", 0)) > 200:
        return "textarea"
    return "text"


def fields(form_schema: Mapping[str, Any]) -> list[Field]:
    """The fields of a service type's form (properties a person cannot type, such as a
    list of photo links, are left to the services that collect them)."""
    required = set(form_schema.get("required", ()))
    found = []
    for prop, schema in form_schema.get("properties", {}).items():
        if schema.get("type") == "array" and "enum" not in schema.get("items", {}):
            continue
        kind = _kind(schema)
        values = schema.get("enum") or schema.get("items", {}).get("enum") or ()
        found.append(
            Field(
                name=PREFIX + prop,
                prop=prop,
                label=_label(prop, schema),
                kind=kind,
                required=prop in required,
                options=tuple(_option(v, schema.get("x-choices") or {}) for v in values),
                schema=schema,
            )
        )
    return found


def _value(field: Field, raw: str, checked: Checked) -> object | None:
    schema = field.schema or {}
    if field.kind == "integer":
        if not re.fullmatch(r"-?[0-9]+", raw):
            checked.error(field.name, N_("Enter a whole number"))
            return None
        number = int(raw)
        low, high = schema.get("minimum"), schema.get("maximum")
        if (low is not None and number < low) or (high is not None and number > high):
            checked.error(field.name, N_("Enter a number in the range allowed"))
            return None
        if "enum" in schema and number not in schema["enum"]:
            checked.error(field.name, N_("Select one of the options"))
            return None
        return number
    if field.kind == "yesno":
        return raw == "yes"
    if field.kind == "date":
        try:
            return date.fromisoformat(raw).isoformat()
        except ValueError:
            checked.error(field.name, N_("Enter a real date, like 2026-11-27"))
            return None
    if field.kind == "radios" and raw not in {value for value, _ in field.options}:
        checked.error(field.name, N_("Select one of the options"))
        return None
    if len(raw) > int(schema.get("maxLength", 4000)):
        checked.error(field.name, N_("The answer is too long"))
        return None
    if "pattern" in schema and not re.search(str(schema["pattern"]), raw):
        checked.error(field.name, N_("Enter the answer in the format asked for"))
        return None
    return raw


def read(
    form_fields: Sequence[Field], form: Mapping[str, str], lists: Mapping[str, list[str]]
) -> tuple[dict[str, Any], Checked]:
    """``details`` for cases from the posted form (``lists``: checkboxes' values)."""
    checked = Checked({f.name: str(form.get(f.name, "")).strip() for f in form_fields})
    details: dict[str, Any] = {}
    for field in form_fields:
        if field.kind == "checkboxes":
            allowed = {value for value, _ in field.options}
            chosen = [v for v in lists.get(field.name, []) if v in allowed]
            checked.values[field.name] = ",".join(chosen)
            if chosen:
                details[field.prop] = chosen
            elif field.required:
                checked.error(field.name, N_("Select at least one option"))
            continue
        raw = checked.values[field.name]
        if not raw:
            if field.required:
                checked.error(field.name, N_("Answer this question"))
            continue
        value = _value(field, raw, checked)
        if value is not None:
            details[field.prop] = value
    return details, checked
