"""Booking a visit from the tracking page: the offered slots, a hold on the one chosen
("we will keep this slot for 10 minutes", from the hold's expiry), confirming it; then
changing it (a reschedule) or cancelling it, until booking's cut-off.

Booking decides everything (what is offered, whether a slot is still free, the hold's
expiry, the cut-off); these pages ask it and say what it answered: a slot taken by
someone else or a hold that ran out shows the slots again with a message; a change or
cancellation after the cut-off shows when it closed. Booking takes the tracking token
for the request it names; when booking has no postcode for the request, the resident is
asked for the property's, kept in the session and given with the hold.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from townhall.web.forms import Checked
from townhall.web.i18n import N_
from townhall.web.officer.dependencies import AnySession, Form, WorkspaceDep
from townhall.web.officer.workspace import Workspace
from townhall.web.resident import answers, visits
from townhall.web.resident.track import ask_again, token_for
from townhall.web.sessions import Session
from townhall.web.templating import council_time
from townhall.web.upstream import (
    ConflictError,
    InvalidError,
    NotFoundError,
    NotSignedInError,
    UpstreamError,
)

router = APIRouter(prefix="/track", include_in_schema=False)
BOOKED = N_("Your visit is booked for %(when)s.")
MOVED = N_("Your visit is moved to %(when)s.")
CANCELLED = N_("Your visit is cancelled.")
SLOT_GONE = N_("Someone else has just taken that time. Choose another.")
HOLD_GONE = N_("We could not keep that time for you any longer. Choose a time again.")
NOT_OFFERED = N_("That time can no longer be booked. Choose another.")
NOT_BOOKABLE = N_("A visit cannot be booked for this request now.")
CHANGED_MEANWHILE = N_("Your visit changed meanwhile. This is where it stands now.")


def _redirect(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


async def _slots_page(
    request: Request,
    workspace: Workspace,
    session: Session,
    reference: str,
    token: str,
    *,
    visit: dict[str, Any] | None = None,
    checked: Checked | None = None,
) -> Response:
    """The offered slots, grouped by day (``visit``: the one being changed); or, when
    booking needs the property's postcode, the page asking for it."""
    postcode = session.postcodes.get(reference)
    status = 400 if checked is not None else 200
    context: dict[str, Any] = {"reference": reference, "form": checked, "visit": visit}
    if checked is not None:
        context["errors"] = checked.errors
    try:
        offered = await workspace.booking.availability(
            token, reference, postcode, visits.DAYS_SHOWN
        )
    except NotSignedInError:
        return ask_again(session, reference)
    except InvalidError:  # booking has no postcode for the property
        return workspace.pages.render(
            request, session, "resident/book_where.html", context, status_code=status
        )
    except NotFoundError:
        session.flash = NOT_BOOKABLE
        return _redirect(f"/track/{reference}")
    context["days"] = visits.by_day(offered.get("slots", []))
    return workspace.pages.render(
        request, session, "resident/book.html", context, status_code=status
    )


@router.get("/{reference}/book")
async def slots(
    request: Request, reference: str, workspace: WorkspaceDep, session: AnySession
) -> Response:
    token = token_for(workspace, session, reference)
    if token is None:
        return ask_again(session, reference)
    return await _slots_page(request, workspace, session, reference, token)


@router.post("/{reference}/book/where")
async def property_postcode(
    request: Request, reference: str, workspace: WorkspaceDep, session: AnySession, form: Form
) -> Response:
    token = token_for(workspace, session, reference)
    if token is None:
        return ask_again(session, reference)
    checked = Checked({"postcode": str(form.get("postcode", "")).strip()})
    if not answers.FULL_POSTCODE.match(checked.values["postcode"]):
        checked.error("postcode", visits.POSTCODE_MISSING)
        context = {"reference": reference, "form": checked, "errors": checked.errors}
        return workspace.pages.render(
            request, session, "resident/book_where.html", context, status_code=400
        )
    session.postcodes[reference] = answers.postcode(checked.values["postcode"])
    return _redirect(f"/track/{reference}/book")


@router.post("/{reference}/book")
async def hold(
    request: Request, reference: str, workspace: WorkspaceDep, session: AnySession, form: Form
) -> Response:
    """Hold the slot chosen (booking releases this request's earlier hold, if any)."""
    token = token_for(workspace, session, reference)
    if token is None:
        return ask_again(session, reference)
    checked = visits.choice(form)
    if not checked.ok:
        return await _slots_page(request, workspace, session, reference, token, checked=checked)
    v = checked.values
    try:
        held = await workspace.booking.hold(
            token, reference, v["resource"], v["starts_at"], session.postcodes.get(reference)
        )
    except NotSignedInError:
        return ask_again(session, reference)
    except (ConflictError, NotFoundError):
        session.flash = SLOT_GONE
        return _redirect(f"/track/{reference}/book")
    except InvalidError:  # booking's rules refuse it now (notice, window, area)
        session.flash = NOT_OFFERED
        return _redirect(f"/track/{reference}/book")
    session.holds[reference] = held
    return _redirect(f"/track/{reference}/book/confirm")


