"""The CloudEvents Kafka protocol binding, binary content mode, via the cloudevents SDK."""

from __future__ import annotations

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
    """Parse a binary-mode record; raise MalformedEventError with the reason."""
    if value is None:
        raise MalformedEventError("record has no value")
    names = {name for name, _ in headers}
    missing = {"ce_id", "ce_type", "ce_source", "ce_specversion"} - names
    if missing:
        raise MalformedEventError(f"missing CloudEvents headers: {', '.join(sorted(missing))}")
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
    try:
        return Envelope.model_validate({**known, "data": data})
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        raise MalformedEventError(f"invalid envelope: {problems}") from exc
