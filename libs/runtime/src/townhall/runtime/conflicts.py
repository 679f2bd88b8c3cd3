"""Transactions the database aborted because they ran into one another, run again.

Under concurrent writes PostgreSQL may abort a transaction that did nothing wrong: a
deadlock (SQLSTATE ``40P01``: two transactions each waiting for a row the other holds,
and the server rolls one back) or a serialization failure (``40001``, under REPEATABLE
READ or SERIALIZABLE). Nothing of it was written, and the cure is to run the whole
transaction again, after a short random wait so that the two do not meet again in
step ("full jitter"). :func:`retry_conflicts` does that a few times; if they keep
clashing it raises :class:`TransactionConflictError`, which every API answers ``503``
with ``Retry-After`` (:func:`townhall.runtime.problems.install_problem_handlers`), and
which a consumer treats as a passing failure (:func:`townhall.runtime.errors.classify`),
never as a poison message.

Only a whole transaction can run again: give :func:`retry_conflicts` a function that
opens its own unit of work (``async with uow: ... await uow.commit()``), never one
joined to an enclosing transaction, which the server has aborted with it (a consumer's
batch: the consumer runs that again itself).
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

import structlog
from prometheus_client import Counter
from sqlalchemy.exc import DBAPIError

T = TypeVar("T")

#: PostgreSQL's deadlock_detected and serialization_failure.
CONFLICT_SQLSTATES = frozenset({"40P01", "40001"})

CONFLICTS = Counter(
    "townhall_transaction_conflicts",
    "Transactions the database aborted as deadlocked or not serializable, by outcome "
    "(retried, gave_up)",
    ["sqlstate", "outcome"],
)
_log = structlog.get_logger(__name__)


def sqlstate(exc: BaseException) -> str | None:
    """The SQLSTATE a database error carries, whichever driver raised it (asyncpg and
    psycopg say ``sqlstate``, psycopg2 ``pgcode``; SQLAlchemy wraps them in ``orig``)."""
    for candidate in (exc, getattr(exc, "orig", None), exc.__cause__):
        for name in ("sqlstate", "pgcode"):
            code = getattr(candidate, name, None)
            if isinstance(code, str):
                return code
    return None


def is_conflict(exc: BaseException) -> bool:
    """Whether ``exc`` is the database aborting a transaction that clashed with another."""
    return isinstance(exc, TransactionConflictError) or (
        isinstance(exc, DBAPIError) and sqlstate(exc) in CONFLICT_SQLSTATES
    )


class TransactionConflictError(Exception):
    """The transaction clashed with others every time it was tried; nothing was written."""

    def __init__(self, attempts: int, code: str | None, retry_after_s: float):
        super().__init__(
            f"the database aborted this change {attempts} times as it clashed with others "
            f"(SQLSTATE {code}); nothing was changed"
        )
        self.attempts = attempts
        self.sqlstate = code
        self.retry_after_s = retry_after_s


@dataclass(frozen=True)
class RetryPolicy:
    """How often, and after how long, a clashing transaction runs again."""

    #: Runs in all, the first included.
    attempts: int = 5
    #: The wait before the n-th retry is random in [0, min(longest, first * 2**n)).
    first_delay_s: float = 0.01
    longest_delay_s: float = 0.25
    #: What a caller who still lost is told to wait (``Retry-After``).
    retry_after_s: float = 1.0

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("attempts must be at least 1")
        if not 0 <= self.first_delay_s <= self.longest_delay_s:
            raise ValueError("need 0 <= first_delay_s <= longest_delay_s")

    def delay(self, retry: int, draw: Callable[[], float] = random.random) -> float:
        return draw() * min(self.longest_delay_s, self.first_delay_s * (1 << retry))


DEFAULT_POLICY = RetryPolicy()


async def retry_conflicts(
    attempt: Callable[[], Awaitable[T]],
    *,
    policy: RetryPolicy = DEFAULT_POLICY,
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    draw: Callable[[], float] = random.random,
) -> T:
    """``await attempt()``; run it again while the database aborts it as a deadlock or
    a serialization failure, up to ``policy.attempts`` runs, then raise
    :class:`TransactionConflictError`. Any other error passes at once."""
    for run in range(1, policy.attempts + 1):
        try:
            return await attempt()
        except DBAPIError as exc:
            if not is_conflict(exc):
                raise
            code = sqlstate(exc)
            if run == policy.attempts:
                CONFLICTS.labels(code, "gave_up").inc()
                _log.warning("transaction_conflict_gave_up", sqlstate=code, attempts=run)
                raise TransactionConflictError(run, code, policy.retry_after_s) from exc
            CONFLICTS.labels(code, "retried").inc()
            wait = policy.delay(run - 1, draw)
            _log.info("transaction_conflict_retried", sqlstate=code, attempt=run, wait_s=wait)
            await sleep(wait)
    raise AssertionError("unreachable: the last run returns or raises")
