"""On PostgreSQL, concurrent bookings may deadlock (SQLSTATE 40P01) or fail to serialize
(40001): the server aborts one transaction, which did nothing wrong. Booking runs it
again, a few times with random waits; if it keeps clashing the caller gets a 503 with
Retry-After and a problem body, never a 500, and nothing is half-written.

The clash is the real driver error: PostgreSQL raises SQLSTATE 40P01 inside the
handler's own transaction, through asyncpg and SQLAlchemy, as a deadlock would."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from prometheus_client import REGISTRY
from sqlalchemy import func, select, text

from townhall.booking.adapters.orm import appointments, holds, places
from townhall.booking.bootstrap import Booking, bootstrap
from townhall.booking.entrypoints.api.app import create
from townhall.booking.service_layer.unit_of_work import UnitOfWork
from townhall.booking.testing import SLOT, calendars, known_case, settings_for
from townhall.runtime.clock import ManualClock
from townhall.runtime.problems import PROBLEM_MEDIA_TYPE, TRANSACTION_CONFLICT
from townhall.runtime.tables import outbox
from townhall.runtime.testkit.fixtures import PostgresDatabases
from townhall.runtime.testkit.tokens import TestIssuer

RESIDENT = uuid.uuid4()
#: What PostgreSQL says when it breaks a deadlock, raised by the server itself.
DEADLOCK = text("DO $$ BEGIN RAISE EXCEPTION 'deadlock detected' USING ERRCODE = '40P01'; END $$")


@dataclass
class Clashes:
    """How many of the next commits the server aborts as deadlocked; commits tried."""

    remaining: int = 0
    tried: int = 0


class ClashingUnitOfWork(UnitOfWork):
    """Booking's unit of work, whose transaction the server aborts while clashes remain."""

    clashes: Clashes

    async def commit(self) -> None:
        self.clashes.tried += 1
        if self.clashes.remaining > 0:
            self.clashes.remaining -= 1
            await self.session.execute(DEADLOCK)
        await super().commit()


@dataclass
class Service:
    http: httpx.AsyncClient
    booking: Booking
    clashes: Clashes


@pytest.fixture
async def service(
    postgres: PostgresDatabases, clock: ManualClock, issuer: TestIssuer
) -> AsyncIterator[Service]:
    url = await postgres.create()
    settings = settings_for(url, auth_jwks_url=issuer.jwks_url, environment="development")
    clashes = Clashes()
    built: list[Booking] = []

    def unit_of_work() -> UnitOfWork:
        runtime = built[0].runtime
        assert runtime.outbox is not None
        uow = ClashingUnitOfWork(runtime.sessions, runtime.outbox, clock=clock)
        uow.clashes = clashes
        return uow

    built.append(bootstrap(settings, calendars=calendars(), clock=clock, uow=unit_of_work))
    app = create(services=built[0])
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://booking") as client:
            yield Service(client, built[0], clashes)


def _me(issuer: TestIssuer) -> dict[str, str]:
    return {"Authorization": f"Bearer {issuer.resident(str(RESIDENT))}"}


async def _counts(booking: Booking) -> dict[str, int]:
    found = {}
    async with booking.runtime.sessions() as session:
        for table in (places, holds, appointments, outbox):
            query = select(func.count()).select_from(table)
            found[table.name] = int((await session.execute(query)).scalar_one())
    return found


def _conflicts(outcome: str) -> float:
    labels = {"sqlstate": "40P01", "outcome": outcome}
    return REGISTRY.get_sample_value("townhall_transaction_conflicts_total", labels) or 0


async def _hold(service: Service, issuer: TestIssuer, reference: str) -> httpx.Response:
    slot = {"resource": "van-1", "starts_at": SLOT.isoformat()}
    return await service.http.post(f"/cases/{reference}/holds", json=slot, headers=_me(issuer))


async def test_a_deadlocked_hold_and_confirm_are_run_again_and_book_once(
    service: Service, issuer: TestIssuer
) -> None:
    case = await known_case(service.booking, resident_id=RESIDENT)
    retried = _conflicts("retried")
    service.clashes.remaining, service.clashes.tried = 2, 0

    held = await _hold(service, issuer, case.reference)

    assert held.status_code == 201, held.text
    assert service.clashes.tried == 3, "aborted twice, then committed"
    service.clashes.remaining = 1
    confirmed = await service.http.post(
        f"/cases/{case.reference}/holds/{held.json()['id']}/confirm", headers=_me(issuer)
    )
    assert confirmed.status_code == 200, confirmed.text
    assert _conflicts("retried") == retried + 3
    counts = await _counts(service.booking)
    assert (counts[holds.name], counts[appointments.name]) == (1, 1)


async def test_a_hold_that_deadlocks_every_time_is_a_503_with_retry_after_and_changes_nothing(
    service: Service, issuer: TestIssuer
) -> None:
    case = await known_case(service.booking, resident_id=RESIDENT)
    before = await _counts(service.booking)
    gave_up = _conflicts("gave_up")
    service.clashes.remaining, service.clashes.tried = 1_000, 0

    refused = await _hold(service, issuer, case.reference)

    assert refused.status_code == 503, refused.text
    assert refused.headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert refused.headers["retry-after"] == "1"
    problem = refused.json()
    assert (problem["type"], problem["status"]) == (TRANSACTION_CONFLICT, 503)
    assert "nothing was changed" in problem["detail"]
    assert service.clashes.tried == 5, "the default policy runs it five times in all"
    assert _conflicts("gave_up") == gave_up + 1
    assert await _counts(service.booking) == before

    service.clashes.remaining = 0  # the crowd has gone: the same request now succeeds
    assert (await _hold(service, issuer, case.reference)).status_code == 201
