"""Synthetic demo officers and residents (obviously fake), created idempotently."""

from __future__ import annotations

import contextlib

import structlog

from townhall.identity.domain.commands import CreateOfficer, RegisterResident
from townhall.identity.domain.exceptions import AlreadyExistsError, DuplicateEmailError
from townhall.identity.service_layer.client_handlers import (
    GrantServiceClientScopes,
    RegisterServiceClient,
)
from townhall.identity.service_layer.unit_of_work import UnitOfWork
from townhall.runtime.messagebus import MessageBus
from townhall.runtime.outbox import EventContext

_log = structlog.get_logger(__name__)

#: Shared by every demo officer: a development convenience, never a production account.
DEMO_PASSWORD = "townhall-demo-password"

DEMO_OFFICERS: tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...] = (
    ("demo.admin@example.org", "Demo Administrator", (("admin", "special"),)),
    (
        "demo.contact@example.org",
        "Demo Contact Centre Officer",
        (("contact_centre", "personal"), ("identity", "personal")),
    ),
    ("demo.pest@example.org", "Demo Pest Control Officer", (("pest_control", "personal"),)),
    ("demo.waste@example.org", "Demo Waste Officer", (("waste", "personal"),)),
    ("demo.social@example.org", "Demo Social Worker", (("social_care", "special"),)),
    ("demo.tax@example.org", "Demo Council Tax Officer", (("council_tax", "sensitive"),)),
)

#: The services ``townhall up`` wires to identity with the demo secret, and their scope.
DEMO_SERVICE_CLIENTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    # cases matches reporters to residents, and seals what is written about them
    ("cases", ("residents:match", "pii:read")),
    # resident-view opens residents' sealed data (names for search, case text)
    ("resident-view", ("pii:read",)),
    # notifications opens what it keeps sealed to reach residents (contact points, codes)
    ("notifications", ("pii:read",)),
    # the legacy mapper matches legacy systems' people rows to residents
    ("legacy", ("residents:match",)),
)

DEMO_RESIDENTS: tuple[tuple[str, str, str], ...] = (
    ("Testy", "McTestface", "testy.mctestface@example.org"),
    ("Ada", "Example", "ada.example@example.org"),
    ("Dai", "Sampleton", "dai.sampleton@example.org"),
    ("Fictional", "Person", "fictional.person@example.org"),
)


async def seed_demo(bus: MessageBus[UnitOfWork], service_secret: str | None = None) -> list[str]:
    """Create the demo accounts that do not exist yet; return the officer logins.

    With ``service_secret`` (``townhall up`` generates one per var folder) the cases
    service is registered as a client that may ask identity to match residents and read
    their data keys (to seal what is written about them), and resident-view as one that
    may read residents' data keys (names for search, case text). A client registered by
    an earlier version is given the scopes it lacks.
    """
    context = EventContext(correlation_id="seed-demo")
    if service_secret:
        for client_id, scopes in DEMO_SERVICE_CLIENTS:
            client = RegisterServiceClient(client_id, scopes, secret=service_secret)
            try:
                await bus.handle(client, context)
            except AlreadyExistsError:
                await bus.handle(GrantServiceClientScopes(client_id, scopes), context)
    for email, name, roles in DEMO_OFFICERS:
        with contextlib.suppress(DuplicateEmailError):
            await bus.handle(CreateOfficer(email, name, DEMO_PASSWORD, roles=roles), context)
    for given, family, email in DEMO_RESIDENTS:
        with contextlib.suppress(DuplicateEmailError):
            await bus.handle(RegisterResident(given, family, "online", email=email), context)
    logins = [email for email, _, _ in DEMO_OFFICERS]
    _log.info("demo_logins", officers=logins, password=DEMO_PASSWORD)
    return logins
