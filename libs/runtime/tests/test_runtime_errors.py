"""How the consumer tells a passing failure from a message it can never process."""

import pytest
from pydantic import BaseModel, ValidationError
from sqlalchemy.exc import IntegrityError, OperationalError

from townhall.runtime.binding import MalformedEventError
from townhall.runtime.errors import Failure, PoisonMessageError, RetryableError, classify
from townhall.schemas.registry import UnknownEventTypeError


class _Model(BaseModel):
    n: int


def _validation_error() -> ValidationError:
    try:
        _Model.model_validate({"n": "many"})
    except ValidationError as exc:
        return exc
    raise AssertionError("unreachable")


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (
            OperationalError("SELECT 1", {}, Exception("server closed the connection")),
            Failure.TRANSIENT,
        ),
        (ConnectionResetError(), Failure.TRANSIENT),
        (TimeoutError(), Failure.TRANSIENT),
        (RetryableError("payments provider is down"), Failure.TRANSIENT),
        (IntegrityError("INSERT", {}, Exception("duplicate key")), Failure.CONFLICT),
        (PoisonMessageError("negative amount"), Failure.POISON),
        (MalformedEventError("missing ce_id"), Failure.POISON),
        (UnknownEventTypeError("townhall.x.v9"), Failure.POISON),
        (_validation_error(), Failure.POISON),
        (KeyError("resident_id"), Failure.POISON),
        (RuntimeError("a bug"), Failure.POISON),
    ],
)
def test_failures_are_classified(error: BaseException, kind: Failure) -> None:
    assert classify(error) is kind
