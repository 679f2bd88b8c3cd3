"""A case's page, and working it: moving it on, a public update, an internal note.

Cases decides who may do what; a refusal or a case that has moved on meanwhile is shown
on the case's page with the error summary, and nothing changes.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from townhall.web import forms
from townhall.web.evidence import Evidence
from townhall.web.i18n import N_
from townhall.web.officer.case_state import fee_and_visit
from townhall.web.officer.dependencies import ClientAddress, Form, OfficerSession, WorkspaceDep
from townhall.web.officer.labels import CHANNELS, STATUSES
from townhall.web.officer.workspace import Workspace
from townhall.web.sessions import Session
from townhall.web.upstream import ConflictError, InvalidError, NotFoundError, RefusedError

router = APIRouter(prefix="/officer/cases", include_in_schema=False)
REFERENCE = re.compile(r"^[A-Za-z0-9-]{2,64}$")
EVIDENCE_ID = re.compile(r"^[0-9a-f-]{36}$")
NOT_YOURS = N_("Your role does not let you change this case")
MOVED_ON = N_("The case has changed since you opened it. Check it and try again.")
DONE = {
    "transitions": N_("The case has moved on."),
    "updates": N_("Your update has been posted. The resident can see it."),
    "notes": N_("Your note has been added. Only officers can see it."),
    "assignment": N_("The case has been assigned."),
    "visit": N_("The visit has been recorded."),
}
NOT_STARTED = N_("You can record the visit once it has started")


def _reference(text: str) -> str:
    if not REFERENCE.match(text):
        raise NotFoundError(404, "no such case")
    return text


async def _page(
    request: Request,
    workspace: Workspace,
    session: Session,
    client: str,
    reference: str,
    form: forms.Checked | None = None,
) -> Response:
    case = await workspace.call(
        session, client, lambda token: workspace.cases.case(token, reference)
    )
    context: dict[str, Any] = {"case": case, "status_names": STATUSES, "channel_names": CHANNELS}
    context |= await fee_and_visit(workspace, session, client, reference)
    if form is not None:
        context |= {"form": form, "errors": form.errors}
    status = 200 if form is None else 400
    return workspace.pages.render(
        request, session, "officer/case.html", context, status_code=status
    )


@router.get("/{reference}/evidence/{evidence_id}")
async def evidence_file(
    reference: str,
    evidence_id: str,
    workspace: WorkspaceDep,
    session: OfficerSession,
    client: ClientAddress,
) -> Response:
    """A file of evidence, streamed from cases as a download (cases decides whether
    this officer may read the case: one they may not is "not found")."""
    if not EVIDENCE_ID.match(evidence_id):
        raise NotFoundError(404, "no such file")
    files = Evidence(workspace.cases.client)
    found: Response = await workspace.call(
        session, client, lambda token: files.download(token, _reference(reference), evidence_id)
    )
    return found


@router.get("/{reference}")
async def case_page(
    request: Request,
    reference: str,
    workspace: WorkspaceDep,
    session: OfficerSession,
    client: ClientAddress,
) -> Response:
    """A case as cases shows it to this officer (one it may not see is "not found")."""
    return await _page(request, workspace, session, client, _reference(reference))


async def _act(
    request: Request,
    workspace: Workspace,
    session: Session,
    client: str,
    reference: str,
    checked: forms.Checked,
    kind: str,
    action: Callable[[str], Awaitable[None]],
    conflict: Callable[[], str] = lambda: MOVED_ON,
) -> Response:
    """Do ``action`` for the officer; a refusal is shown at the form's first field (a
    conflict in ``conflict()``'s words), and nothing changes."""
    if checked.ok:
        field = next(iter(checked.values))  # where a refusal is shown: the form's first field
        try:
            await workspace.call(session, client, action)
        except RefusedError:
            checked.error(field, NOT_YOURS)
        except (ConflictError, InvalidError):
            checked.error(field, conflict())
        else:
            session.flash = DONE[kind]
            return RedirectResponse(f"/officer/cases/{reference}", status_code=303)
    return await _page(request, workspace, session, client, reference, checked)


@router.post("/{reference}/transitions")
async def move(
    request: Request,
    reference: str,
    workspace: WorkspaceDep,
    session: OfficerSession,
    client: ClientAddress,
    form: Form,
) -> Response:
    reference, checked = _reference(reference), forms.transition(form)
    to, reason = checked.values["to"], checked.values["reason"]
    return await _act(
        request,
        workspace,
        session,
        client,
        reference,
        checked,
        "transitions",
        lambda token: workspace.cases.move(token, reference, to, reason),
    )


@router.post("/{reference}/updates")
async def update(
    request: Request,
    reference: str,
    workspace: WorkspaceDep,
    session: OfficerSession,
    client: ClientAddress,
    form: Form,
) -> Response:
    reference, checked = _reference(reference), forms.written(form, "update")
    text = checked.values["update"]
    return await _act(
        request,
        workspace,
        session,
        client,
        reference,
        checked,
        "updates",
        lambda token: workspace.cases.write(token, reference, "updates", text),
    )


@router.post("/{reference}/visit")
async def record_visit(
    request: Request,
    reference: str,
    workspace: WorkspaceDep,
    session: OfficerSession,
    client: ClientAddress,
    form: Form,
) -> Response:
    """How the booked visit went, recorded with booking (which refuses it before the
    visit starts, and from an officer whose roles do not cover the case)."""
    reference, checked = _reference(reference), forms.visit_outcome(form)
    outcome = checked.values["outcome"]
    booked: list[dict[str, Any]] = []

    async def record(token: str) -> None:
        visit = await workspace.booking.visit(token, reference)
        if visit is None:
            raise ConflictError(409, "no visit is booked")
        booked.append(visit)
        await workspace.booking.record_visit(token, str(visit["id"]), outcome)

    def refused() -> str:
        return NOT_STARTED if booked and _ahead(booked[-1]) else MOVED_ON

    return await _act(
        request, workspace, session, client, reference, checked, "visit", record, refused
    )


def _ahead(visit: dict[str, Any] | None) -> bool:
    """Whether the booked visit has yet to start (booking records none before it)."""
    try:
        return visit is not None and datetime.fromisoformat(str(visit["starts_at"])) > (
            datetime.now(UTC)
        )
    except (KeyError, ValueError):
        return False


@router.post("/{reference}/notes")
async def note(
    request: Request,
    reference: str,
    workspace: WorkspaceDep,
    session: OfficerSession,
    client: ClientAddress,
    form: Form,
) -> Response:
    reference, checked = _reference(reference), forms.written(form, "note")
    text = checked.values["note"]
    return await _act(
        request,
        workspace,
        session,
        client,
        reference,
        checked,
        "notes",
        lambda token: workspace.cases.write(token, reference, "notes", text),
    )


@router.post("/{reference}/assignment")
async def assign(
    request: Request,
    reference: str,
    workspace: WorkspaceDep,
    session: OfficerSession,
    client: ClientAddress,
    form: Form,
) -> Response:
    reference, checked = _reference(reference), forms.assignment(form)
    team, officer = checked.values["team"], checked.values["officer"] or None
    return await _act(
        request,
        workspace,
        session,
        client,
        reference,
        checked,
        "assignment",
        lambda token: workspace.cases.assign(token, reference, team, officer),
    )
