"""A reported request as it leaves the front door: what cases is sent, and what the
confirmation page then says (its reference, the type's service level and fee)."""

from __future__ import annotations

from typing import Any

from townhall.runtime.normal_forms import postcode_ending
from townhall.web.officer.workspace import Workspace
from townhall.web.resident.progress import pounds
from townhall.web.sessions import Draft, Session


def case_of(service_type: dict[str, Any], draft: Draft) -> dict[str, Any]:
    """What cases is sent: the type's details, the description, where, and who."""
    v = draft.values
    fields = ("given_name", "family_name", "email", "phone")
    reporter = {name: v[name] for name in fields if v.get(name)}
    case: dict[str, Any] = {
        "service_code": service_type["code"],
        "details": draft.details,
        "description": v.get("description", ""),
        "channel": "online",
        "reporter": reporter,
    }
    place = ", ".join(part for part in (v.get("address"), v.get("postcode")) if part)
    if place:
        found = postcode_ending(place)  # what cases keeps, so booking need not ask it
        case["location"] = {"address": place} | ({"postcode": found} if found else {})
    return case


async def submit(
    workspace: Workspace, session: Session, service_type: dict[str, Any], token: str | None
) -> None:
    """Send the session's draft to cases (``token``: the resident's, from a code; None:
    anonymously), and keep what the confirmation page says about it."""
    assert session.draft is not None
    reference = await workspace.cases.submit(token, case_of(service_type, session.draft))
    session.sent = {
        "reference": reference,
        "service": str(service_type["name"]),
        "trackable": "yes" if token else "",
        "fee": pounds(service_type.get("fee_pence")),
        "days": str(max(1, round(float(service_type.get("sla_hours") or 0) / 24))),
        "evidence": "yes" if service_type.get("evidence_required") else "",
    }
    session.draft, session.pending = None, None
