"""Tracking a request, like a parcel: its reference and the email address or phone
number given with it; identity sends a one-time code there; the code's token (good for
that one request, for a short time) reads resident-view's tracking API.

The token stays in the server-side session under the request's reference; when it
expires the resident asks for a new code (identity gives a tracking code no refresh).
"""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from townhall.web.forms import REFERENCE, Checked
from townhall.web.i18n import N_
from townhall.web.officer.dependencies import AnySession, ClientAddress, Form, WorkspaceDep
from townhall.web.officer.workspace import Workspace
from townhall.web.resident import answers, codes, evidence_listing, progress, summaries, visits
from townhall.web.sessions import PendingCode, Session, Tokens
from townhall.web.upstream import NotFoundError, NotSignedInError, RefusedError

router = APIRouter(prefix="/track", include_in_schema=False)
PURPOSE = "following my request"
EXPIRED = N_("For your security, your code stops working after a while. Ask for a new one.")


def _redirect(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


@router.get("")
async def start_page(
    request: Request, workspace: WorkspaceDep, session: AnySession, reference: str = ""
) -> Response:
    values = {"reference": reference if REFERENCE.match(reference) else ""}
    context = {"form": Checked(values)}
    return workspace.pages.render(request, session, "resident/track.html", context)


@router.post("")
async def start(
    request: Request, workspace: WorkspaceDep, session: AnySession, form: Form
) -> Response:
    """Identity sends a code only to a contact that is a resident's, and answers the
    same either way: the next page cannot say whether the request exists."""
    checked = answers.track(form)
    if not checked.ok:
        context = {"form": checked, "errors": checked.errors}
        return workspace.pages.render(
            request, session, "resident/track.html", context, status_code=400
        )
    reference, contact = checked.values["reference"], checked.values["contact"]
    kind = "email" if "@" in contact else "phone"
    asked = {kind: contact, "request_reference": reference}
    sent = await codes.send(workspace, session, asked, checked, "contact")
    if sent is None:
        context = {"form": checked, "errors": checked.errors}
        return workspace.pages.render(
            request, session, "resident/track.html", context, status_code=400
        )
    session.pending = PendingCode(sent, contact, following=reference)
    return _redirect("/track/code")


@router.get("/code")
async def code_page(request: Request, workspace: WorkspaceDep, session: AnySession) -> Response:
    if session.pending is None or not session.pending.following:
        return _redirect("/track")
    context = {"sent_to": session.pending.sent_to}
    return workspace.pages.render(request, session, "resident/track_code.html", context)


@router.post("/code/again")
async def send_again(
    request: Request, workspace: WorkspaceDep, session: AnySession, form: Form
) -> Response:
    """A new code to the same contact, for the same request (the old one stops working
    when identity sends the new one, or soon after)."""
    pending = session.pending
    if pending is None or not pending.following:
        return _redirect("/track")
    kind = "email" if "@" in pending.sent_to else "phone"
    asked = {kind: pending.sent_to, "request_reference": pending.following}
    checked = Checked({})
    sent = await codes.send(workspace, session, asked, checked, "code")
    if sent is None:
        context = {"sent_to": pending.sent_to, "form": checked, "errors": checked.errors}
        return workspace.pages.render(
            request, session, "resident/track_code.html", context, status_code=400
        )
    session.pending = PendingCode(sent, pending.sent_to, following=pending.following)
    session.flash = codes.SENT_AGAIN
    return _redirect("/track/code")


@router.post("/code")
async def redeem(
    request: Request,
    workspace: WorkspaceDep,
    session: AnySession,
    form: Form,
    client: ClientAddress,
) -> Response:
    pending = session.pending
    if pending is None or not pending.following:
        return _redirect("/track")
    checked, visit = await codes.redeem(workspace, session, form, client)
    if visit is None:
        context = {"sent_to": pending.sent_to, "form": checked, "errors": checked.errors}
        return workspace.pages.render(
            request, session, "resident/track_code.html", context, status_code=400
        )
    expires_at = workspace.sessions.clock() + visit.expires_in
    session.following[pending.following] = Tokens(visit.access_token, "", expires_at)
    session.pending = None
    return _redirect(f"/track/{pending.following}")


def token_for(workspace: Workspace, session: Session, reference: str) -> str | None:
    """The live token this session holds for following ``reference``, if any."""
    tokens = session.following.get(reference)
    if tokens is not None and tokens.expires_at > workspace.sessions.clock():
        return tokens.access
    return None


def ask_again(session: Session, reference: str) -> RedirectResponse:
    """Back to the start of tracking, the reference filled in: the token has expired
    (or was never given), so the resident asks for a new code."""
    if session.following.pop(reference, None) is not None:
        session.flash = EXPIRED
    return _redirect(f"/track?reference={reference}" if REFERENCE.match(reference) else "/track")


@router.get("/{reference}")
async def request_page(
    request: Request, reference: str, workspace: WorkspaceDep, session: AnySession
) -> Response:
    token = token_for(workspace, session, reference)
    if token is None:
        return ask_again(session, reference)
    try:
        found = await workspace.resident_view.tracking(token, reference, PURPOSE)
    except NotSignedInError:
        return ask_again(session, reference)
    except NotFoundError:
        context: dict[str, Any] = {"reference": reference}
        return workspace.pages.render(
            request, session, "resident/not_yet.html", context, status_code=404
        )
    except RefusedError:  # a sensitive request: a tracking code is not enough
        context = {"reference": reference}
        return workspace.pages.render(
            request, session, "resident/verify_first.html", context, status_code=403
        )
    status = str(found.get("status") or "")
    tracked = progress.state(found, session.language)
    # three services asked at once: each answer waits on nothing but the request's state
    _, booking, evidence = await asyncio.gather(
        summaries.word(workspace.cases, tracked["steps"], session.language),
        visits.on_tracking(workspace, token, reference, status),
        evidence_listing.on_tracking(
            workspace, token, reference, found.get("steps") or (), session.language
        ),
    )
    context = {"tracked": tracked, "booking": booking, "evidence": evidence}
    return workspace.pages.render(request, session, "resident/tracked.html", context)
