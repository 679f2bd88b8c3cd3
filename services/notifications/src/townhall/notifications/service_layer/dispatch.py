"""Sending what is due, never twice.

One batch at a time:

1. claim what is due in one transaction (``sending``, with a lease), so a second
   dispatcher, or this one after a crash, leaves it alone until the lease runs out;
2. open what each says with the resident's key; a notification claimed before (its
   lease ran out) is first looked up at the provider by its reference
   (``Sender.find``): if the provider has it, that is recorded, not sent again;
3. choose channel and language for each, reading preferences and contacts in one
   session; a non-urgent text in quiet hours waits for the morning;
4. ask the sender, with no transaction open, a few at a time;
5. record every outcome and its event in one transaction, each only while its claim
   still holds (a receipt may have overtaken the sender's answer).

If the process dies before step 5, the claims run out and step 2 finds what went.
Passing failures wait and are tried again with backoff; refusals are never retried.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import structlog

from townhall.notifications import metrics
from townhall.notifications.domain import commands
from townhall.notifications.domain.channels import choose_channel, send_after
from townhall.notifications.domain.contacts import destination, reach
from townhall.notifications.domain.model import MAX_ATTEMPTS, Notification
from townhall.notifications.domain.rules import RuleBook
from townhall.notifications.service_layer.senders import (
    Message,
    Sender,
    SendFailedError,
    SendRefusedError,
)
from townhall.notifications.service_layer.unit_of_work import UnitOfWork
from townhall.runtime.clock import Clock
from townhall.runtime.crypto import open_sealed
from townhall.runtime.data_keys import DataKeys, DataKeyUnavailableError, resident_context

log = structlog.get_logger(__name__)
LEASE = timedelta(minutes=5)
#: Messages handed to the sender at once (Notify's client calls run in threads).
CONCURRENCY = 8


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


@dataclass(frozen=True)
class Route:
    channel: str
    to: str | list[str]
    language: str


@dataclass
class _Pending:
    notification: Notification
    key: bytes
    payload: dict[str, Any]
    route: Route | None = None


async def dispatch_due(
    cmd: commands.DispatchDue,
    uow: UnitOfWork,
    *,
    sender: Sender,
    rulebook: RuleBook,
    data_keys: DataKeys,
    clock: Clock,
    uow_factory: Callable[[], UnitOfWork],
) -> int:
    """Send what is due; how many went."""
    async with uow:
        due = await uow.notifications.due(clock(), cmd.limit)
        for notification in due:
            notification.claim(clock(), LEASE)
            await uow.notifications.save(notification)
        await uow.commit()
    claims = {n.id: n.attempts for n in due}
    pending = [p for n in due if (p := await _open(n, sender, rulebook, data_keys, clock))]
    async with uow_factory() as reading:
        for each in pending:
            each.route = await _route(each, reading, rulebook, clock())
    gate = asyncio.Semaphore(CONCURRENCY)

    async def send(each: _Pending) -> None:
        async with gate:
            await _send(each, sender, rulebook, clock)

    await asyncio.gather(*(send(p) for p in pending if p.route is not None))
    return await _settle(due, claims, uow_factory)


async def _settle(
    due: list[Notification], claims: dict[UUID, int], uow_factory: Callable[[], UnitOfWork]
) -> int:
    """Record every outcome and its event in one transaction, each only while its claim
    still holds; how many were sent."""
    sent = 0
    async with uow_factory() as work:
        for notification in due:
            if await work.notifications.settle(notification, claims[notification.id]):
                work.notifications.seen.append(notification)
                sent += notification.status == "sent"
        await work.commit()
    return sent


async def _open(
    n: Notification, sender: Sender, rulebook: RuleBook, keys: DataKeys, clock: Clock
) -> _Pending | None:
    """What ``n`` says, ready to route; None when it is settled here (``n`` says how)."""
    if n.rule not in rulebook.names:  # the council removed the rule meanwhile
        n.cancel()
        metrics.SKIPPED.labels("rule_removed").inc()
        return None
    if n.attempts > 1 and (found := await sender.find(str(n.id))) is not None:
        n.sent(found.channel, found.provider_id)  # it went before the crash: record it
        return None
    try:
        key = await keys.get(n.resident_id)
    except DataKeyUnavailableError:
        n.wait(clock() + backoff(n.attempts))
        return None
    if key is None or n.sealed is None:
        n.cancel()
        metrics.SKIPPED.labels("no_data_key").inc()
        return None
    payload = open_sealed(n.sealed, key, context=resident_context(n.resident_id))
    return _Pending(n, key, payload)


async def _route(
    pending: _Pending, uow: UnitOfWork, rulebook: RuleBook, now: datetime
) -> Route | None:
    """Where and in which language, or None (then the notification says why)."""
    n, payload = pending.notification, pending.payload
    rule = rulebook.rule(n.rule)
    prefs = await uow.preferences.get(n.resident_id)
    held = await uow.contacts.get(n.resident_id)
    context = resident_context(n.resident_id)
    known = open_sealed(held, pending.key, context=context) if held else {}
    language = (prefs.language if prefs else None) or known.get("language") or "en"
    if rule.recipient == "destination":  # where (and how) the event says: a code
        said = str(payload.get("language") or language)
        route = Route(str(payload["channel"]), str(payload["to"]), said)
    elif not rule.essential and prefs is not None and not prefs.non_essential:
        n.cancel()
        metrics.SKIPPED.labels("opted_out").inc()
        return None
    elif channel := choose_channel(rule.channels, prefs.channels if prefs else (), reach(known)):
        route = Route(channel, destination(known, channel), language)
    else:
        _unreachable(n, now)
        return None
    after = send_after(now, route.channel, urgent=rule.urgent)
    if after > now:
        n.wait(after, route.channel)
        n.attempts -= 1  # waiting for the morning is not a failed try
        return None
    return route


def _unreachable(n: Notification, now: datetime) -> None:
    if n.attempts >= MAX_ATTEMPTS:
        n.fail("unreachable", "none")
        metrics.FAILED.labels("unreachable").inc()
    else:  # identity's events may not have arrived yet
        n.wait(now + backoff(n.attempts))


async def _send(pending: _Pending, sender: Sender, rulebook: RuleBook, clock: Clock) -> None:
    n, route, personalisation = (
        pending.notification,
        pending.route,
        pending.payload["personalisation"],
    )
    assert route is not None
    template = rulebook.template(rulebook.rule(n.rule).template)
    message = Message(
        str(n.id), n.resident_id, route.channel, route.language, template, route.to, personalisation
    )
    try:
        provider_id = await sender.send(message)
    except SendRefusedError as exc:
        log.warning("notification_refused", notification_id=str(n.id), error=str(exc))
        metrics.FAILED.labels("rejected").inc()
        n.fail("rejected", route.channel)
        return
    except SendFailedError as exc:
        log.warning("notification_send_failed", notification_id=str(n.id), error=str(exc))
        if n.attempts >= MAX_ATTEMPTS:
            metrics.FAILED.labels("technical-failure").inc()
            n.fail("technical-failure", route.channel)
        else:
            n.wait(clock() + backoff(n.attempts), route.channel)
        return
    metrics.SENT.labels(route.channel).inc()
    n.sent(route.channel, provider_id)
