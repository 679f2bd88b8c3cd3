"""Backward compatibility between two JSON Schemas of the same event version.

An event version is a contract that lives as long as the event log: consumers parse
events published years ago, and consumers written against an old schema keep reading
what producers publish today. So, for one versioned type, the only free change is
*additive*:

* every field stays (removing a field, required or optional, breaks whoever reads it;
  a rename is a removal plus an addition);
* no field becomes required, and no new field is required;
* every value an old event could hold is still valid: a field's type, enum/``Literal``
  values, nullability and constraints (length, range, pattern) may widen, never narrow;
* ``format`` is part of a value's meaning (``uuid`` vs ``date-time``), so any change
  to it is breaking.

Schemas are compared as pydantic v2 writes them (``model_json_schema()``): ``$ref``s
into ``$defs`` are resolved, ``anyOf``/``oneOf`` are treated as unions, ``const`` as a
one-value enum. Anything else (titles, descriptions, examples, ``x-`` keys) is free.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

Schema = Mapping[str, Any]

#: Constraints that reject more values when they grow / shrink / change at all.
_LOWER_BOUNDS = ("minLength", "minimum", "exclusiveMinimum", "minItems", "minProperties")
_UPPER_BOUNDS = ("maxLength", "maximum", "exclusiveMaximum", "maxItems", "maxProperties")
_NARROWING_IF_ADDED = ("pattern", "multipleOf")
_MAX_REF_DEPTH = 32


def breaking_changes(old: Schema, new: Schema) -> list[str]:
    """Every way ``new`` breaks readers or data of ``old``, as sentences; empty if none."""
    comparison = _Comparison(old.get("$defs", {}), new.get("$defs", {}))
    return comparison.values(old, new, "")


def is_compatible(old: Schema, new: Schema) -> bool:
    return not breaking_changes(old, new)


@dataclass(frozen=True)
class _Variant:
    """One branch of a (possibly union) schema, narrowed to a single JSON type."""

    type: str  # a JSON Schema type name, or "any"
    schema: Schema  # with $ref and allOf merged in
    ref: str | None  # the $defs entry it came from, to stop on recursive models


@dataclass
class _Comparison:
    old_defs: Schema
    new_defs: Schema
    in_progress: set[tuple[str, str]] = field(default_factory=set)

    def values(self, old: Schema | bool, new: Schema | bool, path: str) -> list[str]:
        old_variants = _variants(_as_schema(old), self.old_defs)
        new_variants = _variants(_as_schema(new), self.new_defs)
        problems: list[str] = []
        for old_variant in old_variants:
            matches = [n for n in new_variants if _widens_type(n.type, old_variant.type)]
            if not matches:
                problems.append(_type_change(path, old_variant, new_variants))
                continue
            attempts = [self._variant(old_variant, n, path) for n in matches]
            fewest: list[str] = min(attempts, key=len)
            problems += fewest
        return problems

    def _variant(self, old: _Variant, new: _Variant, path: str) -> list[str]:
        key = (old.ref or "", new.ref or "")
        if old.ref and new.ref and key in self.in_progress:
            return []  # a recursive model: this pair is already being compared above
        self.in_progress.add(key)
        try:
            problems = _enum_problems(old, new, path)
            problems += _constraint_problems(old.schema, new.schema, path)
            if old.type == "object" and new.type == "object":
                problems += self._object(old.schema, new.schema, path)
            if old.type == "array" and new.type == "array":
                problems += self.values(
                    old.schema.get("items", {}), new.schema.get("items", {}), f"{path}[]"
                )
            return problems
        finally:
            self.in_progress.discard(key)

    def _object(self, old: Schema, new: Schema, path: str) -> list[str]:
        old_props: Schema = old.get("properties", {})
        new_props: Schema = new.get("properties", {})
        old_required = set(old.get("required", ()))
        new_required: list[str] = list(new.get("required", ()))
        problems: list[str] = []
        for name, old_prop in old_props.items():
            where = _join(path, name)
            if name not in new_props:
                kind = "required" if name in old_required else "optional"
                problems.append(f"{kind} field '{where}' was removed")
                continue
            if name in new_required and name not in old_required:
                problems.append(f"field '{where}' was optional and became required")
            problems += self.values(old_prop, new_props[name], where)
        for name in new_required:
            if name not in old_props:
                problems.append(f"new required field '{_join(path, name)}' was added")
        return problems + self._additional(old, new, path)

    def _additional(self, old: Schema, new: Schema, path: str) -> list[str]:
        old_extra = old.get("additionalProperties", True)
        new_extra = new.get("additionalProperties", True)
        if new_extra is True or old_extra is False:
            return []
        if new_extra is False:
            return [f"{_where(path)} no longer accepts additional properties"]
        return self.values(old_extra, new_extra, f"{path}{{}}")


def _as_schema(value: Schema | bool) -> Schema:
    if value is True:
        return {}
    if value is False:
        return {"type": []}
    return value


def _resolve(schema: Schema, defs: Schema) -> tuple[dict[str, Any], str | None]:
    """Merge ``$ref`` targets and ``allOf`` parts into one schema; name the last def used."""
    merged = dict(schema)
    ref_name: str | None = None
    for _ in range(_MAX_REF_DEPTH):
        if "$ref" not in merged:
            break
        ref = merged.pop("$ref")
        if not isinstance(ref, str) or not ref.startswith("#/$defs/"):
            raise ValueError(f"cannot resolve $ref {ref!r}: only '#/$defs/...' is supported")
        ref_name = ref.removeprefix("#/$defs/")
        if ref_name not in defs:
            raise ValueError(f"$ref {ref!r} names no entry in $defs")
        merged = {**defs[ref_name], **merged}
    else:
        raise ValueError(f"$ref chain deeper than {_MAX_REF_DEPTH} at {ref_name!r}")
    for part in merged.pop("allOf", ()):
        resolved, part_ref = _resolve(_as_schema(part), defs)
        merged = _merge(resolved, merged)
        ref_name = ref_name or part_ref
    return merged, ref_name


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = {**base, **override}
    if "properties" in base and "properties" in override:
        merged["properties"] = {**base["properties"], **override["properties"]}
    if "required" in base and "required" in override:
        merged["required"] = [*base["required"], *override["required"]]
    return merged


def _variants(schema: Schema, defs: Schema) -> list[_Variant]:
    resolved, ref = _resolve(schema, defs)
    for union in ("anyOf", "oneOf"):
        if union in resolved:
            siblings = {k: v for k, v in resolved.items() if k != union}
            options = [{**siblings, **_as_schema(option)} for option in resolved[union]]
            return [v for option in options for v in _variants(option, defs)]
    if "const" in resolved:
        resolved["enum"] = [resolved.pop("const")]
    types = resolved.get("type")
    if types is None:
        enum = resolved.get("enum")
        types = sorted({_json_type(v) for v in enum}) if enum is not None else ["any"]
    if isinstance(types, str):
        types = [types]
    return [_Variant(str(t), resolved, ref) for t in types]


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _widens_type(new: str, old: str) -> bool:
    """Whether every value of JSON type ``old`` is of JSON type ``new``."""
    return new in (old, "any") or (new == "number" and old == "integer")


def _enum_values(variant: _Variant) -> dict[str, object] | None:
    """The variant's allowed values keyed by canonical JSON, or None when unrestricted."""
    enum = variant.schema.get("enum")
    if enum is None:
        return None
    typed = [v for v in enum if _widens_type(variant.type, _json_type(v))]
    return {json.dumps(v, sort_keys=True): v for v in typed}


