"""Cases' handlers through bootstrap() with the fake unit of work: no database, no broker."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from townhall.cases.bootstrap import Cases, bootstrap
from townhall.cases.config import CasesSettings
from townhall.cases.domain import commands
from townhall.cases.domain.exceptions import CaseNotFoundError, NotPermittedError
from townhall.cases.fakes import CasesStore, FakeUnitOfWork
from townhall.runtime.clock import ManualClock
from townhall.runtime.outbox import EventContext
from townhall.runtime.testkit.fakes import FakeOutbox

CONTEXT = EventContext(correlation_id="unit")
RESIDENT = uuid.uuid4()
AS_RESIDENT = commands.Actor(str(RESIDENT), "resident")
PEST_OFFICER = commands.Actor("officer-1", "officer", {"environmental_health": ("personal",)})


class World:
    """The cases service over the fake unit of work, on a clock the test moves."""

    def __init__(self) -> None:
        self.clock = ManualClock(datetime(2026, 3, 2, 9, tzinfo=UTC))
        self.store = CasesStore()
        self.outbox = FakeOutbox("cases", self.clock)
        settings = CasesSettings(database_url="sqlite+aiosqlite://", consumers_enabled=False)
        self.cases: Cases = bootstrap(settings, uow=self.uow, clock=self.clock)

    def uow(self) -> FakeUnitOfWork:
        catalogue = self.cases.catalogue
        return FakeUnitOfWork(catalogue, self.store, self.outbox, clock=self.clock)

    async def handle(self, command: object) -> object:
        return await self.cases.bus.handle(command, CONTEXT)

    async def report_rats(self) -> str:
        command = commands.SubmitCase(
            service_code="pest_control",
            details={"pest": "rats", "rooms_affected": 2},
            channel="online",
            actor=AS_RESIDENT,
            location=commands.Location(address="1 High Street", uprn="100023336956"),
        )
        submitted = await self.handle(command)
        return str(submitted.reference)  # type: ignore[attr-defined]


@pytest.fixture
def world() -> World:
    return World()


async def test_a_pest_control_request_waits_for_its_fee_and_is_published(world: World) -> None:
    reference = await world.report_rats()
    assert reference.endswith("2026-000001"), "the number's year is the injected clock's"
    assert world.store.cases[reference].status == "awaiting_payment"
    assert world.outbox.types() == [
        "townhall.cases.case.submitted.v1",
        "townhall.cases.case.status_changed.v1",
    ]
    assert {e.time for e in world.outbox.envelopes} == {world.clock()}


async def test_references_count_up_within_a_year(world: World) -> None:
    first, second = await world.report_rats(), await world.report_rats()
    assert (first[-6:], second[-6:]) == ("000001", "000002")


async def test_an_anonymous_caller_cannot_apply_for_a_sensitive_service(world: World) -> None:
    spd = world.cases.catalogue.get("council_tax_spd")
    assert spd is not None and spd.sensitivity in ("sensitive", "special")
    command = commands.SubmitCase(
        service_code=spd.code,
        details={"account_number": "12345678", "living_alone_since": "2026-01-01"},
        channel="online",
        actor=commands.Actor("anonymous", "anonymous"),
    )
    with pytest.raises(NotPermittedError):
        await world.handle(command)
    assert world.store.cases == {} and world.outbox.envelopes == []


async def test_a_payment_moves_the_case_on(world: World) -> None:
    reference = await world.report_rats()
    status = await world.handle(commands.RecordPayment(reference, "pay-1", succeeded=True))
    assert status != "awaiting_payment"
    assert world.store.cases[reference].status == status


async def test_a_command_for_an_unknown_case_changes_nothing(world: World) -> None:
    with pytest.raises(CaseNotFoundError):
        await world.handle(commands.ChangeStatus("PC-2026-999999", "closed", "", PEST_OFFICER))
    assert world.store.cases == {} and world.outbox.envelopes == []


async def test_an_sla_breach_is_recorded_once_when_the_clock_passes_the_due_date(
    world: World,
) -> None:
    reference = await world.report_rats()
    due = world.store.cases[reference].due_at
    assert await world.handle(commands.CheckSla()) == 0
    world.clock.advance(due - world.clock() + timedelta(minutes=1))
    assert await world.handle(commands.CheckSla()) == 1
    assert await world.handle(commands.CheckSla()) == 0
    breaches = [t for t in world.outbox.types() if t.endswith("sla_breached.v1")]
    assert breaches == ["townhall.cases.case.sla_breached.v1"]
