"""What erasure leaves behind so an older record cannot bring the resident back.

A record that was waiting to be matched when its resident was erased (a report cases
could not match while identity was away, a legacy row) would otherwise find no one and
create a new resident from the erased person's details. So erasure keeps, for each of
the resident's contact points (and those of every record merged into theirs), a keyed
hash of its normal form and the erasure time; ``match_record`` asks whether a record's
contact points were erased after the record was observed.

The hash is HMAC-SHA256 under a key derived from the master key, never the value nor a
plain hash: without the master key the table cannot be tested against a list of
addresses. Look-ups compute the hash under every configured master key (current and
previous); each row records which wrote it. Known limit: once a master key is dropped
from ``IDENTITY_KEY_ENCRYPTION_KEYS_PREVIOUS``, the entries hashed under it match no
longer (a hash cannot be re-keyed without the value), so keep a former key configured
while late records from before its retirement may still arrive.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from townhall.identity.adapters.master_keys import MasterKeys, key_id
from townhall.identity.adapters.orm import erasure_suppressions
from townhall.identity.domain.model import normal_contact
from townhall.runtime.normal_forms import normalise_phone

#: A contact point as (kind, value): ``email`` or ``phone``.
Contact = tuple[str, str]


def normal_form(kind: str, value: str) -> str | None:
    """Identity's normal form of a contact point: email lowercased, phone digits only."""
    if kind == "phone":
        return normalise_phone(value)
    return normal_contact(kind, value) or None


class ContactHasher:
    """HMAC-SHA256 of a contact point's normal form, under a key derived from each
    master key (current first), as :class:`~townhall.identity.adapters.codes.CodeHasher`."""

    def __init__(self, master_keys: MasterKeys):
        self.keys = [
            (key_id(key), hmac.new(key, b"townhall/erasure-suppression", hashlib.sha256).digest())
            for key in master_keys.all()
        ]

    def current(self, kind: str, normal: str) -> tuple[str, str]:
        """The hash under the current master key, and that key's id."""
        kid, key = self.keys[0]
        return self._hash(key, kind, normal), kid

    def candidates(self, kind: str, normal: str) -> list[str]:
        return [self._hash(key, kind, normal) for _, key in self.keys]

    @staticmethod
    def _hash(key: bytes, kind: str, normal: str) -> str:
        return hmac.new(key, f"{kind}:{normal}".encode(), hashlib.sha256).hexdigest()


class SuppressionRepository:
    def __init__(self, session: AsyncSession, hasher: ContactHasher):
        self.session = session
        self.hasher = hasher

    async def add(self, contacts: Iterable[Contact], erased_at: datetime) -> None:
        """Keep each contact point (once) as erased at ``erased_at``."""
        normals = {(kind, n) for kind, value in contacts if (n := normal_form(kind, value))}
        for kind, normal in sorted(normals):
            digest, kid = self.hasher.current(kind, normal)
            await self.session.execute(
                insert(erasure_suppressions).values(
                    contact_hash=digest, master_key_id=kid, erased_at=erased_at
                )
            )

    async def last_erased(self, contacts: Iterable[Contact]) -> datetime | None:
        """The latest erasure of any of these contact points; None: none was erased."""
        hashes = [
            digest
            for kind, value in contacts
            if (normal := normal_form(kind, value))
            for digest in self.hasher.candidates(kind, normal)
        ]
        if not hashes:
            return None
        table = erasure_suppressions
        query = select(func.max(table.c.erased_at)).where(table.c.contact_hash.in_(hashes))
        found: datetime | None = (await self.session.execute(query)).scalar_one_or_none()
        return found
