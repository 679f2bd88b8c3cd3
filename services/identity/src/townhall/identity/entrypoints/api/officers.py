"""Officers and their roles, managed by administrators."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Response

from townhall.identity.adapters.officer_repository import OfficerRepository
from townhall.identity.domain.commands import (
    CreateOfficer,
    GrantRole,
    RevokeOfficerSessions,
    RevokeRole,
)
from townhall.identity.domain.exceptions import NotFoundError
from townhall.identity.entrypoints.api.dependencies import (
    Bus,
    Context,
    Sessions,
    actor_id,
    allowed,
)
from townhall.identity.entrypoints.api.schemas import (
    CreateOfficerRequest,
    OfficerOut,
    ResidentCreated,
    RoleDomain,
    RoleRequest,
)
from townhall.runtime.auth import Principal
from townhall.runtime.openapi import problems

router = APIRouter(prefix="/officers", tags=["officers"])


@router.post("", status_code=201, response_model=ResidentCreated, responses=problems(409))
async def create_officer(
    body: CreateOfficerRequest,
    admin: Annotated[Principal, allowed("officer.create")],
    bus: Bus,
    context: Context,
    response: Response,
) -> ResidentCreated:
    command = CreateOfficer(
        body.email, body.display_name, body.password, created_by=actor_id(admin)
    )
    officer_id = await bus.handle(command, context)
    response.headers["Location"] = f"/officers/{officer_id}"
    return ResidentCreated(id=officer_id)


@router.get(
    "/{officer_id}",
    response_model=OfficerOut,
    dependencies=[allowed("officer.read")],
    responses=problems(404),
)
async def show_officer(officer_id: UUID, sessions: Sessions) -> OfficerOut:
    async with sessions() as session:
        officer = await OfficerRepository(session).get(officer_id)
    if officer is None:
        raise NotFoundError("officer", officer_id)
    return OfficerOut(
        id=officer.id, email=officer.email, display_name=officer.display_name, roles=officer.roles
    )


@router.put("/{officer_id}/roles/{domain}", status_code=204, responses=problems(404))
async def grant_role(
    officer_id: UUID,
    domain: RoleDomain,
    body: RoleRequest,
    admin: Annotated[Principal, allowed("officer.grant_role")],
    bus: Bus,
    context: Context,
) -> None:
    await bus.handle(GrantRole(officer_id, domain, body.clearance.value, actor_id(admin)), context)


@router.delete("/{officer_id}/roles/{domain}", status_code=204, responses=problems(404, 409))
async def revoke_role(
    officer_id: UUID,
    domain: RoleDomain,
    admin: Annotated[Principal, allowed("officer.revoke_role")],
    bus: Bus,
    context: Context,
) -> None:
    """Take a role away; the officer's sessions end with it (they sign in again)."""
    await bus.handle(RevokeRole(officer_id, domain, actor_id(admin)), context)


@router.post("/{officer_id}/sessions/revoke", status_code=204, responses=problems(404))
async def revoke_sessions(
    officer_id: UUID,
    admin: Annotated[Principal, allowed("officer.revoke_sessions")],
    bus: Bus,
    context: Context,
) -> None:
    """End every session of the officer: no refresh works, and the access tokens
    already issued lapse on their own within minutes."""
    await bus.handle(RevokeOfficerSessions(officer_id, actor_id(admin)), context)
