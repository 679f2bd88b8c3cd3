"""The review queue: matches identity's engine was unsure of, the two records side by
side with the evidence field by field, and the officer's decision (same person: link;
different people: a new resident), which identity records as events. An item of kind
``duplicate`` is two residents the duplicate pass was unsure of: the same person
merges them, different people keeps them apart for good."""

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
from townhall.web.upstream import ConflictError, InvalidError, NotFoundError

router = APIRouter(prefix="/officer/review", include_in_schema=False)
LINKED = N_("Decided: the same person. The record is linked to the resident.")
SEPARATE = N_("Decided: different people. The record is a new resident.")
#: A duplicate item: two residents the duplicate pass could not decide.
MERGED = N_("Decided: the same person. The two residents are merged.")
APART = N_("Decided: different people. The two residents stay apart.")
ALREADY = N_("Someone has already decided this match.")
AGREEMENT = {
    "agree": N_("Agrees"),
    "similar": N_("Similar"),
    "disagree": N_("Disagrees"),
    "missing": N_("Not given"),
}


async def _item(workspace: Workspace, session: Session, client: str, review_id: str) -> Any:
    try:
        wanted = str(uuid.UUID(review_id))
    except ValueError:
        raise NotFoundError(404, "no such review item") from None
    items = await workspace.call(session, client, workspace.matches.open_items)
    found = next((item for item in items if str(item["id"]) == wanted), None)
    if found is None:
        raise NotFoundError(404, "no open review item with this id")
    return found


@router.get("")
async def review_queue(
    request: Request, workspace: WorkspaceDep, session: OfficerSession, client: ClientAddress
) -> Response:
    items = await workspace.call(session, client, workspace.matches.open_items)
    return workspace.pages.render(request, session, "officer/review_queue.html", {"items": items})


def _page(
    request: Request,
    workspace: Workspace,
    session: Session,
    item: dict[str, Any],
    checked: Checked | None = None,
) -> Response:
    context: dict[str, Any] = {"item": item, "agreement_names": AGREEMENT}
    if checked is not None:
        context |= {"form": checked, "errors": checked.errors}
    return workspace.pages.render(
        request,
        session,
        "officer/review_item.html",
        context,
        status_code=200 if checked is None else 400,
    )


@router.get("/{review_id}")
async def review_item(
    request: Request,
    review_id: str,
    workspace: WorkspaceDep,
    session: OfficerSession,
    client: ClientAddress,
) -> Response:
    return _page(request, workspace, session, await _item(workspace, session, client, review_id))


@router.post("/{review_id}")
async def decide(
    request: Request,
    review_id: str,
    workspace: WorkspaceDep,
    session: OfficerSession,
    client: ClientAddress,
    form: Form,
) -> Response:
    checked = Checked({"decision": form.get("decision", "")})
    if checked.values["decision"] not in ("same", "different"):
        checked.error("decision", N_("Select whether they are the same person"))
        return _page(
            request, workspace, session, await _item(workspace, session, client, review_id), checked
        )
    accept = checked.values["decision"] == "same"
    try:
        decided = await workspace.call(
            session, client, lambda token: workspace.matches.decide(token, review_id, accept)
        )
    except (ConflictError, InvalidError, NotFoundError):
        session.flash = ALREADY
    else:
        two_residents = decided.get("outcome") in ("merged", "separate")
        session.flash = (
            (MERGED if accept else APART) if two_residents else (LINKED if accept else SEPARATE)
        )
    return RedirectResponse("/officer/review", status_code=303)
