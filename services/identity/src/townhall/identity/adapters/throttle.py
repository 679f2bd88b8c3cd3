"""Throttling that slows guessing without locking anyone out (OWASP's Authentication
and Credential Stuffing cheat sheets).

A lockout per account lets anyone lock the account: six wrong passwords and the
officer, or the service whose client secret it is, could not sign in for 15 minutes.
Here a failure delays only *where it came from*:

* each failed sign-in counts against the pair (account, client address) and against
  the client address. After a failure the pair waits 1 s, then 2 s, 4 s... up to 15
  minutes; the address does too once it has failed more than a few times (an office
  behind one address makes the odd typo). While it waits, an attempt is answered 429
  with ``Retry-After``, whatever the password: guessing there gets no answer at all;
* a success clears the pair (the address keeps its count: signing in to one's own
  account must not wash a stuffing address clean);
* the same account failing from many addresses raises an alarm (a log line and
  ``townhall_identity_sign_in_alarms_total``) and blocks nothing: the right password
  from a clean address always works;
* service clients are throttled the same way: nobody can lock a service out by
  guessing its secret from elsewhere.

One-time codes die after a few wrong tries (:mod:`townhall.identity.domain.codes`), and
codes sent to one contact point are limited with the runtime's
:class:`~townhall.runtime.throttling.RateLimit`. Every refusal counts in
``townhall_throttled_total{rule}``.

Counts live in a ``limits`` storage (``memory://``, or ``redis://`` shared by
replicas): the failures, and the time before which the next attempt is refused
(milliseconds since the epoch, read from the injected clock, so tests move time by hand).
"""

from __future__ import annotations

import asyncio
import hashlib
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import structlog
from limits import storage
from prometheus_client import Counter

from townhall.identity.domain.exceptions import TooManyAttemptsError
from townhall.runtime.clock import Clock, utc_now
from townhall.runtime.metrics import THROTTLED

_log = structlog.get_logger(__name__)
T = TypeVar("T")

SIGN_IN_ALARMS = Counter(
    "townhall_identity_sign_in_alarms",
    "Accounts failing to sign in many times across addresses (credential stuffing?); "
    "an alarm, never a block",
    ["kind"],
)


class Backoff:
    """Growing delays after failures, per key: ``first`` seconds after the first
    counted failure, doubling with each one, never more than ``cap``. The first
    ``free`` failures of a key cost nothing; a key forgets its failures ``forget_after``
    seconds after its first one."""

    def __init__(
        self,
        rule: str,
        storage_uri: str = "memory://",
        *,
        clock: Clock = utc_now,
        first: float = 1,
        cap: float = 900,
        free: int = 0,
        forget_after: int = 24 * 3600,
    ) -> None:
        self.rule = rule
        store = storage.storage_from_string(storage_uri)
        if not isinstance(store, storage.Storage):
            raise ValueError(f"{storage_uri!r}: throttling needs a synchronous limits storage")
        self.store: storage.Storage = store
        self.clock = clock
        self.first, self.cap, self.free, self.forget_after = first, cap, free, int(forget_after)
        #: A network store blocks while it answers: it is called from a thread.
        self.in_process = storage_uri.startswith("memory://")

    def delay(self, failures: int) -> float:
        """How long the next attempt waits after ``failures`` failures."""
        counted = failures - self.free
        return 0 if counted <= 0 else min(self.cap, self.first * 2 ** min(counted - 1, 32))

    async def check(self, *keys: str) -> None:
        """Raise TooManyAttemptsError while any of ``keys`` must wait."""
        wait = max([await self._run(self._wait, key) for key in keys], default=0.0)
        if wait > 0:
            THROTTLED.labels(self.rule).inc()
            raise TooManyAttemptsError(math.ceil(wait))

    async def failed(self, *keys: str) -> int:
        """Count a failure against each key; return the most failures any key has."""
        return max([await self._run(self._failed, key) for key in keys], default=0)

    async def succeeded(self, *keys: str) -> None:
        for key in keys:
            await self._run(self._clear, key)

    def _now_ms(self) -> int:
        return math.floor(self.clock().timestamp() * 1000)

    def _keys(self, key: str) -> tuple[str, str]:
        namespace = f"townhall/identity/{self.rule}/{key}"
        return f"{namespace}/failures", f"{namespace}/until"

    def _wait(self, key: str) -> float:
        until = self.store.get(self._keys(key)[1])
        return min(self.cap, (until - self._now_ms()) / 1000) if until else 0.0

    def _failed(self, key: str) -> int:
        failures_key, until_key = self._keys(key)
        failures = self.store.incr(failures_key, self.forget_after)
        delay = self.delay(failures)
        if delay:
            until = self._now_ms() + math.ceil(delay * 1000)
            current = self.store.get(until_key)
            # Raise the stored time to ``until`` (a counter only adds). Racing failures
            # may push it further; ``_wait`` never waits more than ``cap`` for it.
            self.store.incr(until_key, self.forget_after, amount=max(0, until - current))
        return failures

    def _clear(self, key: str) -> None:
        for stored in self._keys(key):
            self.store.clear(stored)

    async def _run(self, call: Callable[[str], T], key: str) -> T:
        return call(key) if self.in_process else await asyncio.to_thread(call, key)


@dataclass(frozen=True)
class SignInThrottle:
    """Delays after failed sign-ins per (account, address) and per address, and an
    alarm per account; see the module docstring. ``kind`` is ``officer``, ``resident``
    or ``client``; ``account`` the email address or client id as given."""

    pairs: Backoff
    addresses: Backoff
    #: Counts an account's failures from every address; its delays are never used.
    accounts: Backoff
    #: Failures of one account that raise the alarm (and each multiple of it again).
    alarm_after: int = 20

    async def check(self, kind: str, account: str, address: str) -> None:
        await self.pairs.check(_pair(kind, account, address))
        await self.addresses.check(address)

    async def failed(self, kind: str, account: str, address: str) -> None:
        await self.pairs.failed(_pair(kind, account, address))
        await self.addresses.failed(address)
        failures = await self.accounts.failed(_account(kind, account))
        if failures % self.alarm_after == 0:
            SIGN_IN_ALARMS.labels(kind).inc()
            _log.warning(
                "sign_in_failures_across_addresses",
                kind=kind,
                account=_digest(_account(kind, account)),  # never the email itself
                failures=failures,
            )

    async def succeeded(self, kind: str, account: str, address: str) -> None:
        await self.pairs.succeeded(_pair(kind, account, address))

    async def check_address(self, address: str) -> None:
        """Before a credential that names no account (a code, a refresh token)."""
        await self.addresses.check(address)

    async def failed_from(self, address: str) -> None:
        """A failure that names no account: it counts against the address alone."""
        await self.addresses.failed(address)


def _account(kind: str, account: str) -> str:
    return f"{kind}:{account.strip().lower()}"


def _pair(kind: str, account: str, address: str) -> str:
    return f"{_account(kind, account)}@{address}"


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]
