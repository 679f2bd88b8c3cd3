"""One-time codes: what a resident proves they received, once, within ten minutes."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from townhall.identity.domain.exceptions import InvalidCodeError

LIFETIME = timedelta(minutes=10)
MAX_ATTEMPTS = 5
#: Codes redeemed for a token at ``/auth/codes/redeem``: a tracking visit's, a sign-up's.
SIGN_IN = ("track", "verify_email")
#: A code sent to a contact point a resident asked to add to their record: it is stored
#: once that resident gives the code back; it signs nobody in.
VERIFY_CONTACT = "verify_contact"
PURPOSES = (*SIGN_IN, VERIFY_CONTACT)


def channel_for(kind: str) -> str:
    """How a code reaches a contact point of this kind: ``email`` or ``sms``."""
    return "email" if kind == "email" else "sms"


@dataclass
class OneTimeCode:
    """A code as stored: only its keyed hash, never the code itself."""

    reference: str
    resident_id: uuid.UUID
    purpose: str
    channel: str  # "email" | "sms"
    destination: str
    code_hash: str
    expires_at: datetime
    attempts: int = 0
    used_at: datetime | None = None
    #: For a ``track`` code asked for to follow one request: that request's reference.
    request_reference: str | None = None

    @property
    def kind(self) -> str:
        """The kind of contact point the code went to: ``email`` or ``phone``."""
        return "email" if self.channel == "email" else "phone"

    def redeem(self, code_hashes: Collection[str], now: datetime) -> None:
        """Accept the code once, or count a failed attempt and refuse.

        ``code_hashes`` are the keyed hashes of the code presented, one per master key
        in use. Expired, used-up and exhausted codes are refused whatever is presented,
        so a replayed code and a guessed one get the same answer.
        """
        usable = self.used_at is None and now < self.expires_at and self.attempts < MAX_ATTEMPTS
        if not usable or self.code_hash not in code_hashes:
            self.attempts += 1
            raise InvalidCodeError()
        self.used_at = now
