"""Following one request end to end by its reference: steps, state, what happens next.

Allowed to the resident it concerns (with an account, or with a tracking token whose
``ref`` names this request: identity's one-time code), and to officers by the policy.
Residents without a right get 404, as for a reference that does not exist: whether it
exists is itself not disclosed. A resident whose level of assurance withholds every
step (a sensitive request) is told which level would show it. Every attempt is audited.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field

from townhall.resident_view.entrypoints.api import audits
from townhall.resident_view.entrypoints.api.dependencies import (
    ClockDep,
    Served,
    ServicesDep,
    TrackingAllowance,
    TrackingPurpose,
    TrackingViewer,
)
from townhall.resident_view.entrypoints.api.timeline_routes import (
    CLAIMED,
    SUMMARY_CODE,
    SUMMARY_PARAMS,
    Params,
)
from townhall.resident_view.reads import request_state, tracking
from townhall.resident_view.reads.access_table import SENSITIVE
from townhall.resident_view.reads.policy import NOTHING, tracking_visibility
from townhall.runtime.access import VERIFIED, AccessDeniedError
from townhall.runtime.openapi import problems
from townhall.runtime.problems import Forbidden, NotFound

router = APIRouter(tags=["tracking"])


class Step(BaseModel):
    event_id: str
    time: datetime
    type: str
    domain: str
    service: str
    summary: str
    summary_code: str | None = Field(description=SUMMARY_CODE)
    summary_params: Params = Field(description=SUMMARY_PARAMS)
    claimed: bool = Field(description=CLAIMED)
    view: Literal["detail", "summary"]
    data: dict[str, Any] | None


class NextStepOut(BaseModel):
    code: Literal[request_state.NEXT_STEPS] = Field(  # type: ignore[valid-type]
        description="What happens next, for a front door to word in its own language."
    )
    params: dict[str, str | int | bool] = Field(
        description="The facts its words need: due_on (ISO date, London) and overdue; "
        "fee_pence and the provider's reason; visit_at (ISO, UTC); the officer's reason; "
        "status (closed or cancelled)."
    )


class Tracking(BaseModel):
    reference: str
    status: str | None
    status_since: datetime | None
    due_at: datetime | None
    overdue: bool
    next_step: str = Field(description="What happens next, in English words.")
    next: NextStepOut
    steps: list[Step]
    withheld_until_verified: bool = Field(
        description="True when some steps are sensitive and withheld from the resident "
        "until they verify their identity (level of assurance 2)."
    )


def _outcome(shown: bool, exists: bool, *, refused: bool) -> str:
    """The audit's word: shown, denied (it exists and was not shown), or not_found."""
    return "shown" if shown else "denied" if exists and refused else "not_found"


def _step(row: dict[str, Any]) -> Step:
    data = row["data"] if row["view"] == "detail" else None
    return Step(**{**row, "data": data})


@router.get(
    "/tracking/{reference}",
    response_model=Tracking,
    responses=problems(400, 404, 429, 503),
    dependencies=[TrackingAllowance],
)
async def track_request(
    reference: Annotated[str, Path(pattern=tracking.REFERENCE)],
    viewer: TrackingViewer,
    purpose: TrackingPurpose,
    services: ServicesDep,
    generation: Served,
    clock: ClockDep,
) -> Tracking:
    async with services.runtime.sessions() as session:
        owners = await tracking.owners(session, generation, reference)
        mine = None
        if viewer.kind == "resident":
            mine = await tracking.own_residents(session, generation, viewer.subject)
        seen = tracking_visibility(viewer, reference, owns=bool(set(mine or ()) & set(owners)))
        steps, held_back = [], False
        if seen is not NOTHING:  # a resident (with a token or not) sees their own entries
            steps = await tracking.steps(session, generation, reference, seen, mine)
            held_back = await tracking.withheld(session, generation, reference, seen, mine or [])
    outcome = _outcome(bool(steps), bool(owners), refused=seen is NOTHING or held_back)
    ids = [step["event_id"] for step in steps]
    now = clock()
    await audits.tracked(services, viewer, (reference, owners), purpose, (outcome, ids), now)
    if seen is NOTHING and viewer.kind != "resident":
        raise Forbidden("only officers with a domain role may follow requests")
    if not steps and held_back:
        raise AccessDeniedError(
            "verify your identity to follow this request",
            extensions={"action": SENSITIVE, "required_loa": VERIFIED, "loa": viewer.loa},
        )
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
        next=NextStepOut(code=current.next.code, params=current.next.params),
        steps=[_step(row) for row in steps],
        withheld_until_verified=held_back,
    )
