"""Rate limits with lockout for logins and one-time codes (the ``limits`` library).

A moving window counts *failures* per key (e.g. ``officer:<email>``); once the limit
is reached every attempt is refused, right or wrong, until the window moves on. The
storage is a URI: ``memory://`` (one process, the embedded default) or a shared store
such as ``redis://`` when identity runs as several replicas.
"""

from __future__ import annotations

import time

from limits import RateLimitItem, parse, storage, strategies

from townhall.identity.domain.exceptions import TooManyAttemptsError


class Throttle:
    def __init__(self, storage_uri: str = "memory://", limit: str = "5/15 minutes"):
        self.limiter = strategies.MovingWindowRateLimiter(storage.storage_from_string(storage_uri))
        self.item: RateLimitItem = parse(limit)

    def check(self, key: str) -> None:
        """Raise TooManyAttemptsError while ``key`` is locked out."""
        if not self.limiter.test(self.item, key):
            reset, _ = self.limiter.get_window_stats(self.item, key)
            raise TooManyAttemptsError(max(1, int(reset - time.time())))

    def failed(self, key: str) -> None:
        self.limiter.hit(self.item, key)

    def succeeded(self, key: str) -> None:
        self.limiter.clear(self.item, key)
