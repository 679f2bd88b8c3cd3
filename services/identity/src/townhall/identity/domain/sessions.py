"""Sign-in sessions: single-use refresh tokens, rotated within a family.

A *family* is one sign-in. It has an absolute lifetime (an officer's shift, a resident's
"stay signed in"), and refreshing never extends it. Each refresh spends the presented
token and issues its successor in the same family; a token presented a second time
means two parties hold it, so the whole family is revoked and both must sign in again
(refresh token rotation with reuse detection, OAuth 2.0 Security BCP, RFC 9700 §4.14).
Only a hash of each token is kept.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from townhall.identity.domain.exceptions import (
    InvalidRefreshTokenError,
    RefreshTokenReusedError,
)

OFFICER = "officer"
RESIDENT = "resident"
KINDS = (OFFICER, RESIDENT)


@dataclass
class SessionFamily:
    id: uuid.UUID
    kind: str
    subject_id: uuid.UUID
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None = None

    @classmethod
    def start(
        cls, kind: str, subject_id: uuid.UUID, now: datetime, lifetime: timedelta
    ) -> SessionFamily:
        if kind not in KINDS:
            raise ValueError(f"no sessions for {kind!r}")
        return cls(uuid.uuid4(), kind, subject_id, now, now + lifetime)

    def active(self, now: datetime) -> bool:
        return self.revoked_at is None and now < self.expires_at


@dataclass
class RefreshToken:
    """A refresh token as stored: its hash, never the token."""

    token_hash: str
    family_id: uuid.UUID
    issued_at: datetime
    used_at: datetime | None = None

    def spend(self, family: SessionFamily, now: datetime, successor_hash: str) -> RefreshToken:
        """Use this token once and return its successor in the same family.

        Revoked or expired families are refused; a token already used is a theft
        signal (:class:`RefreshTokenReusedError`), for the caller to revoke the family.
        """
        if not family.active(now):
            raise InvalidRefreshTokenError()
        if self.used_at is not None:
            raise RefreshTokenReusedError(family.id)
        self.used_at = now
        return RefreshToken(successor_hash, family.id, now)
