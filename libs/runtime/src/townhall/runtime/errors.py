"""How a consumer tells a passing failure from a message it can never process."""

from __future__ import annotations

from enum import Enum

from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError

from townhall.runtime.binding import MalformedEventError
from townhall.runtime.conflicts import is_conflict
from townhall.schemas.registry import UnknownEventTypeError


class PoisonMessageError(Exception):
    """Raise from a handler: this event can never be processed; dead-letter it."""


class RetryableError(Exception):
    """Raise from a handler: try again later (a dependency is down)."""


class Failure(Enum):
    #: infrastructure is unwell (database or network): retry until it comes back
    TRANSIENT = "transient"
    #: a constraint clashed, e.g. another consumer applied the same event: retry a few times
    CONFLICT = "conflict"
    #: the message itself is bad: dead-letter it and carry on
    POISON = "poison"


def classify(exc: BaseException) -> Failure:
    if isinstance(exc, PoisonMessageError | MalformedEventError | UnknownEventTypeError):
        return Failure.POISON
    if isinstance(exc, ValidationError | ValueError | TypeError | KeyError | LookupError):
        return Failure.POISON
    if is_conflict(exc):  # deadlocked or not serializable: the event is fine, run it again
        return Failure.TRANSIENT
    if isinstance(exc, IntegrityError):
        return Failure.CONFLICT
    if isinstance(exc, OperationalError | InterfaceError) or (
        isinstance(exc, DBAPIError) and exc.connection_invalidated
    ):
        return Failure.TRANSIENT
    if isinstance(exc, RetryableError | OSError | TimeoutError | ConnectionError):
        return Failure.TRANSIENT
    return Failure.POISON
