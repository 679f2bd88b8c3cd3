"""Test helpers: a stand-in for identity's key API over real HTTP, and identity's events
as identity publishes them (personal data sealed under each resident's key).

resident-view never imports identity; cross-service tests (``tests/integration``) run
the real identity app instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI, Header, HTTPException
from pydantic import BaseModel, SecretStr

from townhall.resident_view.config import ResidentViewSettings
from townhall.resident_view.entrypoints.api.dependencies import services_of
from townhall.resident_view.projection.projector import Projector
from townhall.runtime.broker import free_port
from townhall.runtime.crypto import encode_key, generate_key, seal
from townhall.runtime.service import ServiceRuntime
from townhall.runtime.settings import KafkaSettings
from townhall.runtime.testkit.tokens import TestIssuer
from townhall.runtime.testkit.waiting import eventually
from townhall.schemas.envelope import Envelope
from townhall.schemas.events import identity as contracts
from townhall.schemas.events.base import DomainEvent

CLIENT_ID = "resident-view"
#: A limit no test reaches.
UNLIMITED = "1000000/minute"
SECRET = SecretStr("stand-in-secret")


class _TokenRequest(BaseModel):
    grant_type: str
    client_id: str
    client_secret: str


class KeyServer:
    """Identity's ``POST /auth/service-token`` and ``GET /residents/{id}/data-key``."""

    def __init__(self) -> None:
        self.keys: dict[str, bytes] = {}
        self.erased: set[str] = set()
        self.calls: Counter[str] = Counter()
        self.tokens: set[str] = set()
        self.port = free_port()
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def key(self, resident_id: str) -> bytes:
        return self.keys.setdefault(resident_id, generate_key())

    def erase(self, resident_id: str) -> None:
        self.keys.pop(resident_id, None)
        self.erased.add(resident_id)

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/auth/service-token")
        async def token(body: _TokenRequest) -> dict[str, Any]:
            self.calls["token"] += 1
            if (body.client_id, body.client_secret) != (CLIENT_ID, SECRET.get_secret_value()):
                raise HTTPException(401)
            issued = secrets.token_urlsafe(16)
            self.tokens.add(issued)
            return {"access_token": issued, "token_type": "Bearer", "expires_in": 900}

        @app.get("/residents/{resident_id}/data-key")
        async def data_key(
            resident_id: str, authorization: str = Header(default="")
        ) -> dict[str, Any]:
            self.calls["data-key"] += 1
            if authorization.removeprefix("Bearer ") not in self.tokens:
                raise HTTPException(401)
            if resident_id in self.erased:
                raise HTTPException(410)
            if resident_id not in self.keys:
                raise HTTPException(404)
            key = encode_key(self.keys[resident_id])
            return {"resident_id": resident_id, "key": key, "context": f"resident/{resident_id}"}

        return app

    async def start(self) -> None:
        config = uvicorn.Config(
            self.app(), host="127.0.0.1", port=self.port, log_level="warning", server_header=False
        )
        server = self._server = uvicorn.Server(config)
        self._task = asyncio.create_task(server.serve())

        async def started() -> bool:
            return server.started

        await eventually(started, bool, timeout_s=10)

    async def stop(self) -> None:
        if self._server and self._task:
            self._server.should_exit = True
            await self._task

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[KeyServer]:
        await self.start()
        try:
            yield self
        finally:
            await self.stop()


def name(given: str, family: str, until: str | None = None) -> dict[str, Any]:
    return {"given": given, "family": family, "since": None, "until": until}


def address(postcode: str, uprn: str | None = None, moved_out: str | None = None) -> dict[str, Any]:
    return {
        "line1": "1 High Street",
        "line2": None,
        "town": "Townhall",
        "postcode": postcode,
        "uprn": uprn,
        "moved_in": None,
        "moved_out": moved_out,
    }


def with_identity(
    database_url: str, kafka: KafkaSettings, issuer: TestIssuer, keys: KeyServer, **more: Any
) -> ResidentViewSettings:
    """resident-view's settings for a test: its tokens from ``issuer``, residents' data
    keys from ``keys`` as identity's client (``more`` adds or overrides settings).

    Officers' limits are lifted: a test polls as an officer every few milliseconds until
    the projection catches up, far faster than anyone looks residents up.
    """
    lifted = {"officer_search_limit": UNLIMITED, "officer_lookup_limit": UNLIMITED}
    return ResidentViewSettings(
        database_url=database_url,
        kafka=kafka,
        auth_jwks_url=issuer.jwks_url,
        identity_url=keys.url,
        identity_client_id=CLIENT_ID,
        identity_client_secret=SECRET,
        **(lifted | more),
    )


