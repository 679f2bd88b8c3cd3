"""What a consumer hands from its fetch loop to its applier: records, decoded."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import NamedTuple, TypeAlias

from aiokafka import ConsumerRecord
from sqlalchemy.ext.asyncio import AsyncSession

from townhall.runtime import metrics
from townhall.runtime.binding import MalformedEventError, from_record
from townhall.schemas.envelope import Envelope
from townhall.schemas.registry import parse_event

#: Applies a batch in the consumer's transaction. A handler that deduplicates by itself
#: (``handler_dedupes=True``) returns how many of the envelopes were new.
BatchHandler = Callable[[AsyncSession, Sequence[Envelope]], Awaitable[int | None]]
Validator = Callable[[Envelope], object]
Record: TypeAlias = ConsumerRecord[bytes, bytes]
#: Reads a record as an envelope, raising ``MalformedEventError`` with the reason.
#: The default reads CloudEvents in binary mode; a consumer of another format (legacy
#: systems' Debezium change events) gives its own, with a stable id for deduplication.
Reader = Callable[[Record], Envelope]


def read_cloudevent(record: Record) -> Envelope:
    """The default reader: a CloudEvent in Kafka's binary mode."""
    return from_record(record.key, record.value, record.headers)


def validate_registered(envelope: Envelope) -> object:
    """Default validator: the type must be registered and its data must match the model."""
    return parse_event(envelope.type, envelope.data)


class Delivery(NamedTuple):
    """One record as decoded (a tuple: one is made per record on the hot path).

    ``error`` says why the record cannot be applied: it could not be read as an event
    (no ``envelope`` then) or its event failed validation.
    """

    record: Record
    envelope: Envelope | None
    error: str | None

    @property
    def applicable(self) -> bool:
        return self.envelope is not None and self.error is None


def decode(
    record: Record, group: str, validate: Validator | None, read: Reader = read_cloudevent
) -> Delivery:
    """Read ``record`` as an event and validate it; a failure is kept, not raised."""
    try:
        envelope = read(record)
    except MalformedEventError as exc:
        metrics.CONSUMER_FAILURES.labels(group, "malformed").inc()
        return Delivery(record, None, str(exc))
    if validate is not None:
        try:
            validate(envelope)
        except Exception as exc:
            metrics.CONSUMER_FAILURES.labels(group, "invalid").inc()
            return Delivery(record, envelope, f"{type(exc).__name__}: {exc}")
    return Delivery(record, envelope, None)
