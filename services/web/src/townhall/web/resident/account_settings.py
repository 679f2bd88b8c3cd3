"""My account's choices: which council services may see a summary of the resident's
history from other services (consent, kept and audited by identity), and their
language (identity's preferred language, which the pages switch to as well).

A choice that is not offered, or a form without its CSRF token, changes nothing.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from townhall.web.forms import Checked
from townhall.web.i18n import LANGUAGES, N_
from townhall.web.officer.dependencies import ClientAddress, Form, FormLists, WorkspaceDep
from townhall.web.resident.account_api import AccountApi
from townhall.web.resident.account_session import AccountSession, as_resident

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
PREFERENCES_SAVED = N_("Your language has been saved.")


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


def _contacts(record: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {"kind": p.get("kind"), "value": p.get("value"), "verified": bool(p.get("verified"))}
        for p in record.get("contact_points", [])
    ]


@router.get("/preferences")
async def preferences_page(
    request: Request, workspace: WorkspaceDep, session: AccountSession, client: ClientAddress
) -> Response:
    api, resident = AccountApi.of(workspace), str(session.resident)
    record = await as_resident(workspace, session, client, lambda t: api.record(t, resident))
    context = {
        "languages": LANGUAGES,
        "preferred": record.get("preferred_language") or session.language,
        "contacts": _contacts(record),
    }
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
    in), and the one these pages use from now on."""
    api, resident = AccountApi.of(workspace), str(session.resident)
    chosen = form.get("language", "")
    if chosen not in LANGUAGES:
        checked = Checked({"language": chosen})
        checked.error("language", CHOOSE_LANGUAGE)
        record = await as_resident(workspace, session, client, lambda t: api.record(t, resident))
        context = {
            "languages": LANGUAGES,
            "preferred": None,
            "contacts": _contacts(record),
            "form": checked,
            "errors": checked.errors,
        }
        return workspace.pages.render(
            request, session, "resident/account/preferences.html", context, status_code=400
        )
    await as_resident(workspace, session, client, lambda t: api.set_language(t, resident, chosen))
    session.language = chosen
    session.flash = PREFERENCES_SAVED
    return _redirect("/account/preferences")
