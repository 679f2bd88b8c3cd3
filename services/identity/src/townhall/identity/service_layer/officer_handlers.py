"""Officers: accounts, roles granted and revoked by administrators, authentication."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from townhall.identity.adapters.throttle import SignInThrottle
from townhall.identity.domain import commands
from townhall.identity.domain.exceptions import InvalidCredentialsError, NotFoundError
from townhall.identity.domain.officers import Officer
from townhall.identity.domain.sessions import OFFICER
from townhall.identity.service_layer.unit_of_work import UnitOfWork
from townhall.runtime.clock import Clock

Hash = Callable[[str], str]
Verify = Callable[[str | None, str], bool]


@dataclass(frozen=True)
class AuthenticatedOfficer:
    id: uuid.UUID
    roles: tuple[tuple[str, str], ...]


async def create_officer(
    command: commands.CreateOfficer, uow: UnitOfWork, hash_password: Hash
) -> uuid.UUID:
    password_hash = hash_password(command.password)
    officer = Officer.create(command.email, command.display_name, password_hash)
    actor = command.created_by or officer.id
    for domain, clearance in command.roles:
        officer.grant(domain, clearance, actor)
    async with uow:
        await uow.officers.add(officer)
        await uow.commit()
    return officer.id


async def _officer(uow: UnitOfWork, officer_id: uuid.UUID) -> Officer:
    officer = await uow.officers.get(officer_id)
    if officer is None:
        raise NotFoundError("officer", officer_id)
    return officer


async def grant_role(command: commands.GrantRole, uow: UnitOfWork) -> None:
    async with uow:
        officer = await _officer(uow, command.officer_id)
        officer.grant(command.domain, command.clearance, command.actor)
        await uow.officers.save_roles(officer)
        await uow.commit()


async def revoke_role(command: commands.RevokeRole, uow: UnitOfWork, clock: Clock) -> None:
    """Take a role away, and every session of the officer with it: their current access
    token lapses within minutes and no refresh renews it; they sign in again."""
    async with uow:
        officer = await _officer(uow, command.officer_id)
        officer.revoke(command.domain, command.actor)
        await uow.officers.save_roles(officer)
        await uow.refresh_tokens.revoke_subject(OFFICER, officer.id, clock())
        await uow.commit()


async def authenticate_officer(
    command: commands.AuthenticateOfficer,
    uow: UnitOfWork,
    verify_password: Verify,
    sign_in: SignInThrottle,
) -> AuthenticatedOfficer:
    """Sign an officer in. Failures delay the address they come from (see
    ``adapters.throttle``): the right password from elsewhere still works."""
    email, address = command.email.strip().lower(), command.client_address
    await sign_in.check(OFFICER, email, address)
    async with uow:
        officer = await uow.officers.by_email(command.email)
    if officer is None or not verify_password(officer.password_hash, command.password):
        if officer is None:
            verify_password(None, command.password)  # same work either way: timing reveals nothing
        await sign_in.failed(OFFICER, email, address)
        raise InvalidCredentialsError()
    await sign_in.succeeded(OFFICER, email, address)
    return AuthenticatedOfficer(officer.id, tuple(sorted(officer.roles.items())))
