"""Progressive authentication: a tracking reference with a one-time code, an account
with a verified email and a password, and signing in to it."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from townhall.identity.adapters.codes import new_code, new_reference
from townhall.identity.adapters.throttle import Throttle
from townhall.identity.domain import commands
from townhall.identity.domain.codes import LIFETIME, OneTimeCode
from townhall.identity.domain.exceptions import (
    DuplicateEmailError,
    EmailNotVerifiedError,
    InvalidCodeError,
    InvalidCredentialsError,
)
from townhall.identity.domain.model import Resident
from townhall.identity.service_layer.unit_of_work import UnitOfWork
from townhall.runtime.clock import Clock


class Mailbox(Protocol):
    def deliver(self, reference: str, channel: str, destination: str, code: str) -> None: ...


@dataclass(frozen=True)
class Access:
    """What the access handlers need besides the unit of work."""

    #: The keyed hash a new code is stored as, and the hashes a presented code may have.
    code_hash: Callable[[str, str], str]
    code_hashes: Callable[[str, str], tuple[str, ...]]
    mailbox: Mailbox
    throttle: Throttle
    hash_password: Callable[[str], str]
    verify_password: Callable[[str | None, str], bool]


@dataclass(frozen=True)
class Granted:
    resident_id: uuid.UUID
    loa: int
    reference: str | None = None
    #: Whether this sign-in also opens a session (a refresh token): account holders only.
    session: bool = False


async def _issue_code(
    uow: UnitOfWork, access: Access, resident: Resident, purpose: str, kind: str, now: datetime
) -> tuple[OneTimeCode, str]:
    contact = resident.contact(kind)
    assert contact is not None
    access.throttle.check(f"issue:{contact.value}")
    access.throttle.failed(f"issue:{contact.value}")  # counts issues: no flooding a phone
    reference, code = new_reference(), new_code()
    channel = "email" if kind == "email" else "sms"
    stored = OneTimeCode(
        reference,
        resident.id,
        purpose,
        channel,
        contact.value,
        access.code_hash(reference, code),
        now + LIFETIME,
    )
    await uow.codes.add(stored)
    resident.code_issued(reference, channel, contact.value, code)
    return stored, code


async def start_tracking(
    command: commands.StartTracking, uow: UnitOfWork, access: Access, clock: Clock
) -> str:
    kind, value = ("email", command.email) if command.email else ("phone", command.phone)
    assert value is not None
    async with uow:
        resident = await uow.residents.find_by_contact(
            kind, value.lower() if command.email else value
        )
        if resident is None:
            register = commands.RegisterResident(
                command.given_name,
                command.family_name,
                "online",
                email=command.email,
                phone=command.phone,
            )
            resident = Resident.register(register)
            await uow.residents.add(resident)
        stored, code = await _issue_code(uow, access, resident, "track", kind, clock())
        await uow.commit()
    access.mailbox.deliver(stored.reference, stored.channel, stored.destination, code)
    return stored.reference


async def sign_up(
    command: commands.SignUp, uow: UnitOfWork, access: Access, clock: Clock
) -> Granted:
    async with uow:
        if await uow.residents.email_taken(command.email):
            raise DuplicateEmailError(command.email)
        register = commands.RegisterResident(
            command.given_name,
            command.family_name,
            "online",
            email=command.email,
            preferred_language=command.preferred_language,
        )
        resident = Resident.register(register)
        resident.password_hash = access.hash_password(command.password)
        await uow.residents.add(resident)
        stored, code = await _issue_code(uow, access, resident, "verify_email", "email", clock())
        await uow.commit()
    access.mailbox.deliver(stored.reference, stored.channel, stored.destination, code)
    return Granted(resident.id, resident.loa, stored.reference)


async def redeem_code(
    command: commands.RedeemCode, uow: UnitOfWork, access: Access, clock: Clock
) -> Granted:
    """Redeem a one-time code for a short access token.

    Redeeming a sign-up's ``verify_email`` code completes the account: it opens a
    session like a password sign-in. A ``track`` code opens none: it proves only that
    someone could read one message sent to a contact point (a phone number may be
    shared or passed on), grants level 0 for one reference, and belongs to a visit, not
    an account the resident could review or sign out of. A long-lived credential would
    outlast that thin proof by weeks; the next visit asks for a fresh code instead.
    """
    key = f"code:{command.reference}"
    access.throttle.check(key)
    async with uow:
        stored = await uow.codes.get(command.reference)
        if stored is None:
            access.throttle.failed(key)
            raise InvalidCodeError()
        try:
            stored.redeem(access.code_hashes(command.reference, command.code), clock())
        except InvalidCodeError:
            await uow.codes.save(stored)  # the failed attempt counts, whatever happens next
            await uow.commit()
            access.throttle.failed(key)
            raise
        await uow.codes.save(stored)
        resident = await uow.residents.get(stored.resident_id)
        assert resident is not None
        if stored.purpose == "verify_email":
            resident.verify_contact("email", stored.destination)
            await uow.residents.save(resident)
        await uow.commit()
    account = stored.purpose == "verify_email"
    return Granted(resident.id, resident.loa if account else 0, stored.reference, session=account)


async def authenticate_resident(
    command: commands.AuthenticateResident, uow: UnitOfWork, access: Access
) -> Granted:
    key = f"resident:{command.email.strip().lower()}"
    access.throttle.check(key)
    async with uow:
        resident = await uow.residents.find_by_contact("email", command.email.strip().lower())
    hashed = resident.password_hash if resident else None
    if not access.verify_password(hashed, command.password) or resident is None:
        access.throttle.failed(key)
        raise InvalidCredentialsError()
    access.throttle.succeeded(key)
    email = resident.contact("email")
    if email is None or not email.verified:
        raise EmailNotVerifiedError()
    return Granted(resident.id, resident.loa, session=True)
