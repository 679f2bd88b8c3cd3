"""The services web calls, each in this process on a free port (uvicorn in the test
loop), with synthetic data put in through their own APIs and test helpers.

Identity is served for real: resident-view and cases verify officers' and residents'
tokens against its JWKS and fetch residents' data keys from it, as under ``make run``;
the one-time codes it sends residents are read from its events (Harness.sent), opened
as notifications opens them. Web reaches all others over HTTP, as in production. No relay
runs: :func:`relay` does what the relays and the consumers (resident-view's, cases',
payments', booking's) would, when a test asks.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import uvicorn
from fastapi import FastAPI
from pydantic import SecretStr
from sqlalchemy import select

from townhall.booking.entrypoints.api.app import create as create_booking
from townhall.booking.entrypoints.api.dependencies import services_of as booking_of
from townhall.booking.entrypoints.consumer import Reactions as BookingReactions
from townhall.booking.testing import settings_for as booking_settings
from townhall.cases.entrypoints.api.app import create as create_cases
from townhall.cases.entrypoints.api.dependencies import services_of as cases_of
from townhall.cases.entrypoints.consumer import Reactions as CasesReactions
from townhall.cases.testing import settings_for
from townhall.identity.config import IdentitySettings
from townhall.identity.entrypoints.api.app import create as create_identity
from townhall.identity.testing import PASSWORD, Harness, bearer
from townhall.payments.entrypoints.api.app import create as create_payments
from townhall.payments.entrypoints.api.dependencies import services_of as payments_of
from townhall.payments.entrypoints.consumer import CaseFees
from townhall.payments.testing import settings_for as payments_settings
from townhall.resident_view.config import ResidentViewSettings
from townhall.resident_view.entrypoints.api.app import create as create_resident_view
from townhall.resident_view.entrypoints.api.dependencies import services_of
from townhall.resident_view.projection.projector import Projector
from townhall.resident_view.testing import Spec, envelope, write
from townhall.runtime.crypto import encode_key, generate_key
from townhall.runtime.settings import KafkaSettings
from townhall.runtime.tables import outbox
from townhall.runtime.testkit.tokens import TestIssuer
from townhall.schemas.envelope import Envelope, Sensitivity
from townhall.web.app import create as create_web
from townhall.web.config import WebSettings

CONTACT = "web.contact@example.org"
WASTE = "web.waste@example.org"
#: A team leader of the contact centre who also administers (the audits, unmerging).
LEAD = "web.lead@example.org"
UNLIMITED = "1000000/minute"


def _listening() -> socket.socket:
    bound = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    bound.bind(("127.0.0.1", 0))
    bound.listen(128)
    return bound


class Served:
    """An app under uvicorn in the running loop, on a socket bound and listening before
    uvicorn starts (so nothing waits for it to come up). Its lifespan is the caller's.
    ``bound``: a socket bound earlier, for an app that must know its own address."""

    def __init__(self, app: FastAPI, bound: socket.socket | None = None) -> None:
        self.socket = bound or _listening()
        self.port = int(self.socket.getsockname()[1])
        config = uvicorn.Config(app, log_config=None, access_log=False, lifespan="off")
        self.server = uvicorn.Server(config)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[Served]:
        task = asyncio.create_task(self.server.serve(sockets=[self.socket]))
        try:
            yield self
        finally:
            self.server.should_exit = True
            await task
            self.socket.close()


@dataclass
class Platform:
    identity: Harness
    resident_view: FastAPI
    web: FastAPI
    cases: FastAPI
    web_url: str
    cases_url: str
    ada: str
    case_reference: str
    payments: FastAPI
    booking: FastAPI
    contact: str = CONTACT
    waste: str = WASTE
    lead: str = LEAD
    password: str = PASSWORD
    #: Consumer -> the events already handed to it (the handlers do not dedupe alone:
    #: the consumer loop's processed-message record does, and none runs here).
    fed: dict[str, set[str]] = field(default_factory=dict)


async def _committed(platform: Platform) -> list[Envelope]:
    """Every event identity, cases, payments and booking have committed, in order."""
    events = [Envelope.model_validate(e) for e in await platform.identity.events()]
    runtimes = (
        cases_of(platform.cases).runtime,
        payments_of(platform.payments).runtime,
        booking_of(platform.booking).runtime,
    )
    for runtime in runtimes:
        async with runtime.sessions() as session:
            query = select(outbox.c.envelope).order_by(outbox.c.sequence)
            rows = (await session.execute(query)).all()
        events += [Envelope.model_validate_json(row.envelope) for row in rows]
    return events


async def relay(platform: Platform) -> None:
    """As the relays and consumers do under ``make run``: cases' events handed to payments
    (each case's fee) and booking (bookable cases), booking's to payments (a cancelled
    visit's refund), payments' and booking's to cases
    (paid: ready to book; booked: scheduled), then everything projected into
    resident-view; calling again hands each consumer only what is new."""
    handed = (
        (
            "payments",
            payments_of(platform.payments),
            CaseFees,
            ("townhall.cases.", "townhall.booking."),
        ),
        ("booking", booking_of(platform.booking), BookingReactions, ("townhall.cases.",)),
        (
            "cases",
            cases_of(platform.cases),
            CasesReactions,
            ("townhall.payments.", "townhall.booking."),
        ),
    )
    for name, services, handler, prefixes in handed:
        fed = platform.fed.setdefault(name, set())
        events = await _committed(platform)
        new = [e for e in events if e.type.startswith(prefixes) and e.id not in fed]
        async with services.runtime.sessions.begin() as session:
            await handler(services.bus)(session, new)
        fed.update(e.id for e in new)
    view = services_of(platform.resident_view)
    events = await _committed(platform)
    async with view.runtime.sessions.begin() as session:
        await Projector(view.live.generation.number, view.live.residents)(session, events)


async def _registered_client(identity: Harness, admin: str, client_id: str, *scopes: str) -> str:
    body = {"client_id": client_id, "scopes": list(scopes)}
    answer = await identity.http.post("/service-clients", json=body, headers=bearer(admin))
    assert answer.status_code == 201, answer.text
    secret: str = answer.json()["client_secret"]
    return secret


async def _seed(identity: Harness, view: FastAPI, cases: httpx.AsyncClient) -> tuple[str, str]:
    """Ada, with a record in identity, a history in resident-view and a case in cases."""
    await identity.create_officer(CONTACT, ("contact_centre", "personal"), ("identity", "personal"))
    await identity.create_officer(WASTE, ("waste", "personal"))
    await identity.create_officer(
        LEAD, ("contact_centre", "personal"), ("identity", "personal"), ("admin", "special")
    )
    ada = await identity.register(
        given_name="Ada",
        family_name="Example",
        date_of_birth="1985-12-10",
        email="ada.example@example.org",
    )
    events = [Envelope.model_validate(e) for e in await identity.events()]
    generation = services_of(view).live.generation.number
    async with services_of(view).runtime.sessions.begin() as session:
        await Projector(generation, services_of(view).live.residents)(session, events)
        await write(
            session,
            [
                envelope(
                    ada, Spec("waste", Sensitivity.PERSONAL), 1, case_reference="MB-2026-000001"
                ),
                envelope(ada, Spec("social_care", Sensitivity.PERSONAL), 2),
            ],
            generation,
        )
    login = await identity.login(CONTACT)
    token = login.json()["access_token"]
    body = {
        "service_code": "missed_bin",
        "details": {"bin_type": "general"},
        "description": "Bin not collected on the usual day",
        "location": {"address": "1 Example Street", "uprn": "100000000001"},
        "channel": "phone",
        "resident_id": ada,
    }
    raised = await cases.post("/cases", json=body, headers=bearer(token))
    assert raised.status_code == 201, raised.text
    return ada, str(raised.json()["reference"])


@contextlib.asynccontextmanager
async def platform(tmp: Path, kafka: KafkaSettings) -> AsyncIterator[Platform]:
    """Identity, resident-view, cases, payments, booking and web, each on its own port."""
    identity_app = create_identity(
        IdentitySettings(
            database_url=f"sqlite+aiosqlite:///{tmp / 'identity.db'}",
            kafka=KafkaSettings(),
            relay_enabled=False,
            identity_key_encryption_key=encode_key(generate_key()),
            identity_password_hashing="cheapest-for-tests",
            environment="development",
        )
    )
    async with identity_app.router.lifespan_context(identity_app):
        identity_served = Served(identity_app)
        async with identity_served.running():
            transport = httpx.ASGITransport(app=identity_app)
            async with httpx.AsyncClient(transport=transport, base_url="http://identity") as http:
                identity = Harness(identity_app, http)
                async with _services(tmp, kafka, identity, identity_served.url) as found:
                    yield found


@contextlib.asynccontextmanager
async def _services(
    tmp: Path, kafka: KafkaSettings, identity: Harness, identity_url: str
) -> AsyncIterator[Platform]:
    admin = await identity.admin_token()
    jwks = f"{identity_url}/.well-known/jwks.json"
    view_secret = await _registered_client(identity, admin, "resident-view", "pii:read")
    cases_secret = await _registered_client(identity, admin, "cases", "residents:match", "pii:read")
    view = create_resident_view(
        ResidentViewSettings(
            database_url=f"sqlite+aiosqlite:///{tmp / 'resident-view.db'}",
            kafka=kafka,
            auth_jwks_url=jwks,
            identity_url=identity_url,
            identity_client_secret=SecretStr(view_secret),
            officer_search_limit=UNLIMITED,
            officer_lookup_limit=UNLIMITED,
        )
    )
    cases = create_cases(
        settings_for(
            f"sqlite+aiosqlite:///{tmp / 'cases.db'}",
            TestIssuer(tmp),
            auth_jwks_url=jwks,
            identity_url=identity_url,
            identity_client_secret=SecretStr(cases_secret),
            evidence_dir=tmp / "cases-evidence",
        )
    )
    payments_socket = _listening()
    payments_url = f"http://127.0.0.1:{payments_socket.getsockname()[1]}"
    payments = create_payments(
        payments_settings(
            f"sqlite+aiosqlite:///{tmp / 'payments.db'}",
            auth_jwks_url=jwks,
            public_url=payments_url,
        )
    )
    booking = create_booking(
        booking_settings(f"sqlite+aiosqlite:///{tmp / 'booking.db'}", auth_jwks_url=jwks)
    )
    async with (
        view.router.lifespan_context(view),
        cases.router.lifespan_context(cases),
        payments.router.lifespan_context(payments),
        booking.router.lifespan_context(booking),
        Served(view).running() as view_served,
        Served(cases).running() as cases_served,
        Served(payments, payments_socket).running(),
        Served(booking).running() as booking_served,
    ):
        transport = httpx.ASGITransport(app=cases)
        async with httpx.AsyncClient(transport=transport, base_url="http://cases") as http:
            ada, reference = await _seed(identity, view, http)
        urls = {
            "identity": identity_url,
            "resident-view": view_served.url,
            "cases": cases_served.url,
            "payments": payments_url,
            "booking": booking_served.url,
        }
        web = create_web(
            WebSettings(
                ENVIRONMENT="development",
                SERVICE_URLS_JSON=urls,
                # sessions in web's database, as several replicas would share them
                WEB_SESSION_STORE="database",
                DATABASE_URL=f"sqlite+aiosqlite:///{tmp / 'web.db'}",
            )
        )
        async with web.router.lifespan_context(web), Served(web).running() as web_served:
            yield Platform(
                identity,
                view,
                web,
                cases,
                web_served.url,
                cases_served.url,
                ada,
                reference,
                payments,
                booking,
            )
