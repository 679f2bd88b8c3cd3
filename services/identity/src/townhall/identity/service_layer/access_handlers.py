"""Progressive authentication: a tracking reference with a one-time code, an account
with a verified email and a password, and signing in to it."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime

from townhall.identity.adapters.codes import new_code, new_reference
from townhall.identity.adapters.throttle import SignInThrottle
from townhall.identity.domain import commands
from townhall.identity.domain.codes import LIFETIME, SIGN_IN, OneTimeCode, channel_for
from townhall.identity.domain.exceptions import (
    DuplicateEmailError,
    EmailNotVerifiedError,
    InvalidCodeError,
    InvalidCredentialsError,
    RequestNamedAlreadyError,
)
from townhall.identity.domain.model import ContactPoint, Resident
from townhall.identity.domain.sessions import RESIDENT
from townhall.identity.service_layer.unit_of_work import UnitOfWork
from townhall.runtime.clock import Clock
from townhall.runtime.throttling import RateLimit


@dataclass(frozen=True)
class Access:
    """What the access handlers need besides the unit of work."""

    #: The keyed hash a new code is stored as, and the hashes a presented code may have.
    code_hash: Callable[[str, str], str]
    code_hashes: Callable[[str, str], tuple[str, ...]]
    #: Delays after failed sign-ins, wrong codes and unknown refresh tokens.
    sign_in: SignInThrottle
    #: Codes (and notices) sent to one contact point.
    codes_sent: RateLimit
    hash_password: Callable[[str], str]
    verify_password: Callable[[str | None, str], bool]


@dataclass(frozen=True)
class Granted:
    resident_id: uuid.UUID
    loa: int
    #: The one request a tracking token is good for (its ``ref`` claim), if any.
    reference: str | None = None
    #: Whether this sign-in also opens a session (a refresh token): account holders only.
    session: bool = False
    #: A code to report: its reference (the token's ``rpt`` claim), which may name the
    #: request made with it once (:func:`name_reported_request`).
    report: str | None = None


async def issue_code(
    uow: UnitOfWork,
    access: Access,
    resident: Resident,
    purpose: str,
    contact: ContactPoint,
    now: datetime,
    request_reference: str | None = None,
    language: str | None = None,
) -> OneTimeCode:
    """Store a new code for ``resident`` sent to ``contact`` (its keyed hash); the code
    itself goes only into the sealed ``one_time_code.issued`` for notifications, which
    sends it in ``language`` (None: the resident's own preference)."""
    reference, code = new_reference(), new_code()
    channel = channel_for(contact.kind)
    stored = OneTimeCode(
        reference,
        resident.id,
        purpose,
        channel,
        contact.value,
        access.code_hash(reference, code),
        now + LIFETIME,
        request_reference=request_reference,
    )
    await uow.codes.add(stored)
    resident.code_issued(reference, channel, contact.value, code, language)
    return stored


async def limit_issuing(access: Access, kind: str, value: str) -> None:
    """Codes sent to one contact point are limited (no flooding a phone), counted
    whether or not the contact is a resident's: the limit reveals nothing either."""
    await access.codes_sent.ahit(f"{kind}:{value}")


@asynccontextmanager
async def counting_wrong_codes(access: Access, client_address: str) -> AsyncIterator[None]:
    """Refuse a client address that has been failing; count a refused code against it."""
    await access.sign_in.check_address(client_address)
    try:
        yield
    except InvalidCodeError:
        await access.sign_in.failed_from(client_address)
        raise


async def take_code(
    uow: UnitOfWork,
    access: Access,
    reference: str,
    code: str,
    now: datetime,
    fits: Callable[[OneTimeCode], bool],
) -> OneTimeCode:
    """The stored code ``reference`` names, redeemed with ``code`` in ``uow``.

    One that does not exist, or does not ``fit`` where it is presented (another
    purpose, another resident), is refused untouched, as an unknown reference is: it is
    never compared, so trying it teaches nothing and spends none of its attempts. A
    wrong code counts a failed attempt, committed whatever happens next.
    """
    stored = await uow.codes.get(reference)
    if stored is None or not fits(stored):
        raise InvalidCodeError()
    try:
        stored.redeem(access.code_hashes(reference, code), now)
    except InvalidCodeError:
        await uow.codes.save(stored)
        await uow.commit()
        raise
    await uow.codes.save(stored)
    return stored


async def start_tracking(
    command: commands.StartTracking, uow: UnitOfWork, access: Access, clock: Clock
) -> str:
    """Send a tracking code; return its reference (answered the same either way).

    Without ``request_reference`` (reporting without an account) the contact's resident
    is registered if new, preferring the language they asked in (so what the council
    sends them later, a booking's confirmation, comes in it too); an existing resident's
    own preference is theirs to change, never a code's. With it (following a request) a
    code goes only to a contact that is already a resident's, and nothing is created:
    otherwise the reference returned is fresh and never stored, so no code can ever
    redeem it.
    """
    kind, value = ("email", command.email.lower()) if command.email else ("phone", command.phone)
    assert value is not None
    await limit_issuing(access, kind, value)
    async with uow:
        resident = await uow.residents.find_by_contact(kind, value)
        if resident is None and command.request_reference is not None:
            return new_reference()
        if resident is None:
            resident = Resident.register(
                commands.RegisterResident(
                    command.given_name or "",
                    command.family_name or "",
                    "online",
                    email=command.email,
                    phone=command.phone,
                    preferred_language=command.language or "en",
                )
            )
            await uow.residents.add(resident)
        now = clock()
        contact = resident.contact(kind)
        assert contact is not None
        stored = await issue_code(
            uow,
            access,
            resident,
            "track",
            contact,
            now,
            command.request_reference,
            command.language,
        )
        await uow.commit()
    return stored.reference


async def tell_owner(
    uow: UnitOfWork, owner: Resident | None, kind: str, value: str, attempted: str
) -> str:
    """Someone asked to use ``owner``'s email or phone (``attempted``: sign_up or
    add_contact_point): the owner is told there, by the event notifications sends
    (``contact_point.already_registered``, the address sealed), committed with this
    unit of work. The asker is answered a fresh reference that is never stored, as if a
    code had gone, so no code can ever redeem it and the answer tells them nothing."""
    if owner is not None and not owner.erased:
        owner.contact_already_registered(channel_for(kind), value, attempted)
        await uow.commit()
    return new_reference()


async def sign_up(command: commands.SignUp, uow: UnitOfWork, access: Access, clock: Clock) -> str:
    """Create an account and send a code verifying its email; return the code's reference.

    The answer never tells whether the email is registered: when it is, the owner is
    told by email instead (:func:`tell_owner`), nothing is created, and the reference
    returned is fresh and never stored. The password is hashed either way, so time
    tells nothing either.
    """
    email = command.email.strip().lower()
    await limit_issuing(access, "email", email)
    password_hash = access.hash_password(command.password)
    async with uow:
        owner = await uow.residents.with_email(email)
        if owner is not None:
            return await tell_owner(uow, owner, "email", email, "sign_up")
        register = commands.RegisterResident(
            command.given_name,
            command.family_name,
            "online",
            email=email,
            preferred_language=command.preferred_language,
        )
        resident = Resident.register(register)
        resident.password_hash = password_hash
        try:
            await uow.residents.add(resident)
        except DuplicateEmailError:  # another sign-up for it landed since the check
            owner = await uow.residents.with_email(email)
            return await tell_owner(uow, owner, "email", email, "sign_up")
        contact = resident.contact("email")
        assert contact is not None
        stored = await issue_code(
            uow,
            access,
            resident,
            "verify_email",
            contact,
            clock(),
            language=command.preferred_language,
        )
        await uow.commit()
    return stored.reference


async def redeem_code(
    command: commands.RedeemCode, uow: UnitOfWork, access: Access, clock: Clock
) -> Granted:
    """Redeem a one-time code for a short access token.

    Redeeming a sign-up's ``verify_email`` code completes the account: it opens a
    session like a password sign-in. A ``track`` code opens none: it proves only that
    someone could read one message sent to a contact point (a phone number may be
    shared or passed on), grants level 0, and belongs to a visit, not an account the
    resident could review or sign out of. A long-lived credential would outlast that
    thin proof by weeks; the next visit asks for a fresh code instead. Its token names
    the request it was asked for (``ref``), if any: the one request it is good for.

    A code dies after a few wrong tries (``MAX_ATTEMPTS``); the resident asks for a new
    one. Wrong codes also delay their client address, as failed sign-ins do. A code sent
    to verify a contact point signs nobody in: here it is refused as an unknown one.
    """
    async with counting_wrong_codes(access, command.client_address), uow:
        stored = await take_code(uow, access, command.reference, command.code, clock(), _signs_in)
        resident = await uow.residents.get(stored.resident_id)
        assert resident is not None
        if stored.purpose == "verify_email":
            resident.verify_contact("email", stored.destination)
            await uow.residents.save(resident)
        await uow.commit()
    if stored.purpose == "verify_email":
        return Granted(resident.id, resident.loa, session=True)
    if stored.request_reference is None:
        return Granted(resident.id, 0, report=stored.reference)
    return Granted(resident.id, 0, stored.request_reference)


async def name_reported_request(command: commands.NameReportedRequest, uow: UnitOfWork) -> Granted:
    """A token for the request a resident has just made with a code to report, so they
    follow and pay for it without asking for a second code.

    Only a used ``track`` code asked for to report (none named a request when it was
    asked for) and only its own resident's; it names one request, the first it is asked
    for (the same one again is fine: a retry). The token is no more than a fresh code
    to follow that request would give (level 0, its ``ref``, no session) and lives no
    longer than the one it replaces (the route sees to that). Whether the resident owns
    the request is checked where it is held, as for any tracking token: cases, booking,
    payments and resident-view answer 404 for a request that is not the token's
    subject's. See the README ("Naming the request just reported") for why it is safe.
    """
    async with uow:
        stored = await uow.codes.get(command.code_reference)
        reporting = (
            stored is not None
            and stored.purpose == "track"
            and stored.used_at is not None
            and stored.resident_id == command.resident_id
        )
        if not reporting or stored is None:
            raise InvalidCodeError()
        if stored.request_reference not in (None, command.request_reference) or not (
            await uow.codes.name_request(stored.reference, command.request_reference)
        ):
            raise RequestNamedAlreadyError()
        await uow.commit()
    return Granted(command.resident_id, 0, command.request_reference)


def _signs_in(code: OneTimeCode) -> bool:
    return code.purpose in SIGN_IN


async def authenticate_resident(
    command: commands.AuthenticateResident, uow: UnitOfWork, access: Access
) -> Granted:
    """Sign in with email and password. An unknown address and a wrong password are
    refused alike, after the same work, and count alike against the address."""
    email, address = command.email.strip().lower(), command.client_address
    await access.sign_in.check(RESIDENT, email, address)
    async with uow:
        resident = await uow.residents.find_by_contact("email", email)
    hashed = resident.password_hash if resident else None
    if not access.verify_password(hashed, command.password) or resident is None:
        await access.sign_in.failed(RESIDENT, email, address)
        raise InvalidCredentialsError()
    await access.sign_in.succeeded(RESIDENT, email, address)
    contact = resident.contact("email")
    if contact is None or not contact.verified:
        raise EmailNotVerifiedError()
    return Granted(resident.id, resident.loa, session=True)
