"""Raising a request on a resident's behalf (assisted digital): choose the service, then
its form, generated from the catalogue's JSON Schema, with how the resident got in touch."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from townhall.runtime.normal_forms import postcode_ending
from townhall.web import schema_form
from townhall.web.forms import Checked
from townhall.web.i18n import N_
from townhall.web.officer.dependencies import (
    ClientAddress,
    Form,
    FormLists,
    OfficerSession,
    WorkspaceDep,
)
from townhall.web.officer.labels import CONTACT_CHANNELS
from townhall.web.officer.residents import resident_id_of
from townhall.web.officer.workspace import Workspace
from townhall.web.sessions import Session
from townhall.web.upstream import InvalidError, RefusedError

router = APIRouter(prefix="/officer/residents", include_in_schema=False)
RAISED = N_("Request %(reference)s has been raised.")
NOT_YOURS = N_("Your role does not let you raise requests")
NOT_ACCEPTED = N_("The request was not accepted. Check the answers and try again.")


async def _service_type(
    workspace: Workspace, session: Session, client: str, code: str
) -> dict[str, Any]:
    return await workspace.call(
        session,
        client,
        lambda token: workspace.cases.service_type(token, code, session.language),
    )


@router.get("/{resident_id}/request")
async def request_page(
    request: Request,
    resident_id: str,
    workspace: WorkspaceDep,
    session: OfficerSession,
    client: ClientAddress,
    service: str | None = None,
) -> Response:
    """Without ``service``: which service; with it, that service's form."""
    resident = resident_id_of(resident_id)
    if not service:
        types = await workspace.call(
            session, client, lambda token: workspace.cases.service_types(token, session.language)
        )
        context = {"resident_id": resident, "service_types": types}
        return workspace.pages.render(request, session, "officer/request_choose.html", context)
    chosen = await _service_type(workspace, session, client, service)
    return _form_page(request, workspace, session, resident, chosen, None)


def _form_page(
    request: Request,
    workspace: Workspace,
    session: Session,
    resident: str,
    service_type: dict[str, Any],
    checked: Checked | None,
) -> Response:
    context: dict[str, Any] = {
        "resident_id": resident,
        "service_type": service_type,
        "fields": schema_form.fields(service_type.get("form", {})),
        "channels": CONTACT_CHANNELS,
    }
    if checked is not None:
        context |= {"form": checked, "errors": checked.errors}
    status = 200 if checked is None else 400
    return workspace.pages.render(
        request, session, "officer/request_form.html", context, status_code=status
    )


def _check_common(checked: Checked, form: dict[str, str], location_required: bool) -> None:
    for name in ("channel", "description", "address"):
        checked.values[name] = str(form.get(name, "")).strip()
    if checked.values["channel"] not in CONTACT_CHANNELS:
        checked.error("channel", N_("Select how they got in touch"))
    if len(checked.values["description"]) > 4000:
        checked.error("description", N_("The description must be 4000 characters or fewer"))
    if location_required and not checked.values["address"]:
        checked.error("address", N_("Enter where it is"))
    elif len(checked.values["address"]) > 500:
        checked.error("address", N_("The address must be 500 characters or fewer"))


@router.post("/{resident_id}/request")
async def raise_request(
    request: Request,
    resident_id: str,
    workspace: WorkspaceDep,
    session: OfficerSession,
    client: ClientAddress,
    form: Form,
    lists: FormLists,
) -> Response:
    resident = resident_id_of(resident_id)
    service_type = await _service_type(workspace, session, client, form.get("service", ""))
    generated = schema_form.fields(service_type.get("form", {}))
    details, checked = schema_form.read(generated, form, lists)
    _check_common(checked, form, bool(service_type.get("location_required")))
    if checked.ok:
        case: dict[str, Any] = {
            "service_code": service_type["code"],
            "details": details,
            "description": checked.values["description"],
            "channel": checked.values["channel"],
            "resident_id": resident,
        }
        if checked.values["address"]:
            address = checked.values["address"]
            found = postcode_ending(address)  # cases keeps it: booking need not ask it
            case["location"] = {"address": address} | ({"postcode": found} if found else {})
        try:
            reference = await workspace.call(
                session, client, lambda token: workspace.cases.submit(token, case)
            )
        except RefusedError:
            checked.error("channel", NOT_YOURS)
        except InvalidError:
            checked.error("channel", NOT_ACCEPTED)
        else:
            session.flash, session.flash_args = RAISED, {"reference": reference}
            return RedirectResponse(f"/officer/residents/{resident}", status_code=303)
    return _form_page(request, workspace, session, resident, service_type, checked)
