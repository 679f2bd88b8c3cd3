"""Preferences, delivery receipts and the development mailbox: thin routes."""

from __future__ import annotations

import html

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse

from townhall.notifications.adapters.mailbox import MailboxRepository
from townhall.notifications.domain import commands
from townhall.notifications.entrypoints.api.access_table import ACCESS
from townhall.notifications.entrypoints.api.dependencies import (
    Bus,
    ChangesPreferences,
    Context,
    FromNotify,
    OnThisMachine,
    ReadsPreferences,
    Session,
)
from townhall.notifications.entrypoints.api.schemas import PreferencesIn, PreferencesOut, Receipt
from townhall.notifications.views import preferences_of
from townhall.runtime.openapi import problems

router = APIRouter()
_CHANNEL = {"email": "Email", "sms": "Text message", "letter": "Letter"}


@router.get(
    "/residents/{resident_id}/preferences",
    responses=problems(401, 403, 422),
)
async def read_preferences(resident_id: ReadsPreferences, session: Session) -> PreferencesOut:
    return PreferencesOut.model_validate(await preferences_of(session, resident_id))


@router.put(
    "/residents/{resident_id}/preferences",
    responses=problems(401, 403, 422),
)
async def change_preferences(
    resident_id: ChangesPreferences, body: PreferencesIn, bus: Bus, context: Context
) -> PreferencesOut:
    command = commands.SetPreferences(
        resident_id, tuple(body.channels), body.language, body.non_essential
    )
    await bus.handle(command, context)
    return PreferencesOut(resident_id=resident_id, **body.model_dump())


@router.post(
    "/notify/receipts",
    status_code=204,
    responses=problems(401, 404, 422),
)
async def delivery_receipt(
    receipt: Receipt, _notify: FromNotify, bus: Bus, context: Context
) -> None:
    """GOV.UK Notify's callback: ``reference`` is the notification's id."""
    command = commands.RecordReceipt(
        receipt.reference, receipt.status, receipt.notification_type, receipt.id
    )
    await bus.handle(command, context)


@router.get(
    "/dev/mailbox",
    response_class=HTMLResponse,
    include_in_schema=False,
    dependencies=[Depends(ACCESS.require("dev.mailbox"))],
)
async def mailbox_page(_local: OnThisMachine, session: Session) -> HTMLResponse:
    """Each message as the resident gets it: an email, a text, a letter as a page."""
    items = []
    for m in await MailboxRepository(session).messages():
        to = html.escape(m["to"]).replace("\n", "<br>")
        subject = f"<h3>{html.escape(m['subject'])}</h3>" if m["subject"] else ""
        items.append(
            f'<article class="{m["channel"]}"><p><strong>{_CHANNEL[m["channel"]]}</strong> '
            f"to {to} · {m['sent_at']:%Y-%m-%d %H:%M} · {html.escape(m['reference'])}</p>"
            f"{subject}<pre>{html.escape(m['body'])}</pre></article>"
        )
    body = "".join(items) or "<p>No messages yet.</p>"
    title = "<title>Development mailbox</title><h1>Development mailbox</h1>"
    page = f'<!doctype html><html lang="en">{title}{body}</html>'
    return HTMLResponse(page)


@router.get(
    "/dev/mailbox/messages",
    include_in_schema=False,
    dependencies=[Depends(ACCESS.require("dev.mailbox"))],
)
async def mailbox_messages(_local: OnThisMachine, session: Session) -> dict[str, object]:
    return {"messages": await MailboxRepository(session).messages()}
