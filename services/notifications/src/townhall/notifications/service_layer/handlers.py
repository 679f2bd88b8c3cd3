"""Deciding what to send, learning how to reach residents, receipts and preferences.

Each event a rule names becomes one notification per rule and recipient, recorded in
the consumer's transaction: a repeat of the event finds the row there and adds nothing
(:meth:`NotificationRepository.add`). What the message will say is sealed under the
resident's key at once; a resident without a key (erased) is skipped, logged and
counted, never sent to.
"""

from __future__ import annotations

import uuid
from typing import Any
from uuid import UUID

import structlog

from townhall.notifications import metrics
from townhall.notifications.domain import commands
from townhall.notifications.domain.contacts import learn
from townhall.notifications.domain.exceptions import UnknownNotificationError
from townhall.notifications.domain.model import Notification, Preferences
from townhall.notifications.domain.rules import LANGUAGES, Rule, RuleBook
from townhall.notifications.service_layer import fields
from townhall.notifications.service_layer.unit_of_work import UnitOfWork
from townhall.runtime.clock import Clock
from townhall.runtime.crypto import open_sealed, seal
from townhall.runtime.data_keys import DataKeys, resident_context

log = structlog.get_logger(__name__)


def _skip(reason: str, **details: Any) -> None:
    metrics.SKIPPED.labels(reason).inc()
    log.info("notification_skipped", reason=reason, **details)


async def notify_about(
    cmd: commands.NotifyAbout,
    uow: UnitOfWork,
    *,
    rulebook: RuleBook,
    data_keys: DataKeys,
    clock: Clock,
) -> int:
    """Record the notifications ``cmd``'s event asks for; how many were new."""
    service_names = await _service_names(cmd, uow)
    rules = rulebook.for_event(cmd.event_type)
    raw_resident = cmd.data.get("resident_id")
    if not rules or raw_resident is None:
        if rules:
            _skip("no_resident", event_type=cmd.event_type, event_id=cmd.event_id)
        return 0
    resident_id = UUID(str(raw_resident))
    key = await data_keys.get(resident_id)
    if key is None:
        _skip("no_data_key", event_type=cmd.event_type, event_id=cmd.event_id)
        return 0
    context = resident_context(resident_id)
    opened: dict[str, Any] = {}
    if isinstance(cmd.data.get("personal_data"), str):
        opened = open_sealed(cmd.data["personal_data"], key, context=context)
    added = 0
    async with uow:
        for rule in rules:
            payload = _payload(cmd, rule, rulebook, opened, service_names)
            sealed = seal(payload, key, context=context)
            if await uow.notifications.add(_notification(cmd, rule, resident_id, sealed, clock)):
                added += 1
            else:
                _skip("duplicate", rule=rule.name, event_id=cmd.event_id)
        await uow.commit()
    return added


async def _service_names(cmd: commands.NotifyAbout, uow: UnitOfWork) -> dict[str, str]:
    """The event's service type's name by language: from the event when it carries them
    (cases' submitted request: kept for the events that follow, booking's and payments'
    included), else as last learnt (empty: none seen yet)."""
    code, carried = cmd.data.get("service_code"), cmd.data.get("service_names")
    if not isinstance(code, str):
        return {}
    async with uow:
        if isinstance(carried, dict) and carried:
            names = {str(k): str(v) for k, v in carried.items() if k in LANGUAGES and v}
            await uow.service_names.learn(code, names)
            await uow.commit()
            return names
        return await uow.service_names.of(code)


def _payload(
    cmd: commands.NotifyAbout,
    rule: Rule,
    rulebook: RuleBook,
    opened: dict[str, Any],
    service_names: dict[str, str],
) -> dict[str, Any]:
    """What the message will say (only the fields its template names) and, for a rule
    sending where the event says, where."""
    used = rulebook.template(rule.template).fields()
    offered = fields.personalisation(cmd.event_type, cmd.data, opened, service_names)
    payload: dict[str, Any] = {"personalisation": {k: v for k, v in offered.items() if k in used}}
    if rule.recipient == "destination":
        payload["channel"], payload["to"] = cmd.data.get("channel"), opened.get("destination")
        if cmd.data.get("language") in LANGUAGES:  # the one the resident asked in
            payload["language"] = cmd.data["language"]
    return payload


def _notification(
    cmd: commands.NotifyAbout, rule: Rule, resident_id: UUID, sealed: str, clock: Clock
) -> Notification:
    return Notification(
        id=uuid.uuid4(),
        event_id=cmd.event_id,
        rule=rule.name,
        resident_id=resident_id,
        cause_type=cmd.event_type,
        domain=cmd.domain,
        sensitivity=cmd.sensitivity,
        case_reference=_case_reference(cmd),
        sealed=sealed,
        not_before=clock(),
    )


def _case_reference(cmd: commands.NotifyAbout) -> str | None:
    """The request it is about: cases' ``reference``, identity's code's ``reference``
    (the request it unlocks), or another service's ``case_reference``."""
    value = cmd.data.get("case_reference") or cmd.data.get("reference")
    return str(value)[:64] if value else None


async def learn_contacts(
    cmd: commands.LearnContacts, uow: UnitOfWork, *, data_keys: DataKeys
) -> None:
    """Keep what an identity event says about reaching the resident, sealed again."""
    key = await data_keys.get(cmd.resident_id)
    if key is None:
        _skip("no_data_key", resident_id=str(cmd.resident_id))
        return
    context = resident_context(cmd.resident_id)
    async with uow:
        held = await uow.contacts.get(cmd.resident_id)
        current = open_sealed(held, key, context=context) if held else {}
        known = learn(current, open_sealed(cmd.sealed, key, context=context))
        await uow.contacts.put(cmd.resident_id, seal(known, key, context=context))
        await uow.commit()


async def erase_resident(
    cmd: commands.EraseResident, uow: UnitOfWork, *, data_keys: DataKeys
) -> None:
    """Forget how to reach them and what was waiting to be sent; keep the bare facts."""
    data_keys.forget(cmd.resident_id)
    async with uow:
        await uow.contacts.forget(cmd.resident_id)
        await uow.preferences.forget(cmd.resident_id)
        await uow.mailbox.forget(cmd.resident_id)
        for notification in await uow.notifications.of_resident(cmd.resident_id):
            if notification.sealed is not None:
                notification.cancel()
                await uow.notifications.save(notification)
        await uow.commit()


async def set_preferences(cmd: commands.SetPreferences, uow: UnitOfWork) -> Preferences:
    prefs = Preferences(cmd.resident_id, cmd.channels, cmd.language, cmd.non_essential)
    async with uow:
        await uow.preferences.put(prefs)
        await uow.commit()
    return prefs


async def record_receipt(cmd: commands.RecordReceipt, uow: UnitOfWork) -> bool:
    """Apply a delivery receipt; False when it changed nothing (a repeat)."""
    try:
        notification_id = UUID(cmd.reference)
    except ValueError:
        raise UnknownNotificationError(cmd.reference) from None
    async with uow:
        notification = await uow.notifications.get(notification_id)
        if notification is None:
            raise UnknownNotificationError(cmd.reference)
        changed = notification.receipt(cmd.status, cmd.channel, cmd.provider_id)
        if changed:
            await uow.notifications.save(notification)
            await uow.commit()
    metrics.RECEIPTS.labels(cmd.status, "applied" if changed else "repeat").inc()
    return changed
