"""Token signing keys: Ed25519, private halves wrapped under the master key.

Rotation without downtime: :meth:`SigningKeys.rotate` adds a key that is *published*
at once but *signs* only after ``grace_s`` (longer than verifiers cache the JWKS), so
every verifier knows it before the first token signed with it arrives. A superseded key
stays published until the last token it signed has expired, then it is deleted.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from joserfc.jwk import OKPKey
from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from townhall.identity.adapters.master_keys import MasterKeys
from townhall.identity.adapters.orm import signing_keys
from townhall.runtime.clock import Clock, utc_now

ALGORITHM = "EdDSA"
_LEEWAY = timedelta(seconds=60)


@dataclass(frozen=True)
class KeyRecord:
    kid: str
    public_jwk: dict[str, Any]
    private_key_wrapped: bytes
    activates_at: datetime
    master_key_id: str | None = None


class SigningKeys:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        master_keys: MasterKeys,
        *,
        token_ttl_s: int,
        grace_s: int,
        clock: Clock = utc_now,
    ):
        self.sessions = sessions
        self.master_keys = master_keys
        self.token_ttl = timedelta(seconds=token_ttl_s)
        self.grace = timedelta(seconds=grace_s)
        self.clock = clock

    async def ensure(self) -> None:
        """Create the first key (signing at once) when there is none."""
        if not await self._records():
            await self._create(self.clock())

    async def rotate(self) -> KeyRecord:
        """Publish a new key now; it starts signing after the grace period."""
        await self._prune()
        return await self._create(self.clock() + self.grace)

    async def jwks(self) -> dict[str, Any]:
        now = self.clock()
        return {"keys": [r.public_jwk for r in self._published(await self._records(), now)]}

    async def current(self) -> OKPKey:
        now = self.clock()
        active = [r for r in await self._records() if r.activates_at <= now]
        if not active:
            raise RuntimeError("no active signing key: call ensure() at start-up")
        private = self.master_keys.unwrap(active[-1].private_key_wrapped, active[-1].master_key_id)
        return OKPKey.import_key(json.loads(private))

    def _published(self, records: list[KeyRecord], now: datetime) -> list[KeyRecord]:
        published = []
        for index, record in enumerate(records):
            later = [r.activates_at for r in records[index + 1 :] if r.activates_at <= now]
            if not later or now < later[0] + self.token_ttl + _LEEWAY:
                published.append(record)
        return published

    async def _records(self) -> list[KeyRecord]:
        async with self.sessions() as session:
            query = select(signing_keys).order_by(signing_keys.c.activates_at)
            rows = (await session.execute(query)).all()
        return [
            KeyRecord(
                r.kid,
                json.loads(r.public_jwk),
                r.private_key_wrapped,
                r.activates_at,
                r.master_key_id,
            )
            for r in rows
        ]

    async def _create(self, activates_at: datetime) -> KeyRecord:
        key = OKPKey.generate_key("Ed25519", parameters={"alg": ALGORITHM, "use": "sig"})
        kid = key.thumbprint()
        public = {**key.as_dict(private=False), "kid": kid}
        private = json.dumps({**key.as_dict(private=True), "kid": kid}).encode()
        wrapped, master_key_id = self.master_keys.wrap(private)
        record = KeyRecord(kid, public, wrapped, activates_at, master_key_id)
        async with self.sessions() as session:
            await session.execute(
                insert(signing_keys).values(
                    kid=kid,
                    public_jwk=json.dumps(public),
                    private_key_wrapped=record.private_key_wrapped,
                    master_key_id=master_key_id,
                    activates_at=activates_at,
                    created_at=self.clock(),
                )
            )
            await session.commit()
        return record

    async def _prune(self) -> None:
        now = self.clock()
        records = await self._records()
        keep = {r.kid for r in self._published(records, now)}
        stale = [r.kid for r in records if r.kid not in keep]
        if stale:
            async with self.sessions() as session:
                await session.execute(delete(signing_keys).where(signing_keys.c.kid.in_(stale)))
                await session.commit()
