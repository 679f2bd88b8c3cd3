"""Sessions: a refresh token issued at sign-in, rotated at each refresh, revoked at
sign-out, by an administrator, when an officer loses a role and when a resident is erased.

Access tokens stay stateless (every service verifies them alone) and short (15
minutes); a revocation therefore takes effect at the next refresh, when the officer's
roles and the resident's level of assurance are read again from the database.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import structlog

from townhall.identity.adapters.refresh_tokens import hash_refresh_token, new_refresh_token
from townhall.identity.adapters.throttle import Backoff, SignInThrottle
from townhall.identity.domain import commands
from townhall.identity.domain.exceptions import (
    InvalidRefreshTokenError,
    NotFoundError,
    RefreshTokenReusedError,
)
from townhall.identity.domain.officers import OFFICER_LOA
from townhall.identity.domain.sessions import OFFICER, RefreshToken, SessionFamily
from townhall.identity.service_layer.unit_of_work import UnitOfWork
from townhall.runtime.clock import Clock

_log = structlog.get_logger(__name__)
#: Families are forgotten this long after they expire (nothing can still write to them).
_FORGET_AFTER = timedelta(days=1)
Roles = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class SessionPolicy:
    """How long a sign-in lasts, per kind, and the throttle unknown refresh tokens
    count against (their client address)."""

    officer_lifetime: timedelta = timedelta(hours=12)
    resident_lifetime: timedelta = timedelta(days=30)
    throttle: SignInThrottle = field(
        default_factory=lambda: SignInThrottle(
            Backoff("sign-in"), Backoff("sign-in-address", free=10), Backoff("account", cap=0)
        )
    )

    def lifetime(self, kind: str) -> timedelta:
        return self.officer_lifetime if kind == OFFICER else self.resident_lifetime


@dataclass(frozen=True)
class SessionGrant:
    refresh_token: str = field(repr=False)
    expires_in: int


@dataclass(frozen=True)
class Renewed:
    """Who the refreshed session belongs to, as the database says now."""

    kind: str
    subject_id: uuid.UUID
    roles: Roles
    loa: int
    session: SessionGrant


def _grant(token: str, family: SessionFamily, now: datetime) -> SessionGrant:
    return SessionGrant(token, int((family.expires_at - now).total_seconds()))


async def start_session(
    command: commands.StartSession, uow: UnitOfWork, policy: SessionPolicy, clock: Clock
) -> SessionGrant:
    now = clock()
    token = new_refresh_token()
    family = SessionFamily.start(
        command.kind, command.subject_id, now, policy.lifetime(command.kind)
    )
    async with uow:
        await uow.refresh_tokens.prune(now - _FORGET_AFTER)
        await uow.refresh_tokens.add(
            family, RefreshToken(hash_refresh_token(token), family.id, now)
        )
        await uow.commit()
    return _grant(token, family, now)


async def refresh_session(
    command: commands.RefreshSession, uow: UnitOfWork, policy: SessionPolicy, clock: Clock
) -> Renewed:
    await policy.throttle.check_address(command.client_address)
    try:
        return await _rotate(command.token, uow, clock())
    except InvalidRefreshTokenError:
        await policy.throttle.failed_from(command.client_address)
        raise


async def _rotate(token: str, uow: UnitOfWork, now: datetime) -> Renewed:
    successor_token = new_refresh_token()
    async with uow:
        found = await uow.refresh_tokens.find(hash_refresh_token(token))
        if found is None:
            raise InvalidRefreshTokenError()
        stored, family = found
        try:
            successor = stored.spend(family, now, hash_refresh_token(successor_token))
            await uow.refresh_tokens.claim(stored, family, now)
        except RefreshTokenReusedError:
            _log.warning(
                "refresh_token_reused",
                family_id=str(family.id),
                kind=family.kind,
                subject_id=str(family.subject_id),
            )
            await _revoke(uow, family, now)
            raise
        current = await _current_claims(uow, family)
        if current is None:
            await _revoke(uow, family, now)
            raise InvalidRefreshTokenError()
        await uow.refresh_tokens.add_token(successor)
        await uow.commit()
    roles, loa = current
    return Renewed(family.kind, family.subject_id, roles, loa, _grant(successor_token, family, now))


async def _current_claims(uow: UnitOfWork, family: SessionFamily) -> tuple[Roles, int] | None:
    """The officer's roles or the resident's level of assurance now; None when the
    subject can no longer sign in (erased, merged into another record, gone)."""
    if family.kind == OFFICER:
        officer = await uow.officers.get(family.subject_id)
        return None if officer is None else (tuple(sorted(officer.roles.items())), OFFICER_LOA)
    resident = await uow.residents.get(family.subject_id)
    if resident is None or resident.erased or resident.merged_into is not None:
        return None
    return (), resident.loa


async def _revoke(uow: UnitOfWork, family: SessionFamily, now: datetime) -> None:
    await uow.refresh_tokens.revoke_family(family.id, now)
    await uow.commit()


async def end_session(command: commands.EndSession, uow: UnitOfWork, clock: Clock) -> None:
    """Sign out: revoke the token's family. Unknown tokens are ignored (idempotent)."""
    async with uow:
        found = await uow.refresh_tokens.find(hash_refresh_token(command.token))
        if found is not None:
            await _revoke(uow, found[1], clock())


async def revoke_officer_sessions(
    command: commands.RevokeOfficerSessions, uow: UnitOfWork, clock: Clock
) -> None:
    async with uow:
        if await uow.officers.get(command.officer_id) is None:
            raise NotFoundError("officer", command.officer_id)
        revoked = await uow.refresh_tokens.revoke_subject(OFFICER, command.officer_id, clock())
        await uow.commit()
    _log.info(
        "officer_sessions_revoked",
        officer_id=str(command.officer_id),
        actor=str(command.actor),
        families=revoked,
    )
