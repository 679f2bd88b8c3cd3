"""Booking a visit from the tracking page: the offered slots, a hold on the one chosen
("we will keep this slot for 10 minutes", from the hold's expiry), confirming it; then
changing it (a reschedule) or cancelling it, until booking's cut-off.

Booking decides everything (what is offered, whether a slot is still free, the hold's
expiry, the cut-off); these pages ask it and say what it answered: a slot taken by
someone else or a hold that ran out shows the slots again with a message; a change or
cancellation after the cut-off shows when it closed (the visit's ``cut_off_at``, said
in the resident's language). Booking takes the tracking token for the request it names
(:data:`~townhall.web.resident.access.FollowedRequest`). Booking knows where a request
is from the postcode cases was given; only when it knows nowhere (an older request) is
the resident asked for the property's postcode, kept in the session and given with the
hold.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from townhall.runtime.normal_forms import normalise_postcode
from townhall.web.forms import Checked
from townhall.web.i18n import N_
from townhall.web.officer.dependencies import AnySession, Form, WorkspaceDep
from townhall.web.officer.workspace import Workspace
from townhall.web.resident import visits
from townhall.web.resident.access import Followed, FollowedRequest, back_with, token_checked
from townhall.web.resident.progress import pounds
from townhall.web.sessions import Session
from townhall.web.templating import council_time
from townhall.web.upstream import ConflictError, InvalidError, NotFoundError, UpstreamError

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
    followed: Followed,
    *,
    visit: dict[str, Any] | None = None,
    checked: Checked | None = None,
) -> Response:
    """The offered slots, grouped by day (``visit``: the one being changed); or, when
    booking needs the property's postcode, the page asking for it."""
    reference = followed.reference
    status = 400 if checked is not None else 200
    context: dict[str, Any] = {"reference": reference, "form": checked, "visit": visit}
    if checked is not None:
        context["errors"] = checked.errors
    try:
        with token_checked(reference):
            offered = await workspace.booking.availability(
                followed.token, reference, session.postcodes.get(reference), visits.DAYS_SHOWN
            )
    except InvalidError:  # booking knows nowhere for the property
        return workspace.pages.render(
            request, session, "resident/book_where.html", context, status_code=status
        )
    except NotFoundError:
        return back_with(session, f"/track/{reference}", NOT_BOOKABLE)
    context["days"] = visits.by_day(offered.get("slots", []))
    return workspace.pages.render(
        request, session, "resident/book.html", context, status_code=status
    )


@router.get("/{reference}/book")
async def slots(
    request: Request, followed: FollowedRequest, workspace: WorkspaceDep, session: AnySession
) -> Response:
    return await _slots_page(request, workspace, session, followed)


@router.post("/{reference}/book/where")
async def property_postcode(
    request: Request,
    form: Form,
    followed: FollowedRequest,
    workspace: WorkspaceDep,
    session: AnySession,
) -> Response:
    reference = followed.reference
    checked = Checked({"postcode": str(form.get("postcode", "")).strip()})
    try:  # the runtime's normal form, as cases keeps a request's postcode
        session.postcodes[reference] = normalise_postcode(checked.values["postcode"])
    except ValueError:
        checked.error("postcode", visits.POSTCODE_MISSING)
        context = {"reference": reference, "form": checked, "errors": checked.errors}
        return workspace.pages.render(
            request, session, "resident/book_where.html", context, status_code=400
        )
    return _redirect(f"/track/{reference}/book")


@router.post("/{reference}/book")
async def hold(
    request: Request,
    form: Form,
    followed: FollowedRequest,
    workspace: WorkspaceDep,
    session: AnySession,
) -> Response:
    """Hold the slot chosen (booking releases this request's earlier hold, if any)."""
    reference, again = followed.reference, f"/track/{followed.reference}/book"
    checked = visits.choice(form)
    if not checked.ok:
        return await _slots_page(request, workspace, session, followed, checked=checked)
    v = checked.values
    try:
        with token_checked(reference):
            held = await workspace.booking.hold(
                followed.token,
                reference,
                v["resource"],
                v["starts_at"],
                session.postcodes.get(reference),
            )
    except (ConflictError, NotFoundError):
        return back_with(session, again, SLOT_GONE)
    except InvalidError:  # booking's rules refuse it now (notice, window, area)
        return back_with(session, again, NOT_OFFERED)
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
        return back_with(session, f"/track/{reference}/book", HOLD_GONE)
    context = {"reference": reference, "hold": held, "minutes": minutes}
    return workspace.pages.render(request, session, "resident/book_confirm.html", context)


