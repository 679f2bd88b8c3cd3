"""Test helpers for identity's own tests (the identity app driven over ASGI)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.sql.schema import Table

from townhall.identity import views
from townhall.identity.adapters.linkage_matcher import LinkageMatcher
from townhall.identity.bootstrap import Identity
from townhall.identity.domain.commands import CreateOfficer
from townhall.identity.entrypoints.api.dependencies import services_of
from townhall.runtime.crypto import open_sealed
from townhall.runtime.data_keys import resident_context
from townhall.runtime.outbox import EventContext
from townhall.runtime.service import ServiceRuntime
from townhall.runtime.tables import outbox
from townhall.schemas.events.identity import ContactPointAlreadyRegistered, OneTimeCodeIssued

PASSWORD = "correct horse battery staple"
#: The events by which identity has notifications tell residents something.
_TOLD = {
    OneTimeCodeIssued.TYPE: "code",
    ContactPointAlreadyRegistered.TYPE: "notice",
}
ADMIN_EMAIL = "test.admin@example.org"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def ready(app: FastAPI) -> None:
    """Wait until the started app's matcher has loaded, as a load balancer would wait
    for ``/readyz`` (an identity with a placeholder matcher is ready at once)."""
    matcher = services_of(app).matcher
    if isinstance(matcher, LinkageMatcher):
        await matcher.wait_ready()


@dataclass
class Harness:
    """The identity app under test and shortcuts through its real code paths."""

    app: FastAPI
    http: httpx.AsyncClient

    @property
    def services(self) -> Identity:
        """What ``bootstrap`` built for the app: its bus, runtime, keys, tokens..."""
        return services_of(self.app)

    @property
    def runtime(self) -> ServiceRuntime:
        return self.services.runtime

    async def sent(self) -> list[dict[str, Any]]:
        """What identity asked notifications to send, newest first: each one-time code
        and each notice to the owner of a contact point someone else tried, opened with
        the resident's data key as notifications opens it. Keys: ``type`` (``code`` or
        ``notice``), ``reference``, ``channel``, ``to``, ``code``, ``attempted``, ``language``
        (the one the code was asked in, if any)."""
        told = [e for e in await self.events() if e["type"] in _TOLD]
        async with self.runtime.sessions() as session:
            messages = []
            for envelope in reversed(told):
                data = envelope["data"]
                resident_id = uuid.UUID(data["resident_id"])
                key = await views.data_key(session, resident_id, self.services.master_keys)
                opened = open_sealed(
                    data["personal_data"], key, context=resident_context(resident_id)
                )
                messages.append(
                    {
                        "type": _TOLD[envelope["type"]],
                        "reference": data.get("reference"),
                        "channel": data["channel"],
                        "to": opened["destination"],
                        "code": opened.get("code"),
                        "attempted": data.get("attempted"),
                        "language": data.get("language"),
                    }
                )
        return messages

    async def code(self, reference: str) -> str:
        """The one-time code sent under ``reference``."""
        code: str = next(m["code"] for m in await self.sent() if m["reference"] == reference)
        return code

    async def create_officer(self, email: str, *roles: tuple[str, str]) -> str:
        command = CreateOfficer(email, "Test Officer", PASSWORD, roles=roles)
        return str(await self.services.bus.handle(command, EventContext("test")))

    async def login(self, email: str, password: str = PASSWORD) -> httpx.Response:
        return await self.http.post(
            "/auth/officer-token", json={"email": email, "password": password}
        )

    async def officer_token(self, email: str, *roles: tuple[str, str]) -> str:
        await self.create_officer(email, *roles)
        response = await self.login(email)
        assert response.status_code == 200, response.text
        token: str = response.json()["access_token"]
        return token

    async def admin_token(self) -> str:
        return await self.officer_token(ADMIN_EMAIL, ("admin", "special"))

    async def service_token(self, service: str, *scopes: str) -> str:
        issued = await self.services.tokens.issue(f"service:{service}", "service", scopes=scopes)
        token: str = issued.access_token
        return token

    async def register(self, **body: Any) -> str:
        """Register a resident as a service that matches records may."""
        body = {"given_name": "Ada", "family_name": "Example", **body}
        token = await self.service_token("cases", "residents:match")
        response = await self.http.post("/residents", json=body, headers=bearer(token))
        assert response.status_code == 201, response.text
        resident_id: str = response.json()["id"]
        return resident_id

    async def events(self) -> list[dict[str, Any]]:
        async with self.runtime.sessions() as session:
            query = select(outbox.c.envelope).order_by(outbox.c.sequence)
            rows = (await session.execute(query)).all()
        return [json.loads(row.envelope) for row in rows]

    async def count(self, table: Table) -> int:
        async with self.runtime.sessions() as session:
            query = select(func.count()).select_from(table)
            return int((await session.execute(query)).scalar_one())
