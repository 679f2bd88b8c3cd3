"""Undoing a merge from a resident's page: the records identity merged into this resident
are listed there, each with "Separate"; a page asks the officer to confirm, and identity
records the unmerge as an event (resident-view and the matcher follow it)."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from townhall.web.forms import Checked
from townhall.web.i18n import N_
from townhall.web.officer.dependencies import ClientAddress, Form, OfficerSession, WorkspaceDep
from townhall.web.officer.workspace import Workspace
from townhall.web.sessions import Session
from townhall.web.upstream import InvalidError, NotFoundError

router = APIRouter(prefix="/officer/residents/{resident_id}/merged", include_in_schema=False)
CHOOSE = N_("Choose whether these are different people")
SEPARATED = N_("The records are separate again: %(name)s is their own resident.")
NOT_MERGED = N_("That record is no longer merged into this resident.")


def _id(text: str) -> str:
    try:
        return str(uuid.UUID(text))
    except ValueError:
        raise NotFoundError(404, "no such record") from None


async def _merged(
    workspace: Workspace, session: Session, client: str, resident: str, merged: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The resident's record and the one merged into it (404 when it is not)."""
    record = await workspace.call(
        session, client, lambda token: workspace.identity.resident(token, resident)
    )
    found = next((m for m in record.get("merged") or [] if m.get("id") == merged), None)
    if found is None or record.get("id") != resident:
        raise NotFoundError(404, "not merged into this resident")
    return record, found


def _page(
    request: Request,
    workspace: Workspace,
    session: Session,
    context: dict[str, Any],
    checked: Checked | None = None,
) -> Response:
    if checked is not None:
        context |= {"form": checked, "errors": checked.errors}
    status = 200 if checked is None else 400
    return workspace.pages.render(
        request, session, "officer/unmerge.html", context, status_code=status
    )


@router.get("/{merged_id}")
async def confirm_unmerge(
    request: Request,
    resident_id: str,
    merged_id: str,
    workspace: WorkspaceDep,
    session: OfficerSession,
    client: ClientAddress,
) -> Response:
    resident, merged = _id(resident_id), _id(merged_id)
    record, found = await _merged(workspace, session, client, resident, merged)
    return _page(request, workspace, session, {"record": record, "merged": found})


@router.post("/{merged_id}")
async def unmerge(
    request: Request,
    resident_id: str,
    merged_id: str,
    workspace: WorkspaceDep,
    session: OfficerSession,
    client: ClientAddress,
    form: Form,
) -> Response:
    resident, merged = _id(resident_id), _id(merged_id)
    record, found = await _merged(workspace, session, client, resident, merged)
    checked = Checked({"separate": form.get("separate", "")})
    if checked.values["separate"] not in ("yes", "no"):
        checked.error("separate", CHOOSE)
        return _page(request, workspace, session, {"record": record, "merged": found}, checked)
    if checked.values["separate"] == "yes":
        try:
            await workspace.call(
                session, client, lambda token: workspace.identity.unmerge(token, resident, merged)
            )
        except InvalidError:  # undone meanwhile, by another officer
            session.flash = NOT_MERGED
        else:
            session.flash = SEPARATED
            session.flash_args = {"name": f"{found.get('given', '')} {found.get('family', '')}"}
    return RedirectResponse(f"/officer/residents/{resident}", status_code=303)
