"""Following one request end to end by its reference: steps, state, what happens next.

Allowed to the resident it concerns (with an account, or with a tracking token whose
``ref`` names this request: identity's one-time code), and to officers by the policy.
Residents without a right get 404, as for a reference that does not exist: whether it
exists is itself not disclosed. Every attempt is audited.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path
from pydantic import BaseModel

from townhall.resident_view.entrypoints.api.dependencies import (
    ClockDep,
    Served,
    Sessions,
    TrackingPurpose,
)
from townhall.resident_view.reads import audit_trail, request_state, tracking
from townhall.resident_view.reads.policy import NOTHING, tracking_visibility
from townhall.runtime.auth import CurrentPrincipal, Principal
from townhall.runtime.problems import Forbidden, NotFound

router = APIRouter(tags=["tracking"])
REFERENCE = r"^[A-Za-z0-9][A-Za-z0-9-]{1,63}$"


class Step(BaseModel):
    event_id: str
    time: datetime
    type: str
    domain: str
    service: str
    summary: str
    view: Literal["detail", "summary"]
    data: dict[str, Any] | None


class Tracking(BaseModel):
    reference: str
    status: str | None
    status_since: datetime | None
    due_at: datetime | None
    overdue: bool
    next_step: str
    steps: list[Step]


def _step(row: dict[str, Any]) -> Step:
    data = row["data"] if row["view"] == "detail" else None
    return Step(**{**row, "data": data})


async def _audit(
    sessions: Sessions,
    viewer: Principal,
    found: tuple[str, list[str]],
    purpose: str,
    shown: tuple[str, list[str]],
    at: datetime,
) -> None:
    """The look-up, and a read (or refusal) of each owner's history."""
    reference, owners = found
    outcome, ids = shown
    async with sessions.begin() as session:
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


@router.get("/tracking/{reference}", response_model=Tracking)
async def track_request(
    reference: Annotated[str, Path(pattern=REFERENCE)],
    viewer: CurrentPrincipal,
    purpose: TrackingPurpose,
    sessions: Sessions,
    generation: Served,
    clock: ClockDep,
) -> Tracking:
    async with sessions() as session:
        owners = await tracking.owners(session, generation, reference)
        mine = None
        if viewer.kind == "resident":
            mine = await tracking.own_residents(session, generation, viewer.subject)
        seen = tracking_visibility(viewer, reference, owns=bool(set(mine or ()) & set(owners)))
        steps = []
        if seen is not NOTHING:  # a resident (with a token or not) sees their own entries
            steps = await tracking.steps(session, generation, reference, seen, mine)
    outcome = "shown" if steps else "denied" if owners and seen is NOTHING else "not_found"
    ids = [step["event_id"] for step in steps]
    now = clock()
    await _audit(sessions, viewer, (reference, owners), purpose, (outcome, ids), now)
    if seen is NOTHING and viewer.kind != "resident":
        raise Forbidden("you may not follow requests")
    if not steps:
        raise NotFound("no request with this reference that you may follow")
    current = request_state.state(steps, now)
    return Tracking(
        reference=reference,
        status=current.status,
        status_since=current.status_since,
        due_at=current.due_at,
        overdue=current.overdue,
        next_step=current.next_step,
        steps=[_step(row) for row in steps],
    )
