"""Cases: submitting, tracking and working them."""

from __future__ import annotations

from fastapi import APIRouter, Response

from townhall.cases import views
from townhall.cases.domain import commands
from townhall.cases.domain.exceptions import CaseNotFoundError
from townhall.cases.entrypoints.api.dependencies import (
    Bus,
    CatalogueDep,
    Context,
    MaybeActor,
    Session,
    SignedIn,
)
from townhall.cases.entrypoints.api.schemas import (
    AssignmentRequest,
    AttachmentRequest,
    CaseCreated,
    CaseOut,
    Created,
    NoteRequest,
    StatusOut,
    SubmitCaseRequest,
    TransitionRequest,
)

router = APIRouter(prefix="/cases", tags=["cases"])


@router.post("", status_code=201, response_model=CaseCreated)
async def submit_case(
    body: SubmitCaseRequest, bus: Bus, context: Context, actor: MaybeActor, response: Response
) -> CaseCreated:
    """Residents (signed in or not), and officers on a resident's behalf."""
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


@router.get("/{reference}", response_model=CaseOut, response_model_exclude_none=True)
async def show_case(
    reference: str, session: Session, catalogue: CatalogueDep, actor: MaybeActor
) -> CaseOut:
    """Track a case by its reference; what is shown depends on who asks."""
    view = await views.case_view(session, catalogue, reference, actor)
    if view is None:
        raise CaseNotFoundError(reference)
    return CaseOut.model_validate(view)


@router.post("/{reference}/transitions", response_model=StatusOut)
async def change_status(
    reference: str, body: TransitionRequest, bus: Bus, context: Context, actor: SignedIn
) -> StatusOut:
    command = commands.ChangeStatus(reference, body.to, body.reason, actor)
    return StatusOut(reference=reference, status=await bus.handle(command, context))


@router.put("/{reference}/assignment", status_code=204)
async def assign_case(
    reference: str, body: AssignmentRequest, bus: Bus, context: Context, actor: SignedIn
) -> None:
    await bus.handle(commands.AssignCase(reference, body.team, body.officer, actor), context)


@router.post("/{reference}/updates", status_code=201, response_model=Created)
async def post_update(
    reference: str, body: NoteRequest, bus: Bus, context: Context, actor: SignedIn
) -> Created:
    """A public update: the resident sees it."""
    note_id = await bus.handle(commands.AddNote(reference, body.text, True, actor), context)
    return Created(id=note_id)


@router.post("/{reference}/notes", status_code=201, response_model=Created)
async def add_internal_note(
    reference: str, body: NoteRequest, bus: Bus, context: Context, actor: SignedIn
) -> Created:
    """An internal note: officers only, never shown to the resident."""
    note_id = await bus.handle(commands.AddNote(reference, body.text, False, actor), context)
    return Created(id=note_id)


@router.post("/{reference}/attachments", status_code=201, response_model=Created)
async def add_attachment(
    reference: str, body: AttachmentRequest, bus: Bus, context: Context, actor: SignedIn
) -> Created:
    """An attachment's metadata (the file itself is stored elsewhere)."""
    command = commands.AddAttachment(
        reference, body.filename, body.content_type, body.size_bytes, actor
    )
    return Created(id=await bus.handle(command, context))