def _enum_problems(old: _Variant, new: _Variant, path: str) -> list[str]:
    new_values = _enum_values(new)
    if new_values is None:
        return []
    old_values = _enum_values(old)
    if old_values is None:
        allowed = ", ".join(sorted(new_values))
        return [f"{_where(path)} was any {old.type} and is now restricted to {allowed}"]
    removed = [key for key in old_values if key not in new_values]
    if not removed:
        return []
    return [f"{_where(path)} no longer accepts value(s) {', '.join(removed)}"]


def _constraint_problems(old: Schema, new: Schema, path: str) -> list[str]:
    where = _where(path)
    problems: list[str] = []
    if old.get("format") != new.get("format"):
        before, after = old.get("format", "(none)"), new.get("format", "(none)")
        problems.append(f"{where} changed format from {before} to {after}")
    for key in _NARROWING_IF_ADDED:
        if key in new and old.get(key) != new[key]:
            problems.append(f"{where} changed {key} from {old.get(key)!r} to {new[key]!r}")
    for key in _LOWER_BOUNDS + _UPPER_BOUNDS:
        if key not in new or not _tightened(key, old.get(key), new[key]):
            continue
        problems.append(f"{where} tightened {key} from {old.get(key)!r} to {new[key]!r}")
    return problems


def _tightened(key: str, old: object, new: object) -> bool:
    if old is None:
        return True
    if not isinstance(old, int | float) or not isinstance(new, int | float):
        return old != new
    return new > old if key in _LOWER_BOUNDS else new < old


def _type_change(path: str, old: _Variant, new_variants: list[_Variant]) -> str:
    if old.type == "null":
        return f"{_where(path)} is no longer nullable"
    names = sorted({v.type for v in new_variants if v.type != "null"}) or ["nothing"]
    return f"{_where(path)} changed type from {old.type} to {' or '.join(names)}"


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _where(path: str) -> str:
    return f"field '{path}'" if path else "the payload"
