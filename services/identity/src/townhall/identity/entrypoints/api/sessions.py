"""Sessions: the tokens a sign-in answers with, refreshing them, and signing out."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from fastapi import APIRouter, Response

from townhall.identity.adapters.tokens import IssuedToken
from townhall.identity.domain.commands import EndSession, RefreshSession, StartSession
from townhall.identity.entrypoints.api.dependencies import (
    Bus,
    ClientAddress,
    Context,
    Tokens,
    allowed,
)
from townhall.identity.entrypoints.api.schemas import RefreshRequest, TokenResponse
from townhall.identity.service_layer.session_handlers import SessionGrant
from townhall.runtime.openapi import problems

router = APIRouter(tags=["tokens"])


def token_response(
    issued: IssuedToken, grant: SessionGrant | None, response: Response
) -> TokenResponse:
    response.headers["Cache-Control"] = "no-store"
    if grant is None:
        return TokenResponse(**vars(issued))
    return TokenResponse(
        **vars(issued), refresh_token=grant.refresh_token, refresh_expires_in=grant.expires_in
    )


async def signed_in(
    bus: Bus,
    context: Context,
    tokens: Tokens,
    response: Response,
    *,
    kind: str,
    subject_id: uuid.UUID,
    roles: Iterable[tuple[str, str]] = (),
    loa: int = 0,
    extra: Mapping[str, Any] | None = None,
    session: bool = True,
    not_after: int | None = None,
) -> TokenResponse:
    """An access token for someone who has just signed in and, when ``session``, a
    refresh token opening a session (signed first: a failure leaves nothing stored);
    ``not_after``: the token expires then at the latest."""
    issued = await tokens.issue(
        str(subject_id), kind, roles=roles, loa=loa, extra=extra, not_after=not_after
    )
    grant = await bus.handle(StartSession(kind, subject_id), context) if session else None
    return token_response(issued, grant, response)


@router.post(
    "/auth/refresh",
    response_model=TokenResponse,
    response_model_exclude_none=True,
    dependencies=[allowed("auth.refresh")],
    responses=problems(401, 429),
)
async def refresh(
    body: RefreshRequest,
    client: ClientAddress,
    bus: Bus,
    context: Context,
    tokens: Tokens,
    response: Response,
) -> TokenResponse:
    """Spend a refresh token for a new access token and a new refresh token, carrying
    the officer's roles and the resident's level of assurance as they are now.

    A refresh token works once: presenting a spent one signs out its whole session.
    """
    renewed = await bus.handle(RefreshSession(body.refresh_token, client), context)
    issued = await tokens.issue(
        str(renewed.subject_id), renewed.kind, roles=renewed.roles, loa=renewed.loa
    )
    return token_response(issued, renewed.session, response)


@router.post("/auth/logout", status_code=204, dependencies=[allowed("auth.logout")])
async def logout(body: RefreshRequest, bus: Bus, context: Context) -> None:
    """Sign out: the session's refresh tokens stop working (idempotent)."""
    await bus.handle(EndSession(body.refresh_token), context)