@router.get("/{reference}/book/confirm")
async def held_slot(
    request: Request, reference: str, workspace: WorkspaceDep, session: AnySession
) -> Response:
    held = session.holds.get(reference)
    if held is None:
        return _redirect(f"/track/{reference}/book")
    minutes = visits.minutes_left(str(held["expires_at"]), datetime.now(UTC))
    if minutes == 0:
        session.holds.pop(reference, None)
        session.flash = HOLD_GONE
        return _redirect(f"/track/{reference}/book")
    context = {"reference": reference, "hold": held, "minutes": minutes}
    return workspace.pages.render(request, session, "resident/book_confirm.html", context)


@router.post("/{reference}/book/confirm")
async def confirm(
    request: Request, reference: str, workspace: WorkspaceDep, session: AnySession, form: Form
) -> Response:
    token = token_for(workspace, session, reference)
    if token is None:
        return ask_again(session, reference)
    held = session.holds.get(reference)
    if held is None:
        return _redirect(f"/track/{reference}/book")
    try:
        booked = await workspace.booking.confirm(token, reference, str(held["id"]))
    except NotSignedInError:
        return ask_again(session, reference)
    except (ConflictError, NotFoundError):
        session.holds.pop(reference, None)
        session.flash = HOLD_GONE
        return _redirect(f"/track/{reference}/book")
    session.holds.pop(reference, None)
    session.flash, session.flash_args = (
        BOOKED,
        {"when": council_time(booked["starts_at"], session.language)},
    )
    return _redirect(f"/track/{reference}")


async def _visit(
    workspace: Workspace, session: Session, reference: str
) -> tuple[str, dict[str, Any]] | Response:
    """The token and the request's booked visit, or where to go instead."""
    token = token_for(workspace, session, reference)
    if token is None:
        return ask_again(session, reference)
    try:
        visit = await workspace.booking.visit(token, reference)
    except NotSignedInError:
        return ask_again(session, reference)
    except UpstreamError:
        visit = None
    if visit is None:
        return _redirect(f"/track/{reference}")
    return token, visit


@router.get("/{reference}/visit/change")
async def change_page(
    request: Request, reference: str, workspace: WorkspaceDep, session: AnySession
) -> Response:
    found = await _visit(workspace, session, reference)
    if isinstance(found, Response):
        return found
    token, visit = found
    return await _slots_page(request, workspace, session, reference, token, visit=visit)


@router.post("/{reference}/visit/change")
async def change(
    request: Request, reference: str, workspace: WorkspaceDep, session: AnySession, form: Form
) -> Response:
    found = await _visit(workspace, session, reference)
    if isinstance(found, Response):
        return found
    token, visit = found
    checked = visits.choice(form)
    if not checked.ok:
        return await _slots_page(
            request, workspace, session, reference, token, visit=visit, checked=checked
        )
    v = checked.values
    try:
        moved = await workspace.booking.reschedule(
            token, reference, str(visit["id"]), v["resource"], v["starts_at"]
        )
    except NotSignedInError:
        return ask_again(session, reference)
    except ConflictError as refused:
        if visits.refused_late(session, refused):
            return _redirect(f"/track/{reference}")
        session.flash = SLOT_GONE
        return _redirect(f"/track/{reference}/visit/change")
    except (NotFoundError, InvalidError):
        session.flash = NOT_OFFERED
        return _redirect(f"/track/{reference}/visit/change")
    session.flash, session.flash_args = (
        MOVED,
        {"when": council_time(moved["starts_at"], session.language)},
    )
    return _redirect(f"/track/{reference}")


@router.get("/{reference}/visit/cancel")
async def cancel_page(
    request: Request, reference: str, workspace: WorkspaceDep, session: AnySession
) -> Response:
    found = await _visit(workspace, session, reference)
    if isinstance(found, Response):
        return found
    context = {"reference": reference, "visit": found[1]}
    return workspace.pages.render(request, session, "resident/cancel_visit.html", context)


@router.post("/{reference}/visit/cancel")
async def cancel(
    request: Request, reference: str, workspace: WorkspaceDep, session: AnySession, form: Form
) -> Response:
    found = await _visit(workspace, session, reference)
    if isinstance(found, Response):
        return found
    token, visit = found
    try:
        await workspace.booking.cancel(token, reference, str(visit["id"]))
    except NotSignedInError:
        return ask_again(session, reference)
    except ConflictError as refused:
        if not visits.refused_late(session, refused):
            session.flash = CHANGED_MEANWHILE
        return _redirect(f"/track/{reference}")
    except NotFoundError:
        session.flash = CHANGED_MEANWHILE
        return _redirect(f"/track/{reference}")
    session.flash = CANCELLED
    return _redirect(f"/track/{reference}")
