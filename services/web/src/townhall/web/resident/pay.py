"""Paying a request's fee: payments starts a payment of the case's fee and gives the
provider's page (its sandbox card page under ``make run``, GOV.UK Pay's in production);
the resident pays there and comes back to ``/track/{reference}/paid``, which asks
payments how it went (the payment as it stands, with the tracking token the session
holds, whether from a code or from reporting): paid, or not (declined, cancelled,
abandoned), with a way to try again. Each attempt is a new payment (a new
``Idempotency-Key``); payments cancels the earlier one at the provider, so an abandoned
page cannot be paid as well.

Pressing "pay" posts here and shows a link to the provider's page rather than
redirecting to it: the pages' CSP allows forms to post to this site only, and browsers
apply ``form-action`` to the redirects that follow a post.
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from townhall.web.i18n import N_
from townhall.web.officer.dependencies import AnySession, Form, WorkspaceDep
from townhall.web.resident.progress import pounds
from townhall.web.resident.track import ask_again, token_for
from townhall.web.upstream import ConflictError, InvalidError, NotFoundError, NotSignedInError

router = APIRouter(prefix="/track", include_in_schema=False)
PAID = N_("Your payment of %(amount)s went through. Thank you.")
PAID_ALREADY = N_("This request has been paid for already.")
NOT_PAYABLE = N_("This request cannot be paid for now.")


def _redirect(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


def web_address(url: object) -> str:
    """The provider's page, if it is a web address (nothing else becomes a link)."""
    text = str(url or "")
    return text if text.startswith(("https://", "http://")) else ""


@router.post("/{reference}/pay")
async def start_payment(
    request: Request, reference: str, workspace: WorkspaceDep, session: AnySession, form: Form
) -> Response:
    token = token_for(workspace, session, reference)
    if token is None:
        return ask_again(session, reference)
    back = str(request.url_for("payment_finished", reference=reference))
    try:
        payment = await workspace.payments.start(
            token, reference, return_url=back, language=session.language, key=str(uuid.uuid4())
        )
    except NotSignedInError:
        return ask_again(session, reference)
    except ConflictError:
        session.flash = PAID_ALREADY
        return _redirect(f"/track/{reference}")
    except (InvalidError, NotFoundError):
        session.flash = NOT_PAYABLE
        return _redirect(f"/track/{reference}")
    session.payments[reference] = (str(payment["payment_id"]), web_address(payment.get("next_url")))
    return _redirect(f"/track/{reference}/pay")


@router.get("/{reference}/pay")
async def payment_page(
    request: Request, reference: str, workspace: WorkspaceDep, session: AnySession
) -> Response:
    """The link to the provider's page, for the payment just started."""
    started = session.payments.get(reference)
    if started is None or not started[1]:
        return _redirect(f"/track/{reference}")
    context = {"reference": reference, "next_url": started[1]}
    return workspace.pages.render(request, session, "resident/pay.html", context)


@router.get("/{reference}/paid", name="payment_finished")
async def payment_finished(
    request: Request, reference: str, workspace: WorkspaceDep, session: AnySession
) -> Response:
    """Back from the provider's page: paid, or a way to try again."""
    token = token_for(workspace, session, reference)
    started = session.payments.get(reference)
    if token is None:
        return ask_again(session, reference)
    if started is None:
        return _redirect(f"/track/{reference}")
    try:
        payment = await workspace.payments.payment(token, reference, started[0])
    except NotSignedInError:
        return ask_again(session, reference)
    except NotFoundError:  # not this request's (a stale session): start again from it
        session.payments.pop(reference, None)
        return _redirect(f"/track/{reference}")
    state: dict[str, Any] = payment.get("state") or {}
    if state.get("status") == "success":
        session.payments.pop(reference, None)
        session.flash, session.flash_args = PAID, {"amount": pounds(payment.get("amount"))}
        return _redirect(f"/track/{reference}")
    context = {
        "reference": reference,
        "finished": bool(state.get("finished")),
        "next_url": web_address(payment.get("next_url")),
        "amount": pounds(payment.get("amount")),
    }
    return workspace.pages.render(request, session, "resident/not_paid.html", context)
