"""Progressive authentication for residents, and the development mailbox."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from townhall.identity.domain import commands
from townhall.identity.domain.codes import LIFETIME
from townhall.identity.domain.sessions import RESIDENT
from townhall.identity.entrypoints.api.dependencies import (
    Bus,
    Context,
    MailboxDep,
    Tokens,
    allowed,
)
from townhall.identity.entrypoints.api.schemas import (
    RedeemRequest,
    ResidentLoginRequest,
    SignedUp,
    SignUpRequest,
    TokenResponse,
    TrackingRequest,
    TrackingStarted,
)
from townhall.identity.entrypoints.api.sessions import signed_in
from townhall.identity.service_layer.access_handlers import Granted
from townhall.runtime.openapi import problems
from townhall.runtime.problems import UnprocessableContent

router = APIRouter(tags=["residents' access"])
mailbox_router = APIRouter(tags=["development"])


async def _token(
    bus: Bus, context: Context, tokens: Tokens, granted: Granted, response: Response
) -> TokenResponse:
    """The resident's tokens; a refresh token only for account holders (see
    ``access_handlers.redeem_code`` for why a tracking code opens no session)."""
    return await signed_in(
        bus,
        context,
        tokens,
        response,
        kind=RESIDENT,
        subject_id=granted.resident_id,
        loa=granted.loa,
        extra={"ref": granted.reference} if granted.reference else None,
        session=granted.session,
    )


@router.post(
    "/auth/tracking",
    status_code=202,
    response_model=TrackingStarted,
    dependencies=[allowed("auth.tracking")],
    responses=problems(429),
)
async def start_tracking(body: TrackingRequest, bus: Bus, context: Context) -> TrackingStarted:
    if (body.email is None) == (body.phone is None):
        raise UnprocessableContent("give exactly one of email or phone")
    command = commands.StartTracking(
        body.given_name, body.family_name, str(body.email) if body.email else None, body.phone
    )
    reference = await bus.handle(command, context)
    return TrackingStarted(reference=reference, expires_in=int(LIFETIME.total_seconds()))


@router.post(
    "/auth/codes/redeem",
    response_model=TokenResponse,
    response_model_exclude_none=True,
    dependencies=[allowed("auth.redeem_code")],
    responses=problems(401, 429),
)
async def redeem_code(
    body: RedeemRequest, bus: Bus, context: Context, tokens: Tokens, response: Response
) -> TokenResponse:
    granted = await bus.handle(commands.RedeemCode(body.reference, body.code), context)
    return await _token(bus, context, tokens, granted, response)


@router.post(
    "/accounts",
    status_code=201,
    response_model=SignedUp,
    dependencies=[allowed("account.sign_up")],
    responses=problems(409, 429),
)
async def sign_up(body: SignUpRequest, bus: Bus, context: Context) -> SignedUp:
    command = commands.SignUp(
        str(body.email),
        body.password,
        body.given_name,
        body.family_name,
        body.preferred_language,
    )
    granted = await bus.handle(command, context)
    return SignedUp(id=granted.resident_id, reference=granted.reference)


@router.post(
    "/auth/resident-token",
    response_model=TokenResponse,
    response_model_exclude_none=True,
    dependencies=[allowed("auth.resident_token")],
    responses=problems(401, 403, 429),
)
async def resident_token(
    body: ResidentLoginRequest, bus: Bus, context: Context, tokens: Tokens, response: Response
) -> TokenResponse:
    granted = await bus.handle(
        commands.AuthenticateResident(str(body.email), body.password), context
    )
    return await _token(bus, context, tokens, granted, response)


@mailbox_router.get("/dev/mailbox", dependencies=[allowed("dev.mailbox")])
async def dev_mailbox(mailbox: MailboxDep) -> dict[str, Any]:
    """Codes as they would be delivered: mounted only with IDENTITY_DEV_MAILBOX=1."""
    return {"messages": mailbox.messages()}
