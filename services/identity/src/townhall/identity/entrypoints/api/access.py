"""Progressive authentication for residents.

None of these answers tells whether an email address or phone number is a resident's:
tracking and sign-up answer the same ``202`` either way, and signing in refuses an
unknown address and a wrong password alike.
"""

from __future__ import annotations

import uuid
from typing import Annotated

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
    NameRequest,
    RedeemRequest,
    ResidentLoginRequest,
    SignUpRequest,
    TokenResponse,
    TrackingRequest,
    code_sent,
)
from townhall.identity.entrypoints.api.sessions import signed_in
from townhall.identity.service_layer.access_handlers import Granted
from townhall.runtime.access import AccessDeniedError
from townhall.runtime.auth import Principal
from townhall.runtime.openapi import problems

router = APIRouter(tags=["residents' access"])


async def _token(
    bus: Bus,
    context: Context,
    tokens: Tokens,
    granted: Granted,
    response: Response,
    not_after: int | None = None,
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
        extra=_claims(granted),
        session=granted.session,
        not_after=not_after,
    )


def _claims(granted: Granted) -> dict[str, str] | None:
    """A tracking token's ``ref`` (the request it is good for) or, from a code to
    report, ``rpt`` (the code, which may name the request made with it once)."""
    if granted.reference:
        return {"ref": granted.reference}
    return {"rpt": granted.report} if granted.report else None


def _reporting(principal: Principal | None) -> tuple[uuid.UUID, str]:
    """The resident holding the token of a code to report (level 0, no ``ref``), and
    that code's reference."""
    report = None if principal is None else principal.claims.get("rpt")
    if principal is None or principal.loa != 0 or "ref" in principal.claims:
        report = None
    try:
        resident_id = uuid.UUID(principal.subject) if principal else None
    except ValueError:
        resident_id = None
    if resident_id is None or not isinstance(report, str):
        raise AccessDeniedError(
            "only the token of a code to report names the request made with it",
            extensions={"action": "auth.name_request"},
        )
    return resident_id, report


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
        body.language,
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
    "/auth/tracking/request",
    response_model=TokenResponse,
    response_model_exclude_none=True,
    responses=problems(401, 403, 409, 422),
)
async def name_request(
    body: NameRequest,
    caller: Annotated[Principal | None, allowed("auth.name_request")],
    bus: Bus,
    context: Context,
    tokens: Tokens,
    response: Response,
) -> TokenResponse:
    """With the token of a code to report: a token for the request just made with it,
    so the resident follows and pays for it without a second code. Once per code (the
    same request again is a retry; another is 409); no longer-lived than the token
    presented; good for the request only if it is the resident's (each service that
    holds requests checks)."""
    resident_id, report = _reporting(caller)
    command = commands.NameReportedRequest(resident_id, report, body.request_reference)
    granted = await bus.handle(command, context)
    expires = caller.claims.get("exp") if caller else None
    not_after = expires if isinstance(expires, int) else 0
    return await _token(bus, context, tokens, granted, response, not_after)


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
