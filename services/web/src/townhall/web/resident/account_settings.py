"""My account's choices: which council services may see a summary of the resident's
history from other services (consent, kept and audited by identity), their language
(identity's preferred language, which the pages switch to as well), and how the
council contacts them (notifications' preferences).

A choice that is not offered, or a form without its CSRF token, changes nothing.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from townhall.web.forms import Checked
from townhall.web.i18n import LANGUAGES, N_
from townhall.web.officer.dependencies import ClientAddress, Form, FormLists, WorkspaceDep
from townhall.web.officer.workspace import Workspace
from townhall.web.resident.account_api import AccountApi
from townhall.web.resident.account_session import AccountSession, as_resident
from townhall.web.sessions import Session

router = APIRouter(prefix="/account", include_in_schema=False)
#: The services a resident may share their history with (identity's consent domains);
#: ``*``: every one.
SHAREABLE = {
    "*": N_("Every council service"),
    "waste": N_("Bins and recycling"),
    "street_cleaning": N_("Street cleaning"),
    "pest_control": N_("Pest control"),
    "environmental_health": N_("Environmental health"),
    "housing": N_("Housing"),
    "council_tax": N_("Council Tax"),
    "parking": N_("Parking"),
    "social_care": N_("Social care"),
}
NOT_OFFERED = N_("Choose from the services listed")
CONSENTS_SAVED = N_("Your choices about sharing have been saved.")
CHOOSE_LANGUAGE = N_("Choose English or Welsh")
PREFERENCES_SAVED = N_("Your preferences have been saved.")


def _redirect(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


def _consents_page(
    request: Request,
    workspace: WorkspaceDep,
    session: AccountSession,
    chosen: list[str],
    form: Checked | None = None,
) -> Response:
    context: dict[str, Any] = {
        "shareable": SHAREABLE,
        "chosen": chosen,
        "form": form,
        "errors": form.errors if form else [],
    }
    status = 400 if form and not form.ok else 200
    return workspace.pages.render(
        request, session, "resident/account/consents.html", context, status_code=status
    )


@router.get("/consents")
async def consents_page(
    request: Request, workspace: WorkspaceDep, session: AccountSession, client: ClientAddress
) -> Response:
    api, resident = AccountApi.of(workspace), str(session.resident)
    current = await as_resident(workspace, session, client, lambda t: api.consents(t, resident))
    return _consents_page(request, workspace, session, current)


@router.post("/consents")
async def change_consents(
    request: Request,
    workspace: WorkspaceDep,
    session: AccountSession,
    client: ClientAddress,
    lists: FormLists,
) -> Response:
    """Grant what is newly ticked and withdraw what is no longer, one change each at
    identity (each recorded as an event); consents to services not listed here stay."""
    wanted = lists.get("share", [])
    if any(domain not in SHAREABLE for domain in wanted):
        checked = Checked({})
        checked.error("share", NOT_OFFERED)
        offered = [domain for domain in wanted if domain in SHAREABLE]
        return _consents_page(request, workspace, session, offered, checked)
    api, resident = AccountApi.of(workspace), str(session.resident)

    async def change(token: str) -> None:
        current = set(await api.consents(token, resident))
        for domain in SHAREABLE:
            if (domain in wanted) != (domain in current):
                await api.set_consent(token, resident, domain, granted=domain in wanted)

    await as_resident(workspace, session, client, change)
    session.flash = CONSENTS_SAVED
    return _redirect("/account/consents")


CHANNELS = {"email": N_("Email"), "sms": N_("Text message"), "letter": N_("Letter")}
CHOOSE_CHANNEL = N_("Choose how we should contact you first")
CHOOSE_NON_ESSENTIAL = N_("Choose whether we may send you messages that are not essential")


def _contacts(record: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {"kind": p.get("kind"), "value": p.get("value"), "verified": bool(p.get("verified"))}
        for p in record.get("contact_points", [])
    ]


async def _preferences_context(
    workspace: Workspace, session: Session, client: str
) -> dict[str, Any]:
    """The record's language and contact details, and notifications' preferences (None
    when notifications is not there: the page then offers the language only)."""
    api, resident = AccountApi.of(workspace), str(session.resident)

    async def read(token: str) -> tuple[dict[str, Any], dict[str, Any] | None]:
        return await api.record(token, resident), await api.contact_preferences(token, resident)

    record, contact = await as_resident(workspace, session, client, read)
    channels = (contact or {}).get("channels") or []
    return {
        "languages": LANGUAGES,
        "channels": CHANNELS,
        "preferred": record.get("preferred_language") or session.language,
        "contacts": _contacts(record),
        "contact": None
        if contact is None
        else {
            "channel": channels[0] if channels else "",
            "non_essential": "yes" if contact.get("non_essential", True) else "no",
        },
    }


def _check_preferences(form: dict[str, str], with_contact: bool) -> Checked:
    checked = Checked(
        {name: form.get(name, "") for name in ("language", "channel", "non_essential")}
    )
    if checked.values["language"] not in LANGUAGES:
        checked.error("language", CHOOSE_LANGUAGE)
    if with_contact and checked.values["channel"] not in CHANNELS:
        checked.error("channel", CHOOSE_CHANNEL)
    if with_contact and checked.values["non_essential"] not in ("yes", "no"):
        checked.error("non_essential", CHOOSE_NON_ESSENTIAL)
    return checked


@router.get("/preferences")
async def preferences_page(
    request: Request, workspace: WorkspaceDep, session: AccountSession, client: ClientAddress
) -> Response:
    context = await _preferences_context(workspace, session, client)
    return workspace.pages.render(request, session, "resident/account/preferences.html", context)


@router.post("/preferences")
async def change_preferences(
    request: Request,
    workspace: WorkspaceDep,
    session: AccountSession,
    client: ClientAddress,
    form: Form,
) -> Response:
    """The language identity keeps for the resident (what the council writes to them
    in, and what these pages use from now on) and, when notifications is there, how
    it contacts them first and whether it sends non-essential messages."""
    context = await _preferences_context(workspace, session, client)
    checked = _check_preferences(form, with_contact=context["contact"] is not None)
    if not checked.ok:
        context |= {"form": checked, "errors": checked.errors}
        return workspace.pages.render(
            request, session, "resident/account/preferences.html", context, status_code=400
        )
    api, resident, chosen = AccountApi.of(workspace), str(session.resident), checked.values

    async def save(token: str) -> None:
        await api.set_language(token, resident, chosen["language"])
        if context["contact"] is not None:
            wanted = chosen["non_essential"] == "yes"
            await api.set_contact_preferences(token, resident, chosen["channel"], wanted)

    await as_resident(workspace, session, client, save)
    session.language = chosen["language"]
    session.flash = PREFERENCES_SAVED
    return _redirect("/account/preferences")
