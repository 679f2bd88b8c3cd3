"""The idempotent consumer, in two parts.

- :mod:`~townhall.runtime.consumer.applying` makes it correct: in one transaction, skip
  what this group applied already, apply the rest, record it; dead-letter what cannot
  be applied, with its reason; isolate the one bad record of a batch; retry passing
  failures. :mod:`~townhall.runtime.consumer.epochs` notices a broker that lost its
  data, so the group reads everything again and its dedupe drops the repeats.
- :mod:`~townhall.runtime.consumer.pipeline` makes it fast: fetching, decoding and
  writing overlap, offsets are committed in order, lag is measured;
  :mod:`~townhall.runtime.consumer.subscription` says what it subscribes to and what
  a rebalance does.

The consumer never crashes on a message and never skips one silently.
"""

from townhall.runtime.consumer.applying import Applier
from townhall.runtime.consumer.delivery import (
    BatchHandler,
    Delivery,
    Reader,
    Record,
    Validator,
    decode,
    read_cloudevent,
    validate_registered,
)
from townhall.runtime.consumer.pipeline import IdempotentConsumer

__all__ = [
    "Applier",
    "BatchHandler",
    "Delivery",
    "IdempotentConsumer",
    "Reader",
    "Record",
    "Validator",
    "decode",
    "read_cloudevent",
    "validate_registered",
]
