"""The composition root: everything the notifications service runs is built here, once.

``bootstrap(settings, uow=FakeUnitOfWork..., sender=..., data_keys=..., clock=...)``
runs the real handlers with fakes. A bad rule or template file stops it here, naming
the file and the field.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import structlog

from townhall.notifications.adapters.mailbox import DevMailbox
from townhall.notifications.adapters.notify import NotifySender, check_notify_ids
from townhall.notifications.adapters.rulebook import BUNDLED, load_rulebook
from townhall.notifications.config import NotificationsSettings
from townhall.notifications.domain import commands
from townhall.notifications.domain.rules import RuleBook
from townhall.notifications.entrypoints.consumer import Decisions
from townhall.notifications.entrypoints.dispatcher import Dispatcher
from townhall.notifications.service_layer import dispatch, handlers
from townhall.notifications.service_layer.senders import Sender
from townhall.notifications.service_layer.unit_of_work import Bus, UnitOfWork
from townhall.runtime.clock import Clock, utc_now
from townhall.runtime.data_keys import DataKeys, NoDataKeys, data_keys
from townhall.runtime.service import ServiceRuntime

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
log = structlog.get_logger(__name__)

COMMANDS: dict[type, Callable[..., Awaitable[Any]]] = {
    commands.NotifyAbout: handlers.notify_about,
    commands.LearnContacts: handlers.learn_contacts,
    commands.EraseResident: handlers.erase_resident,
    commands.SetPreferences: handlers.set_preferences,
    commands.RecordReceipt: handlers.record_receipt,
    commands.DispatchDue: dispatch.dispatch_due,
}


class NotifyNotConfiguredError(RuntimeError):
    """SENDER=notify without NOTIFY_API_KEY."""


@dataclass(frozen=True)
class Notifications:
    """What one notifications process runs; the API reads it through typed dependencies."""

    settings: NotificationsSettings
    rulebook: RuleBook
    runtime: ServiceRuntime
    bus: Bus
    sender: Sender
    dispatcher: Dispatcher
    data_keys: DataKeys
    clock: Clock

    @contextlib.asynccontextmanager
    async def background(self) -> AsyncIterator[None]:
        await self.dispatcher.start()
        try:
            yield
        finally:
            await self.dispatcher.stop()
            await self.data_keys.aclose()


def make_sender(
    settings: NotificationsSettings, runtime: ServiceRuntime, rulebook: RuleBook, clock: Clock
) -> Sender:
    if settings.sender == "mailbox":
        if not settings.development:
            log.warning("development_mailbox_outside_development", sender=settings.sender)
        return DevMailbox(runtime.sessions, clock)
    if settings.notify_api_key is None:
        raise NotifyNotConfiguredError("SENDER=notify needs NOTIFY_API_KEY")
    check_notify_ids(rulebook)
    return NotifySender(
        settings.notify_api_key.get_secret_value(),
        settings.notify_base_url,
        per_minute=settings.notify_per_minute,
    )


def bootstrap(
    settings: NotificationsSettings | None = None,
    *,
    rulebook: RuleBook | None = None,
    uow: Callable[[], UnitOfWork] | None = None,
    sender: Sender | None = None,
    data_keys: DataKeys | None = None,
    clock: Clock = utc_now,
    identity_transport: httpx.AsyncBaseTransport | None = None,
) -> Notifications:
    settings = settings or NotificationsSettings()
    rulebook = rulebook or load_rulebook(settings.rules_dir or BUNDLED)
    runtime = ServiceRuntime(settings, migrations=MIGRATIONS)
    outbox = runtime.outbox
    assert outbox is not None
    keys = data_keys or _data_keys(settings, identity_transport)
    sender = sender or make_sender(settings, runtime, rulebook, clock)

    def unit_of_work() -> UnitOfWork:
        return UnitOfWork(runtime.sessions, outbox, clock=clock)

    factory = uow or unit_of_work
    dependencies = {
        "rulebook": rulebook,
        "data_keys": keys,
        "clock": clock,
        "sender": sender,
        "uow_factory": factory,
    }
    bus = Bus(factory, commands=COMMANDS, dependencies=dependencies)
    if settings.consumers_enabled:
        runtime.add(runtime.make_consumer(Decisions(bus, rulebook).spec()))
    dispatcher = Dispatcher(bus, settings.dispatch_interval_s, settings.dispatch_batch)
    return Notifications(settings, rulebook, runtime, bus, sender, dispatcher, keys, clock)


def _data_keys(
    settings: NotificationsSettings, transport: httpx.AsyncBaseTransport | None
) -> DataKeys:
    """Residents' keys from identity, to seal what waits to be sent and open what
    identity and cases sealed. Unconfigured, nobody's key is known: every event is
    skipped (logged and counted as ``no_data_key``) rather than holding the consumer
    up; nothing can be sent without opening what identity sealed anyway."""
    keys = data_keys(
        settings.identity_url,
        settings.identity_client_id,
        settings.identity_client_secret,
        timeout_s=settings.identity_timeout_s,
        cache_size=settings.data_key_cache_size,
        cache_ttl_s=settings.data_key_cache_ttl_s,
        transport=transport,
        unconfigured=NoDataKeys,
    )
    if isinstance(keys, NoDataKeys):
        log.warning("notifications_not_sent", reason="IDENTITY_URL or IDENTITY_CLIENT_SECRET unset")
    return keys
