"""One-time codes: generation, keyed hashing and storage.

Identity delivers nothing itself: issuing a code records ``one_time_code.issued`` (the
destination and code sealed under the resident's data key), which the notifications
service sends, by GOV.UK Notify or, on the embedded default, to its development mailbox.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid

from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from townhall.identity.adapters.master_keys import MasterKeys
from townhall.identity.adapters.orm import one_time_codes
from townhall.identity.domain.codes import OneTimeCode

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O, U


def new_reference() -> str:
    return "TH-" + "".join(secrets.choice(_ALPHABET) for _ in range(8))


def new_code() -> str:
    return f"{secrets.randbelow(10**6):06d}"


class CodeHasher:
    """HMAC-SHA256 under a key derived from the master key: a stolen table of hashes
    cannot be brute-forced over the mere million six-digit codes without that key.

    Codes are hashed under the current master key; :meth:`candidates` also gives the
    hashes under previous keys, so codes issued just before a master-key change work.
    """

    def __init__(self, master_keys: MasterKeys):
        self.keys = [
            hmac.new(key, b"townhall/one-time-codes", hashlib.sha256).digest()
            for key in master_keys.all()
        ]

    def __call__(self, reference: str, code: str) -> str:
        return self._hash(self.keys[0], reference, code)

    def candidates(self, reference: str, code: str) -> tuple[str, ...]:
        return tuple(self._hash(key, reference, code) for key in self.keys)

    @staticmethod
    def _hash(key: bytes, reference: str, code: str) -> str:
        message = f"{reference}:{code.strip()}".encode()
        return hmac.new(key, message, hashlib.sha256).hexdigest()


class CodeRepository:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def add(self, code: OneTimeCode) -> None:
        await self.session.execute(insert(one_time_codes).values(**vars(code)))

    async def get(self, reference: str) -> OneTimeCode | None:
        query = select(one_time_codes).where(one_time_codes.c.reference == reference)
        row = (await self.session.execute(query)).mappings().one_or_none()
        if row is None:
            return None
        return OneTimeCode(**row)

    async def save(self, code: OneTimeCode) -> None:
        await self.session.execute(
            update(one_time_codes)
            .where(one_time_codes.c.reference == code.reference)
            .values(attempts=code.attempts, used_at=code.used_at)
        )

    async def name_request(self, reference: str, request_reference: str) -> bool:
        """Record that the used code ``reference`` named ``request_reference``: once, the
        first request named (naming the same one again is fine). False: it named another."""
        found = await self.session.execute(
            update(one_time_codes)
            .where(
                one_time_codes.c.reference == reference,
                or_(
                    one_time_codes.c.request_reference.is_(None),
                    one_time_codes.c.request_reference == request_reference,
                ),
            )
            .values(request_reference=request_reference)
        )
        return bool(getattr(found, "rowcount", 0))

    async def delete_for(self, resident_id: uuid.UUID) -> None:
        await self.session.execute(
            delete(one_time_codes).where(one_time_codes.c.resident_id == resident_id)
        )
