"""Logging a phone call or a visit against a resident (assisted digital), with whether
the caller was chasing something: the council's measure of failure demand."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from townhall.web import forms
from townhall.web.i18n import N_
from townhall.web.officer.dependencies import ClientAddress, Form, OfficerSession, WorkspaceDep
from townhall.web.officer.labels import CONTACT_CHANNELS, CONTACT_OUTCOMES, CONTACT_REASONS
from townhall.web.officer.residents import resident_id_of
from townhall.web.upstream import InvalidError, NotFoundError, RefusedError

router = APIRouter(prefix="/officer/residents", include_in_schema=False)
LOGGED = N_("The contact has been logged.")
NOT_YOURS = N_("Your role does not let you log contacts")
NO_SUCH_CASE = N_("There is no request with that reference for this resident")


def _context(resident: str, checked: forms.Checked | None) -> dict[str, Any]:
    context: dict[str, Any] = {
        "resident_id": resident,
        "channels": CONTACT_CHANNELS,
        "reasons": CONTACT_REASONS,
        "outcomes": CONTACT_OUTCOMES,
    }
    if checked is not None:
        context |= {"form": checked, "errors": checked.errors}
    return context


@router.get("/{resident_id}/contact")
async def contact_page(
    request: Request, resident_id: str, workspace: WorkspaceDep, session: OfficerSession
) -> Response:
    resident = resident_id_of(resident_id)
    return workspace.pages.render(
        request, session, "officer/contact.html", _context(resident, None)
    )


@router.post("/{resident_id}/contact")
async def log_contact(
    request: Request,
    resident_id: str,
    workspace: WorkspaceDep,
    session: OfficerSession,
    client: ClientAddress,
    form: Form,
) -> Response:
    resident = resident_id_of(resident_id)
    checked = forms.contact(form, CONTACT_CHANNELS, CONTACT_REASONS, CONTACT_OUTCOMES)
    if checked.ok:
        v = checked.values
        body = {
            "resident_id": resident,
            "channel": v["channel"],
            "reason": v["reason"],
            "outcome": v["outcome"],
            "duration_seconds": int(v["minutes"]) * 60,
            **({"case_reference": v["case"].upper()} if v["case"] else {}),
        }
        try:
            await workspace.call(
                session, client, lambda token: workspace.cases.log_contact(token, body)
            )
        except RefusedError:
            checked.error("channel", NOT_YOURS)
        except (NotFoundError, InvalidError):
            checked.error("case", NO_SUCH_CASE)
        else:
            session.flash = LOGGED
            return RedirectResponse(f"/officer/residents/{resident}", status_code=303)
    return workspace.pages.render(
        request, session, "officer/contact.html", _context(resident, checked), status_code=400
    )
