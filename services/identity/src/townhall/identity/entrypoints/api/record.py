"""Changes to a resident's record: names, language, moves, contacts, identifiers,
assurance and consent. Each is one command; each change is an event."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Response

from townhall.identity import views
from townhall.identity.domain import commands
from townhall.identity.domain.sessions import RESIDENT
from townhall.identity.entrypoints.api.dependencies import (
    Bus,
    ClientAddress,
    Context,
    Sessions,
    actor_id,
    allowed,
)
from townhall.identity.entrypoints.api.schemas import (
    AssuranceRequest,
    ChangeNameRequest,
    CodeSent,
    ConfirmContactPointRequest,
    ConsentDomain,
    ConsentsOut,
    ContactPointRequest,
    Domain,
    IdentifierRequest,
    LanguageRequest,
    MoveRequest,
    code_sent,
)
from townhall.runtime.auth import Principal
from townhall.runtime.openapi import problems

router = APIRouter(prefix="/residents/{resident_id}", tags=["residents"])
#: What changing a record may answer: no such resident, or one whose data is erased.
_CHANGE = problems(404, 410)


@router.put(
    "/name", status_code=204, dependencies=[allowed("resident.change_name")], responses=_CHANGE
)
async def change_name(
    resident_id: UUID, body: ChangeNameRequest, bus: Bus, context: Context
) -> None:
    command = commands.ChangeName(resident_id, body.given_name, body.family_name, body.since)
    await bus.handle(command, context)


@router.put(
    "/preferred-language",
    status_code=204,
    dependencies=[allowed("resident.set_language")],
    responses=_CHANGE,
)
async def set_language(
    resident_id: UUID, body: LanguageRequest, bus: Bus, context: Context
) -> None:
    await bus.handle(commands.SetPreferredLanguage(resident_id, body.language), context)


@router.post(
    "/addresses", status_code=204, dependencies=[allowed("resident.move")], responses=_CHANGE
)
async def move(resident_id: UUID, body: MoveRequest, bus: Bus, context: Context) -> None:
    command = commands.MoveResident(resident_id, **body.model_dump())
    await bus.handle(command, context)


@router.post(
    "/contact-points",
    status_code=202,
    response_model=CodeSent,
    responses={204: {"description": "Added (by an officer)"}, **problems(404, 409, 410, 429)},
)
async def add_contact_point(
    resident_id: UUID,
    body: ContactPointRequest,
    caller: Annotated[Principal, allowed("resident.add_contact_point")],
    bus: Bus,
    context: Context,
) -> CodeSent | Response:
    """A resident's own email or phone: a code goes to it (``202``, the same answer
    whoever holds the value), and it is stored, verified, once they give the code back
    at ``/contact-points/verify``. An officer adds one directly (``204``), and is told
    ``409`` if another resident holds it: officers may look residents up anyway."""
    kind, value = ("email", str(body.email)) if body.email else ("phone", str(body.phone))
    if caller.kind == RESIDENT:
        command = commands.RequestContactPoint(resident_id, kind, value)
        return code_sent(await bus.handle(command, context))
    await bus.handle(commands.AddContactPoint(resident_id, kind, value), context)
    return Response(status_code=204)


@router.post(
    "/contact-points/verify",
    status_code=204,
    dependencies=[allowed("resident.verify_contact_point")],
    responses=problems(401, 404, 410, 429),
)
async def verify_contact_point(
    resident_id: UUID,
    body: ConfirmContactPointRequest,
    client: ClientAddress,
    bus: Bus,
    context: Context,
) -> None:
    """Store the contact point the code went to, verified. A wrong, used or expired
    code, another resident's, and a value another resident took meanwhile: all ``401``
    alike. A code dies after a few wrong tries; ask for a new one."""
    command = commands.ConfirmContactPoint(resident_id, body.reference, body.code, client)
    await bus.handle(command, context)


@router.put(
    "/identifiers/{system}",
    status_code=204,
    dependencies=[allowed("resident.link_identifier")],
    responses=problems(404, 409, 410),
)
async def link_identifier(
    resident_id: UUID, system: Domain, body: IdentifierRequest, bus: Bus, context: Context
) -> None:
    await bus.handle(commands.LinkIdentifier(resident_id, system, body.value), context)


@router.post("/assurance", status_code=204, responses=_CHANGE)
async def raise_assurance(
    resident_id: UUID,
    body: AssuranceRequest,
    officer: Annotated[Principal, allowed("resident.raise_assurance")],
    bus: Bus,
    context: Context,
) -> None:
    command = commands.RaiseAssurance(resident_id, body.loa, body.evidence, actor_id(officer))
    await bus.handle(command, context)


@router.get(
    "/consents",
    response_model=ConsentsOut,
    dependencies=[allowed("consent.read")],
    responses=problems(404, 410, 429),
)
async def show_consents(resident_id: UUID, sessions: Sessions) -> ConsentsOut:
    async with sessions() as session:
        domains = await views.consents(session, resident_id)
    return ConsentsOut(resident_id=resident_id, domains=domains)


@router.put(
    "/consents/{domain}",
    status_code=204,
    dependencies=[allowed("consent.change")],
    responses=_CHANGE,
)
async def grant_consent(
    resident_id: UUID, domain: ConsentDomain, bus: Bus, context: Context
) -> None:
    await bus.handle(commands.ChangeConsent(resident_id, domain, granted=True), context)


@router.delete(
    "/consents/{domain}",
    status_code=204,
    dependencies=[allowed("consent.change")],
    responses=_CHANGE,
)
async def withdraw_consent(
    resident_id: UUID, domain: ConsentDomain, bus: Bus, context: Context
) -> None:
    await bus.handle(commands.ChangeConsent(resident_id, domain, granted=False), context)