@router.post("/{reference}/book/confirm")
async def confirm(
    form: Form, followed: FollowedRequest, workspace: WorkspaceDep, session: AnySession
) -> Response:
    reference = followed.reference
    held = session.holds.get(reference)
    if held is None:
        return _redirect(f"/track/{reference}/book")
    try:
        with token_checked(reference):
            booked = await workspace.booking.confirm(followed.token, reference, str(held["id"]))
    except (ConflictError, NotFoundError):
        session.holds.pop(reference, None)
        return back_with(session, f"/track/{reference}/book", HOLD_GONE)
    session.holds.pop(reference, None)
    when = council_time(booked["starts_at"], session.language)
    return back_with(session, f"/track/{reference}", BOOKED, {"when": when})


async def _visit(workspace: Workspace, followed: Followed) -> dict[str, Any] | None:
    """The request's booked visit; None when it has none (or booking cannot say)."""
    try:
        with token_checked(followed.reference):
            return await workspace.booking.visit(followed.token, followed.reference)
    except UpstreamError:
        return None


@router.get("/{reference}/visit/change")
async def change_page(
    request: Request, followed: FollowedRequest, workspace: WorkspaceDep, session: AnySession
) -> Response:
    visit = await _visit(workspace, followed)
    if visit is None:
        return _redirect(f"/track/{followed.reference}")
    return await _slots_page(request, workspace, session, followed, visit=visit)


@router.post("/{reference}/visit/change")
async def change(
    request: Request,
    form: Form,
    followed: FollowedRequest,
    workspace: WorkspaceDep,
    session: AnySession,
) -> Response:
    reference, lang = followed.reference, session.language
    visit = await _visit(workspace, followed)
    if visit is None:
        return _redirect(f"/track/{reference}")
    checked = visits.choice(form)
    if not checked.ok:
        return await _slots_page(
            request, workspace, session, followed, visit=visit, checked=checked
        )
    v = checked.values
    try:
        with token_checked(reference):
            moved = await workspace.booking.reschedule(
                followed.token, reference, str(visit["id"]), v["resource"], v["starts_at"]
            )
    except ConflictError as refused:
        if visits.too_late(refused):
            return back_with(session, f"/track/{reference}", *visits.cut_off_said(visit, lang))
        return back_with(session, f"/track/{reference}/visit/change", SLOT_GONE)
    except (NotFoundError, InvalidError):
        return back_with(session, f"/track/{reference}/visit/change", NOT_OFFERED)
    when = council_time(moved["starts_at"], session.language)
    return back_with(session, f"/track/{reference}", MOVED, {"when": when})


@router.get("/{reference}/visit/cancel")
async def cancel_page(
    request: Request, followed: FollowedRequest, workspace: WorkspaceDep, session: AnySession
) -> Response:
    visit = await _visit(workspace, followed)
    if visit is None:
        return _redirect(f"/track/{followed.reference}")
    refund = await _refund(workspace, followed, str(visit["starts_at"]))
    context = {"reference": followed.reference, "visit": visit, "refund": refund}
    return workspace.pages.render(request, session, "resident/cancel_visit.html", context)


async def _refund(workspace: Workspace, followed: Followed, starts_at: str) -> dict[str, Any]:
    """What cancelling gives back, as the page says it; empty when nothing was paid or
    payments cannot say (the page then promises nothing)."""
    try:
        with token_checked(followed.reference):
            quote = await workspace.payments.refund_if_cancelled(
                followed.token, followed.reference, starts_at
            )
    except UpstreamError:
        return {}
    if not quote.get("paid"):
        return {}
    return {
        "paid": pounds(quote["paid"]),
        "all": quote["refund_now"] >= quote["paid"],
        "now": pounds(quote["refund_now"]),
        "later": pounds(quote["refund_later"]),
        "changes_at": quote.get("changes_at"),
        "automatic": bool(quote.get("automatic")),
    }


@router.post("/{reference}/visit/cancel")
async def cancel(
    form: Form, followed: FollowedRequest, workspace: WorkspaceDep, session: AnySession
) -> Response:
    reference, lang = followed.reference, session.language
    visit = await _visit(workspace, followed)
    if visit is None:
        return _redirect(f"/track/{reference}")
    try:
        with token_checked(reference):
            await workspace.booking.cancel(followed.token, reference, str(visit["id"]))
    except ConflictError as refused:
        if visits.too_late(refused):
            return back_with(session, f"/track/{reference}", *visits.cut_off_said(visit, lang))
        return back_with(session, f"/track/{reference}", CHANGED_MEANWHILE)
    except NotFoundError:
        return back_with(session, f"/track/{reference}", CHANGED_MEANWHILE)
    return back_with(session, f"/track/{reference}", CANCELLED)
