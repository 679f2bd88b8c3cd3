"""Sending what is due: one notification at a time, never twice.

1. Claim what is due in one transaction (``sending``, with a lease), so a second
   dispatcher, or this one after a crash, leaves it alone until the lease runs out.
2. For each: open what it says with the resident's key, choose the channel and the
   language, wait for the morning if it is a non-urgent text in quiet hours, then ask
   the sender, outside any transaction.
3. Record the outcome and its event in one transaction.

If the process dies between the provider taking the message and step 3, the claim
runs out and the notification is due again; before sending it again the dispatcher
asks the provider whether it has a message with this reference (``Sender.find``) and
records that one instead. Passing failures wait and are tried again with backoff;
refusals are never retried.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

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


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


@dataclass(frozen=True)
class Route:
    channel: str
    to: str | list[str]
    language: str


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
    sent = 0
    for notification in due:
        claimed = notification.attempts
        await _deliver(notification, uow_factory, sender, rulebook, data_keys, clock)
        async with uow_factory() as work:  # the outcome and its event, together
            if await work.notifications.settle(notification, claimed):
                work.notifications.seen.append(notification)
                sent += notification.status == "sent"
            await work.commit()
    return sent


async def _deliver(
    n: Notification,
    uow_factory: Callable[[], UnitOfWork],
    sender: Sender,
    rulebook: RuleBook,
    keys: DataKeys,
    clock: Clock,
) -> None:
    if n.rule not in rulebook.names:  # the council removed the rule meanwhile
        n.cancel()
        metrics.SKIPPED.labels("rule_removed").inc()
        return
    if n.attempts > 1 and (found := await sender.find(str(n.id))) is not None:
        n.sent(found.channel, found.provider_id)  # it went before the crash: record it
        return
    try:
        key = await keys.get(n.resident_id)
    except DataKeyUnavailableError:
        n.wait(clock() + backoff(n.attempts))
        return
    if key is None or n.sealed is None:
        n.cancel()
        metrics.SKIPPED.labels("no_data_key").inc()
        return
    payload = open_sealed(n.sealed, key, context=resident_context(n.resident_id))
    async with uow_factory() as reading:  # closed before the sender is called
        route = await _route(n, reading, rulebook, payload, key, clock())
    if route is None:
        return
    after = send_after(clock(), route.channel, urgent=rulebook.rule(n.rule).urgent)
    if after > clock():
        n.wait(after, route.channel)
        n.attempts -= 1  # waiting for the morning is not a failed try
        return
    await _send(n, sender, rulebook, route, payload["personalisation"], clock)


async def _route(
    n: Notification,
    uow: UnitOfWork,
    rulebook: RuleBook,
    payload: dict[str, Any],
    key: bytes,
    now: datetime,
) -> Route | None:
    """Where and in which language, or None (then ``n`` says why: waiting, skipped)."""
    rule = rulebook.rule(n.rule)
    prefs = await uow.preferences.get(n.resident_id)
    held = await uow.contacts.get(n.resident_id)
    known = open_sealed(held, key, context=resident_context(n.resident_id)) if held else {}
    language = (prefs.language if prefs else None) or known.get("language") or "en"
    if rule.recipient == "destination":
        return Route(str(payload["channel"]), str(payload["to"]), language)
    if not rule.essential and prefs is not None and not prefs.non_essential:
        n.cancel()
        metrics.SKIPPED.labels("opted_out").inc()
        return None
    channel = choose_channel(rule.channels, prefs.channels if prefs else (), reach(known))
    if channel is None:
        if n.attempts >= MAX_ATTEMPTS:
            n.fail("unreachable", "none")
            metrics.FAILED.labels("unreachable").inc()
        else:  # identity's events may not have arrived yet
            n.wait(now + backoff(n.attempts))
        return None
    return Route(channel, destination(known, channel), language)


async def _send(
    n: Notification,
    sender: Sender,
    rulebook: RuleBook,
    route: Route,
    personalisation: dict[str, str],
    clock: Clock,
) -> None:
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
