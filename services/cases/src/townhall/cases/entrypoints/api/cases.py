"""Cases: submitting, tracking and working them."""

from __future__ import annotations

from fastapi import APIRouter, Response

from townhall.cases import views
from townhall.cases.domain import commands
from townhall.cases.domain.exceptions import CaseNotFoundError
from townhall.cases.entrypoints.api.dependencies import (
    AddsNote,
    AssignsCase,
    Bus,
    CaseReference,
    CatalogueDep,
    ConfirmsReporter,
    Context,
    MovesCase,
    PostsUpdate,
    ReadsCase,
    Session,
    SubmitsCase,
)
from townhall.cases.entrypoints.api.schemas import (
    AssignmentRequest,
    CaseCreated,
    CaseOut,
    Created,
    NoteRequest,
    ReporterConfirmed,
    StatusOut,
    SubmitCaseRequest,
    TransitionRequest,
)
from townhall.runtime.openapi import problems

router = APIRouter(prefix="/cases", tags=["cases"])


@router.post("", status_code=201, response_model=CaseCreated, responses=problems(400, 422, 503))
async def submit_case(
    body: SubmitCaseRequest, bus: Bus, context: Context, actor: SubmitsCase, response: Response
) -> CaseCreated:
    """Residents (signed in or not), and officers or service clients on their behalf.

    Writes that carry what was written about a resident (here: a fee's reason; on a
    case: updates, notes, reasons, file names) are sealed under the resident's data
    key: 503 when identity cannot give it, and nothing is saved."""
    command = commands.SubmitCase(
        service_code=body.service_code,
        details=body.details,
        channel=body.channel,
        actor=actor,
        resident_id=body.resident_id,
        reporter=commands.Reporter(**body.reporter.model_dump()),
        location=commands.Location(**body.location.model_dump()) if body.location else None,
        description=body.description,
    )
    submitted = await bus.handle(command, context)
    response.headers["Location"] = f"/cases/{submitted.reference}"
    return CaseCreated(id=submitted.case_id, reference=submitted.reference)


@router.get(
    "/{reference}",
    response_model=CaseOut,
    response_model_exclude_none=True,
    responses=problems(404, 429),
)
async def show_case(
    reference: CaseReference, session: Session, catalogue: CatalogueDep, actor: ReadsCase
) -> CaseOut:
    """Track a case by its reference; what is shown depends on who asks. A case that is
    not the caller's to see is 404, as one that does not exist."""
    view = await views.case_view(session, catalogue, reference, actor)
    if view is None:
        raise CaseNotFoundError(reference)
    return CaseOut.model_validate(view)


@router.post(
    "/{reference}/transitions",
    response_model=StatusOut,
    responses=problems(400, 404, 409, 422, 503),
)
async def change_status(
    reference: CaseReference, body: TransitionRequest, bus: Bus, context: Context, actor: MovesCase
) -> StatusOut:
    command = commands.ChangeStatus(reference, body.to, body.reason, actor)
    return StatusOut(reference=reference, status=await bus.handle(command, context))


@router.put("/{reference}/assignment", status_code=204, responses=problems(400, 404, 409, 422))
async def assign_case(
    reference: CaseReference,
    body: AssignmentRequest,
    bus: Bus,
    context: Context,
    actor: AssignsCase,
) -> None:
    await bus.handle(commands.AssignCase(reference, body.team, body.officer, actor), context)


@router.post(
    "/{reference}/updates",
    status_code=201,
    response_model=Created,
    responses=problems(400, 404, 409, 422, 503),
)
async def post_update(
    reference: CaseReference, body: NoteRequest, bus: Bus, context: Context, actor: PostsUpdate
) -> Created:
    """A public update: the resident sees it."""
    note_id = await bus.handle(commands.AddNote(reference, body.text, True, actor), context)
    return Created(id=note_id)


@router.post(
    "/{reference}/notes",
    status_code=201,
    response_model=Created,
    responses=problems(400, 404, 409, 422, 503),
)
async def add_internal_note(
    reference: CaseReference, body: NoteRequest, bus: Bus, context: Context, actor: AddsNote
) -> Created:
    """An internal note: officers only, never shown to the resident."""
    note_id = await bus.handle(commands.AddNote(reference, body.text, False, actor), context)
    return Created(id=note_id)


@router.post("/{reference}/confirm", response_model=ReporterConfirmed, responses=problems(404, 409))
async def confirm_reporter(
    reference: CaseReference, bus: Bus, context: Context, actor: ConfirmsReporter
) -> ReporterConfirmed:
    """Its resident confirms that a request reported in their name is theirs; until then
    it is only a claim. Confirming again answers the same and publishes nothing."""
    confirmed_at = await bus.handle(commands.ConfirmReporter(reference, actor), context)
    return ReporterConfirmed(reference=reference, confirmed_at=confirmed_at)