class IdentityEvents:
    """Envelopes of identity's events, sealed with the key server's keys."""

    def __init__(self, keys: KeyServer):
        self.keys = keys
        self._sequence: Iterator[int] = iter(range(1, 10**9))

    def envelope(self, event: DomainEvent) -> Envelope:
        return event.to_envelope(
            sequence=next(self._sequence), time=datetime.now(UTC), correlation_id="test"
        )

    def _seal(self, resident_id: str, personal: dict[str, Any]) -> str:
        return seal(personal, self.keys.key(resident_id), context=f"resident/{resident_id}")

    def registered(
        self,
        resident_id: str,
        given: str,
        family: str,
        *,
        date_of_birth: date | None = None,
        email: str | None = None,
        phone: str | None = None,
    ) -> Envelope:
        points = [{"kind": "email", "value": email, "verified": False}] if email else []
        points += [{"kind": "phone", "value": phone, "verified": False}] if phone else []
        personal = {
            "names": [name(given, family)],
            "date_of_birth": date_of_birth.isoformat() if date_of_birth else None,
            "addresses": [],
            "contact_points": points,
            "preferred_language": "en",
        }
        return self.envelope(
            contracts.ResidentRegistered(
                resident_id=uuid.UUID(resident_id),
                channel="online",
                personal_data=self._seal(resident_id, personal),
            )
        )

    def renamed(self, resident_id: str, names: list[dict[str, Any]]) -> Envelope:
        return self.envelope(
            contracts.ResidentDetailsChanged(
                resident_id=uuid.UUID(resident_id),
                changed=["names"],
                personal_data=self._seal(resident_id, {"names": names}),
            )
        )

    def moved(self, resident_id: str, addresses: list[dict[str, Any]]) -> Envelope:
        return self.envelope(
            contracts.ResidentMoved(
                resident_id=uuid.UUID(resident_id),
                personal_data=self._seal(resident_id, {"addresses": addresses}),
            )
        )

    def linked(self, resident_id: str, system: str, value: str) -> Envelope:
        return self.envelope(
            contracts.ResidentIdentifierLinked(
                resident_id=uuid.UUID(resident_id),
                system=system,
                personal_data=self._seal(resident_id, {"value": value}),
            )
        )

    def merged(self, survivor: str, merged: str) -> Envelope:
        return self.envelope(
            contracts.ResidentMerged(resident_id=uuid.UUID(survivor), merged_id=uuid.UUID(merged))
        )

    def unmerged(self, survivor: str, unmerged: str) -> Envelope:
        return self.envelope(
            contracts.ResidentUnmerged(
                resident_id=uuid.UUID(survivor), unmerged_id=uuid.UUID(unmerged)
            )
        )

    def erased(self, resident_id: str) -> Envelope:
        self.keys.erase(resident_id)
        return self.envelope(contracts.ResidentErased(resident_id=uuid.UUID(resident_id)))


@dataclass
class Searchable:
    """resident-view fetching data keys from a stand-in identity over real HTTP."""

    client: httpx.AsyncClient
    app: FastAPI
    issuer: TestIssuer
    keys: KeyServer
    identity: IdentityEvents

    @property
    def runtime(self) -> ServiceRuntime:
        return services_of(self.app).runtime

    async def project(self, *envelopes: Envelope) -> None:
        """Apply events through the live projection's handler, as its consumer would."""
        live = services_of(self.app).live
        async with self.runtime.sessions.begin() as session:
            await Projector(live.generation.number, live.residents)(session, list(envelopes))

    async def get(self, path: str, token: str, **params: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"}
        return await self.client.get(path, params=params, headers=headers)

    async def search(self, token: str, **params: Any) -> httpx.Response:
        return await self.get("/residents/search", token, **{"purpose": "a call", **params})

    async def found(self, token: str, **params: Any) -> list[dict[str, Any]]:
        response = await self.search(token, **params)
        assert response.status_code == 200, response.text
        results: list[dict[str, Any]] = response.json()["results"]
        return results
