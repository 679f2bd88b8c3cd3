"""What the routes write to the audits, refused or not, in one place.

The access table refuses some callers before a route runs (a service client, a token
below the level an action needs); :func:`refused` records those attempts as the routes
record theirs, so the audits keep every attempt to read a resident's history, search
for one or follow a request. Reading the audits themselves is not audited.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from datetime import datetime

from fastapi import Request

from townhall.resident_view.bootstrap import ResidentView
from townhall.resident_view.reads import audit_trail, tracking
from townhall.resident_view.reads.access_table import ENTRY, SEARCH, TIMELINE, TRACKING
from townhall.runtime.auth import Principal

#: The search fields, in the order the audit names them (never their values).
SEARCH_FIELDS = (
    "name",
    "date_of_birth",
    "postcode",
    "uprn",
    "email",
    "phone",
    "identifier",
    "case",
)
UNSTATED = "(no purpose stated)"


async def tracked(
    services: ResidentView,
    viewer: Principal,
    found: tuple[str, Sequence[str]],
    purpose: str,
    shown: tuple[str, Sequence[str]],
    at: datetime,
) -> None:
    """A tracking look-up, and a read (or refusal) of each owner's history."""
    reference, owners = found
    outcome, ids = shown
    async with services.runtime.sessions.begin() as session:
        await audit_trail.record_lookup(
            session,
            viewer,
            "tracking",
            at=at,
            purpose=purpose,
            query=reference,
            outcome=outcome,
            resident_ids=owners,
        )
        for owner in owners:
            await audit_trail.record(
                session, viewer, owner, at=at, purpose=purpose, outcome=outcome, entry_ids=ids
            )


async def refused(services: ResidentView, request: Request, viewer: Principal, action: str) -> None:
    """Record an attempt the access table refuses, as its route records one."""
    at = services.clock()
    purpose = (request.query_params.get("purpose") or "").strip()[:500] or UNSTATED
    params = request.path_params
    if action in (TIMELINE, ENTRY):
        try:
            resident = str(uuid.UUID(str(params.get("resident_id"))))
        except ValueError:
            return  # no resident's history was asked for
        async with services.runtime.sessions.begin() as session:
            await audit_trail.record(
                session, viewer, resident, at=at, purpose=purpose, outcome="denied"
            )
    elif action == SEARCH:
        fields = [f for f in SEARCH_FIELDS if request.query_params.get(f)]
        async with services.runtime.sessions.begin() as session:
            await audit_trail.record_lookup(
                session,
                viewer,
                "search",
                at=at,
                purpose=purpose,
                query=",".join("case_reference" if f == "case" else f for f in fields),
                outcome="denied",
            )
    elif action == TRACKING:
        reference = str(params.get("reference", ""))
        if not re.fullmatch(tracking.REFERENCE, reference):
            return  # not a reference: nothing was looked up
        async with services.runtime.sessions() as session:
            generation = services.live.generation.number
            owners = await tracking.owners(session, generation, reference)
        await tracked(services, viewer, (reference, owners), purpose, ("denied", []), at)
