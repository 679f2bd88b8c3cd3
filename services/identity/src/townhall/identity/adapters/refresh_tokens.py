"""Refresh tokens: opaque random strings; only their SHA-256 hash is stored.

A plain hash suffices (unlike one-time codes or passwords): a token carries 256 random
bits, so a stolen table of hashes cannot be searched for the tokens behind them.

Races are settled by the family row. Spending a token first marks its family refreshed
(``WHERE revoked_at IS NULL``), which on PostgreSQL locks that row until commit; a
revocation updates the same row, so it either waits for the refresh and then revokes
the successor with the family, or goes first and the refresh finds the family revoked.
Two refreshes with one token serialise the same way: the second finds it spent.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import datetime

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

from townhall.identity.adapters.orm import refresh_families, refresh_tokens
from townhall.identity.domain.exceptions import InvalidRefreshTokenError, RefreshTokenReusedError
from townhall.identity.domain.sessions import RefreshToken, SessionFamily


def new_refresh_token() -> str:
    return secrets.token_urlsafe(32)


def hash_refresh_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _rowcount(result: object) -> int:
    assert isinstance(result, CursorResult)
    return int(result.rowcount)


class RefreshTokenRepository:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def add(self, family: SessionFamily, token: RefreshToken) -> None:
        await self.session.execute(insert(refresh_families).values(**vars(family)))
        await self.add_token(token)

    async def add_token(self, token: RefreshToken) -> None:
        await self.session.execute(insert(refresh_tokens).values(**vars(token)))

    async def find(self, token_hash: str) -> tuple[RefreshToken, SessionFamily] | None:
        t, f = refresh_tokens, refresh_families
        query = (
            select(t, *(c.label(f"f_{c.name}") for c in f.c))
            .join(f, f.c.id == t.c.family_id)
            .where(t.c.token_hash == token_hash)
        )
        row = (await self.session.execute(query)).mappings().one_or_none()
        if row is None:
            return None
        token = RefreshToken(**{c.name: row[c.name] for c in t.c})
        fields = {c.name: row[f"f_{c.name}"] for c in f.c if c.name != "refreshed_at"}
        return token, SessionFamily(**fields)

    async def claim(self, token: RefreshToken, family: SessionFamily, now: datetime) -> None:
        """Record that ``token`` was spent. Raises InvalidRefreshTokenError when the
        family was revoked meanwhile, RefreshTokenReusedError when the token was spent
        meanwhile by a concurrent refresh (see the module's docstring)."""
        f, t = refresh_families, refresh_tokens
        locked = await self.session.execute(
            update(f)
            .where(f.c.id == family.id, f.c.revoked_at.is_(None), f.c.expires_at > now)
            .values(refreshed_at=now)
        )
        if _rowcount(locked) != 1:
            raise InvalidRefreshTokenError()
        spent = await self.session.execute(
            update(t)
            .where(t.c.token_hash == token.token_hash, t.c.used_at.is_(None))
            .values(used_at=token.used_at)
        )
        if _rowcount(spent) != 1:
            raise RefreshTokenReusedError(family.id)

    async def revoke_family(self, family_id: uuid.UUID, now: datetime) -> None:
        f = refresh_families
        await self.session.execute(
            update(f).where(f.c.id == family_id, f.c.revoked_at.is_(None)).values(revoked_at=now)
        )

    async def revoke_subject(self, kind: str, subject_id: uuid.UUID, now: datetime) -> int:
        """Revoke every live family of one officer or resident; how many there were."""
        f = refresh_families
        result = await self.session.execute(
            update(f)
            .where(
                f.c.kind == kind,
                f.c.subject_id == subject_id,
                f.c.revoked_at.is_(None),
                f.c.expires_at > now,
            )
            .values(revoked_at=now)
        )
        return _rowcount(result)

    async def prune(self, expired_before: datetime) -> None:
        """Forget families that expired before ``expired_before`` (long enough ago that
        no refresh can still be writing to them): their tokens then count as unknown."""
        f = refresh_families
        expired = select(f.c.id).where(f.c.expires_at < expired_before)
        await self.session.execute(
            delete(refresh_tokens).where(refresh_tokens.c.family_id.in_(expired))
        )
        await self.session.execute(delete(f).where(f.c.expires_at < expired_before))
