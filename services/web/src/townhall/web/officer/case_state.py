"""What payments and booking know of a case, for its page: the fee's payments and the
visit booked; and the evidence cases keeps for it. Each is best effort: a service that
does not know the case (no fee, not bookable) or does not answer leaves its part out,
and the case still shows."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

from townhall.web.evidence import Evidence
from townhall.web.i18n import N_
from townhall.web.officer.workspace import Workspace
from townhall.web.sessions import Session
from townhall.web.upstream import UpstreamError

#: Payments' statuses as officers read them.
PAYMENT_STATES = {
    "created": N_("Not paid yet"),
    "started": N_("Being paid"),
    "submitted": N_("Being paid"),
    "capturable": N_("Being paid"),
    "success": N_("Paid"),
    "failed": N_("Payment failed"),
    "cancelled": N_("Payment cancelled"),
    "error": N_("Payment failed"),
}


async def _quietly(
    workspace: Workspace, session: Session, client: str, action: Callable[[str], Awaitable[Any]]
) -> Any:
    try:
        return await workspace.call(session, client, action)
    except UpstreamError:
        return None


async def fee_and_visit(
    workspace: Workspace, session: Session, client: str, reference: str
) -> dict[str, Any]:
    """``payments``: the case's payments, newest first (None: payments said nothing);
    ``visit``: the confirmed appointment, if booking has one; ``evidence``: the files
    (None: cases did not say)."""
    path = f"/cases/{quote(reference, safe='')}/payments"
    found = await _quietly(
        workspace,
        session,
        client,
        lambda token: workspace.payments.client.call("GET", path, token=token),
    )
    payments = (
        sorted(found, key=lambda p: str(p.get("created_date", "")), reverse=True)
        if isinstance(found, list)
        else None
    )
    visit = await _quietly(
        workspace, session, client, lambda token: workspace.booking.visit(token, reference)
    )
    files = Evidence(workspace.cases.client)
    listing = await _quietly(workspace, session, client, lambda t: files.files(t, reference))
    return {
        "payments": payments,
        "visit": visit,
        "payment_states": PAYMENT_STATES,
        "evidence": listing["items"] if isinstance(listing, dict) else None,
    }
