"""Progressive authentication for residents.

None of these answers tells whether an email address or phone number is a resident's:
tracking and sign-up answer the same ``202`` either way, and signing in refuses an
unknown address and a wrong password alike.
"""

from __future__ import annotations

from fastapi import APIRouter, Response

from townhall.identity.domain import commands
from townhall.identity.domain.sessions import RESIDENT
from townhall.identity.entrypoints.api.dependencies import (
    Bus,
    ClientAddress,
    Context,
    Tokens,
    allowed,
)
from townhall.identity.entrypoints.api.schemas import (
    CodeSent,
    RedeemRequest,
    ResidentLoginRequest,
    SignUpRequest,
    TokenResponse,
    TrackingRequest,
    code_sent,
)
from townhall.identity.entrypoints.api.sessions import signed_in
from townhall.identity.service_layer.access_handlers import Granted
from townhall.runtime.openapi import problems

router = APIRouter(tags=["residents' access"])


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
    response_model=CodeSent,
    dependencies=[allowed("auth.tracking")],
    responses=problems(429),
)
async def start_tracking(body: TrackingRequest, bus: Bus, context: Context) -> CodeSent:
    """Send a one-time code to report without an account or, with
    ``request_reference``, to follow that request. Following sends a code only to a
    contact that is already a resident's; the answer is the same either way."""
    command = commands.StartTracking(
        body.given_name,
        body.family_name,
        str(body.email) if body.email else None,
        body.phone,
        body.request_reference,
    )
    return code_sent(await bus.handle(command, context))


@router.post(
    "/auth/codes/redeem",
    response_model=TokenResponse,
    response_model_exclude_none=True,
    dependencies=[allowed("auth.redeem_code")],
    responses=problems(401, 429),
)
async def redeem_code(
    body: RedeemRequest,
    client: ClientAddress,
    bus: Bus,
    context: Context,
    tokens: Tokens,
    response: Response,
) -> TokenResponse:
    """A code works once, within its lifetime, and dies after a few wrong tries."""
    command = commands.RedeemCode(body.reference, body.code, client)
    granted = await bus.handle(command, context)
    return await _token(bus, context, tokens, granted, response)


@router.post(
    "/accounts",
    status_code=202,
    response_model=CodeSent,
    dependencies=[allowed("account.sign_up")],
    responses=problems(429),
)
async def sign_up(body: SignUpRequest, bus: Bus, context: Context) -> CodeSent:
    """Start an account: redeeming the code sent to the email completes it. If the
    email has an account already, its owner is told instead; the answer is the same."""
    command = commands.SignUp(
        str(body.email),
        body.password,
        body.given_name,
        body.family_name,
        body.preferred_language,
    )
    return code_sent(await bus.handle(command, context))


@router.post(
    "/auth/resident-token",
    response_model=TokenResponse,
    response_model_exclude_none=True,
    dependencies=[allowed("auth.resident_token")],
    responses=problems(401, 403, 429),
)
async def resident_token(
    body: ResidentLoginRequest,
    client: ClientAddress,
    bus: Bus,
    context: Context,
    tokens: Tokens,
    response: Response,
) -> TokenResponse:
    """401 alike for an unknown email and a wrong password; 403 only after the right
    password, while the account's email is unverified."""
    command = commands.AuthenticateResident(str(body.email), body.password, client)
    granted = await bus.handle(command, context)
    return await _token(bus, context, tokens, granted, response)
