"""Tokens: the JWKS, officer and service sign-in, and key rotation."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from townhall.identity.domain.commands import AuthenticateOfficer
from townhall.identity.domain.officers import OFFICER_LOA
from townhall.identity.domain.sessions import OFFICER
from townhall.identity.entrypoints.api.dependencies import (
    Bus,
    ClientAddress,
    Context,
    SigningKeysDep,
    Tokens,
    allowed,
)
from townhall.identity.entrypoints.api.schemas import (
    OfficerLoginRequest,
    RotatedKey,
    ServiceClientCreated,
    ServiceClientRequest,
    ServiceTokenRequest,
    TokenResponse,
)
from townhall.identity.entrypoints.api.sessions import signed_in, token_response
from townhall.identity.service_layer.client_handlers import (
    AuthenticateServiceClient,
    RegisterServiceClient,
)
from townhall.runtime.openapi import problems

router = APIRouter(tags=["tokens"])


@router.get("/.well-known/jwks.json", dependencies=[allowed("keys.jwks")])
async def jwks(keys: SigningKeysDep, response: Response) -> dict[str, Any]:
    response.headers["Cache-Control"] = "public, max-age=300"
    return await keys.jwks()


@router.post(
    "/auth/officer-token",
    response_model=TokenResponse,
    response_model_exclude_none=True,
    dependencies=[allowed("auth.officer_token")],
    responses=problems(401, 429),
)
async def officer_token(
    body: OfficerLoginRequest,
    client: ClientAddress,
    bus: Bus,
    context: Context,
    tokens: Tokens,
    response: Response,
) -> TokenResponse:
    """Sign an officer in: an access token and a refresh token for one shift. After a
    failure, the next attempt from this address waits (429 with Retry-After)."""
    command = AuthenticateOfficer(body.email, body.password, client)
    officer = await bus.handle(command, context)
    return await signed_in(
        bus,
        context,
        tokens,
        response,
        kind=OFFICER,
        subject_id=officer.id,
        roles=officer.roles,
        loa=OFFICER_LOA,
    )


@router.post(
    "/keys/rotate",
    response_model=RotatedKey,
    status_code=201,
    dependencies=[allowed("keys.rotate")],
)
async def rotate_keys(keys: SigningKeysDep) -> RotatedKey:
    record = await keys.rotate()
    return RotatedKey(kid=record.kid, activates_at=record.activates_at.isoformat())


@router.post(
    "/auth/service-token",
    response_model=TokenResponse,
    response_model_exclude_none=True,
    dependencies=[allowed("auth.service_token")],
    responses=problems(401, 429),
)
async def service_token(
    body: ServiceTokenRequest,
    client: ClientAddress,
    bus: Bus,
    context: Context,
    tokens: Tokens,
    response: Response,
) -> TokenResponse:
    """OAuth 2.0 client-credentials grant (JSON body) for other services: no refresh
    token, a service asks again with its credentials. A wrong secret delays only the
    address it came from: nobody can lock a service out."""
    command = AuthenticateServiceClient(body.client_id, body.client_secret, client)
    found = await bus.handle(command, context)
    issued = await tokens.issue(f"service:{found.client_id}", "service", scopes=found.scopes)
    return token_response(issued, None, response)


@router.post(
    "/service-clients",
    response_model=ServiceClientCreated,
    status_code=201,
    dependencies=[allowed("service_client.register")],
    responses=problems(409),
)
async def register_service_client(
    body: ServiceClientRequest, bus: Bus, context: Context
) -> ServiceClientCreated:
    """Register a service; its secret is shown in this response only."""
    command = RegisterServiceClient(body.client_id, tuple(body.scopes))
    client = await bus.handle(command, context)
    return ServiceClientCreated(
        client_id=client.client_id, scopes=list(client.scopes), client_secret=client.secret
    )
