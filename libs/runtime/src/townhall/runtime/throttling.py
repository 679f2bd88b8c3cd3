"""Rate limits for HTTP routes (the ``limits`` library), counted in Prometheus.

A :class:`RateLimit` is one rule, e.g. 30 look-ups a minute, counted per key over a
moving window; :meth:`RateLimit.hit` records a hit or, over the limit, raises
:class:`~townhall.runtime.problems.TooManyRequests` (a 429 problem with
``Retry-After``) and counts the refusal in ``townhall_throttled_total{rule}``. The
storage is a URI: ``memory://`` (one process) or a shared store such as ``redis://``
when the service runs as several replicas.

:func:`rate_limited` turns one into a FastAPI dependency. Look-ups per officer, in a
service's ``dependencies.py``::

    LOOKUPS = RateLimit("resident-search", "30/minute")

    def per_officer(request: Request, officer: Principal | None) -> str:
        return officer.subject if officer else client_address(request)

    SearchAllowance = Depends(rate_limited(LOOKUPS, per_officer))

    @router.get("/residents/search", dependencies=[SearchAllowance])
    async def search(viewer: CurrentPrincipal, ...) -> ...: ...

The principal is the route's own (FastAPI resolves ``authenticated`` once a request),
so the token is verified before the hit is counted and a request without one is a 401,
not a hit. For routes open to anyone pass ``principal=None`` and key by
:func:`townhall.runtime.web.client_address` (:func:`subject_or_address` does both).
"""

# No ``from __future__ import annotations``: FastAPI reads the dependency closures'
# ``Annotated[..., Depends(principal)]`` at run time, where ``principal`` is local.

import asyncio
import math
import time
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, Request
from limits import RateLimitItem, parse, storage, strategies

from townhall.runtime.auth import Principal, authenticated
from townhall.runtime.metrics import THROTTLED
from townhall.runtime.problems import TooManyRequests
from townhall.runtime.web import client_address

__all__ = ["KeyFunction", "RateLimit", "rate_limited", "subject_or_address"]

KeyFunction = Callable[[Request, Principal | None], str]
"""What a request is counted against: an officer, a client address, a reference."""


class RateLimit:
    """``limit`` hits (e.g. ``"30/minute"``, ``"5 per 15 minutes"``) per key, under the
    name ``rule`` (the metric's label, and the keys' namespace in a shared store)."""

    def __init__(self, rule: str, limit: str, storage_uri: str = "memory://") -> None:
        self.rule = rule
        self.item: RateLimitItem = parse(limit)
        self.limiter = strategies.MovingWindowRateLimiter(storage.storage_from_string(storage_uri))
        #: A network store blocks while it answers: the dependency calls it in a thread.
        self.in_process = storage_uri.startswith("memory://")

    def hit(self, key: str) -> None:
        """Count one hit for ``key``; raise TooManyRequests if it is over the limit."""
        if self.limiter.hit(self.item, self.rule, key):
            return
        THROTTLED.labels(self.rule).inc()
        retry_after = self.retry_after(key)
        raise TooManyRequests(
            f"Too many requests: try again in {retry_after} seconds.", retry_after=retry_after
        )

    def retry_after(self, key: str) -> int:
        """Seconds until ``key`` may be counted again (at least 1)."""
        reset, _ = self.limiter.get_window_stats(self.item, self.rule, key)
        return max(1, math.ceil(reset - time.time()))

    def clear(self, key: str) -> None:
        """Forget ``key``'s hits."""
        self.limiter.clear(self.item, self.rule, key)

    async def ahit(self, key: str) -> None:
        """:meth:`hit` without blocking the event loop on a network store."""
        if self.in_process:
            self.hit(key)
        else:
            await asyncio.to_thread(self.hit, key)


def subject_or_address(request: Request, principal: Principal | None) -> str:
    """The principal's subject, or the client's address when nobody is signed in."""
    if principal is not None:
        return f"{principal.kind}:{principal.subject}"
    return f"address:{client_address(request)}"


def rate_limited(
    limit: RateLimit,
    key: KeyFunction = subject_or_address,
    *,
    principal: Callable[..., Any] | None = authenticated,
) -> Callable[..., Awaitable[None]]:
    """A dependency that counts each request against ``limit`` under ``key(request,
    principal)`` and refuses it with 429 over the limit.

    ``principal`` is the dependency that authenticates the route (default: the bearer
    token's principal); ``None`` for routes anyone may call, and ``key`` gets None.
    """
    if principal is None:

        async def anonymous_allowance(request: Request) -> None:
            await limit.ahit(key(request, None))

        return anonymous_allowance

    async def allowance(request: Request, caller: Annotated[Principal, Depends(principal)]) -> None:
        await limit.ahit(key(request, caller))

    return allowance
