"""The CloudEvents Kafka protocol binding, binary content mode, via the cloudevents SDK."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cloudevents.core.bindings import kafka as ce_kafka
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent
from pydantic import ValidationError

from townhall.schemas.envelope import Envelope

_FORMAT = JSONFormat()
_FIELDS = frozenset(Envelope.model_fields) - {"data"}
#: Header → attribute. Extensions this platform does not know (and the binding's
#: partitionkey) are not in it, so they are ignored.
_HEADER_ATTRIBUTES = {f"ce_{name}": name for name in _FIELDS} | {"content-type": "datacontenttype"}
_REQUIRED = frozenset({"id", "type", "source", "specversion"})
_validate_envelope = Envelope.__pydantic_validator__.validate_python
Headers = Sequence[tuple[str, bytes]]


class MalformedEventError(ValueError):
    """A record is not a valid Townhall CloudEvent; the message says why."""


@dataclass(frozen=True)
class KafkaRecord:
    key: bytes
    value: bytes
    headers: list[tuple[str, bytes]]


def to_record(envelope: Envelope) -> KafkaRecord:
    attributes = envelope.attributes()
    attributes["time"] = envelope.time
    attributes["sequence"] = str(envelope.sequence)
    event = CloudEvent(attributes=attributes, data=envelope.data)
    message = ce_kafka.to_binary(event, _FORMAT, key_mapper=lambda _e: envelope.key)
    return KafkaRecord(
        key=envelope.key.encode(),
        value=message.value,
        headers=[(name, value) for name, value in message.headers.items()],
    )


def from_record(key: bytes | None, value: bytes | None, headers: Headers) -> Envelope:
    """Parse a binary-mode record; raise MalformedEventError with the reason.

    The hot path of every consumer, so it reads the binding directly (``ce_*`` headers,
    ``content-type``, JSON value) rather than through the SDK, which builds an event
    object per record (README, Performance, has the measured difference).
    ``from_record_sdk`` is the reference it is tested against.
    """
    if value is None:
        raise MalformedEventError("record has no value")
    attributes: dict[str, Any] = {}
    try:
        for name, raw in headers:
            attribute = _HEADER_ATTRIBUTES.get(name)
            if attribute is not None:
                attributes[attribute] = raw.decode()
    except UnicodeDecodeError as exc:
        raise MalformedEventError(f"a CloudEvents header is not UTF-8: {exc}") from exc
    if not attributes.keys() >= _REQUIRED:
        names = ", ".join(f"ce_{m}" for m in sorted(_REQUIRED - attributes.keys()))
        raise MalformedEventError(f"missing CloudEvents headers: {names}")
    try:
        data = json.loads(value.decode())
    except ValueError as exc:  # UnicodeDecodeError is a ValueError too
        raise MalformedEventError(f"event data is not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise MalformedEventError("event data is not a JSON object")
    attributes["data"] = data
    return _validated(attributes)


def from_record_sdk(key: bytes | None, value: bytes | None, headers: Headers) -> Envelope:
    """The same parse through the cloudevents SDK (the reference implementation)."""
    if value is None:
        raise MalformedEventError("record has no value")
    try:
        message = ce_kafka.KafkaMessage(headers=dict(headers), key=key, value=value)
        event = ce_kafka.from_binary(message, _FORMAT)
    except Exception as exc:  # the SDK raises several unrelated types
        raise MalformedEventError(f"not a CloudEvent: {exc}") from exc
    return _to_envelope(event.get_attributes(), event.get_data())


def _to_envelope(attributes: dict[str, Any], data: Any) -> Envelope:
    if not isinstance(data, dict):
        raise MalformedEventError("event data is not a JSON object")
    # Extensions this platform does not know (and the binding's partitionkey) are ignored.
    known = {name: value for name, value in attributes.items() if name in _FIELDS}
    return _validated({**known, "data": data})


def _validated(attributes: dict[str, Any]) -> Envelope:
    try:
        envelope: Envelope = _validate_envelope(attributes)
        return envelope
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        raise MalformedEventError(f"invalid envelope: {problems}") from exc
