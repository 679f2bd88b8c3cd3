"""Erasure reaches cases (through bootstrap() with the fake unit of work)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from townhall.cases.adapters.catalogue import load_catalogue
from townhall.cases.bootstrap import Cases, bootstrap
from townhall.cases.config import CasesSettings
from townhall.cases.domain import commands
from townhall.cases.domain.exceptions import ResidentErasedError
from townhall.cases.fakes import CasesStore, FakeUnitOfWork
from townhall.runtime.clock import ManualClock
from townhall.runtime.outbox import EventContext
from townhall.runtime.testkit.fakes import FakeOutbox

CONTEXT = EventContext(correlation_id="unit")
ADA = uuid.uuid4()
PERSONAL = ("Ada", "Lovelace", "ada@example.org", "07700 900123", "1 High Street", "10023")
RATS = {"pest": "rats", "rooms_affected": 2, "notes": "Ada's dog bites"}


class World:
    def __init__(self) -> None:
        self.clock = ManualClock(datetime(2026, 3, 2, 9, tzinfo=UTC))
        self.store = CasesStore()
        self.outbox = FakeOutbox("cases", self.clock)
        settings = CasesSettings(database_url="sqlite+aiosqlite://", consumers_enabled=False)
        self.cases: Cases = bootstrap(settings, uow=self.uow, clock=self.clock)

    def uow(self) -> FakeUnitOfWork:
        return FakeUnitOfWork(self.cases.catalogue, self.store, self.outbox, clock=self.clock)

    async def handle(self, command: object) -> object:
        return await self.cases.bus.handle(command, CONTEXT)

    async def report_rats(self, resident: uuid.UUID) -> str:
        command = commands.SubmitCase(
            service_code="pest_control",
            details=dict(RATS),
            channel="online",
            actor=commands.Actor(str(resident), "resident", loa=1),
            reporter=commands.Reporter("Ada", "Lovelace", "ada@example.org", "07700 900123"),
            location=commands.Location(51.5, -0.12, "1 High Street", "10023"),
            description="Rats under Ada Lovelace's stairs",
        )
        return str((await self.handle(command)).reference)  # type: ignore[attr-defined]

    def held(self) -> str:
        return repr(self.store.cases) + repr([e.data for e in self.outbox.envelopes])


@pytest.fixture
def world() -> World:
    return World()


async def test_erasure_blanks_the_residents_cases_and_keeps_the_record_of_work(
    world: World,
) -> None:
    mine, theirs = await world.report_rats(ADA), await world.report_rats(uuid.uuid4())
    published = len(world.outbox.envelopes)

    blanked = await world.handle(commands.EraseResidentData(ADA))

    assert blanked == 1
    case = world.store.cases[mine]
    assert (case.reporter.given_name, case.reporter.email, case.reporter.phone) == (None,) * 3
    assert (case.location, case.description) == (None, "")
    assert case.details == {"pest": "rats"}, "closed choices stay; numbers and text go"
    assert (case.reference, case.status, case.resident_id) == (mine, "awaiting_payment", ADA)
    assert case.due_at and case.erased_at == world.clock()
    assert world.store.cases[theirs].description, "another resident's case is untouched"
    assert len(world.outbox.envelopes) == published, "nothing personal was published"
    assert not [value for value in PERSONAL if value in repr(world.store.cases[mine])]


async def test_erasing_twice_blanks_nothing_more(world: World) -> None:
    await world.report_rats(ADA)
    assert await world.handle(commands.EraseResidentData(ADA)) == 1
    erased_at = next(iter(world.store.cases.values())).erased_at
    world.clock.advance(timedelta(hours=1))

    assert await world.handle(commands.EraseResidentData(ADA)) == 0
    assert next(iter(world.store.cases.values())).erased_at == erased_at


async def test_a_case_arriving_after_its_residents_erasure_is_blanked_on_arrival(
    world: World,
) -> None:
    await world.handle(commands.EraseResidentData(ADA))

    reference = await world.report_rats(ADA)

    case = world.store.cases[reference]
    assert case.erased_at is not None and case.description == "" and case.location is None
    assert not [value for value in PERSONAL if value in world.held()]


async def test_the_sweep_blanks_a_case_committed_while_an_erasure_was_applied(
    world: World,
) -> None:
    reference = await world.report_rats(ADA)
    world.store.erased[ADA] = world.clock()  # the erasure committed, missing this case

    assert await world.cases.passes.sweep_once() == 1
    assert world.store.cases[reference].erased_at is not None
    assert await world.cases.passes.sweep_once() == 0


@pytest.mark.parametrize("service_type", list(load_catalogue()), ids=lambda t: t.code)
def test_erasure_keeps_only_answers_chosen_from_closed_lists(service_type: object) -> None:
    from townhall.cases.domain.catalogue import ServiceType

    assert isinstance(service_type, ServiceType)
    properties = service_type.form["properties"]
    typed = {"string": "free text", "integer": 3, "number": 1.5, "boolean": True}
    details = {
        code: (schema.get("enum") or [typed.get(schema.get("type", ""), ["x"])])[0]
        for code, schema in properties.items()
    }
    kept = service_type.kept_on_erasure(details)
    for code, schema in properties.items():
        closed = "enum" in schema or schema.get("type") == "boolean"
        closed |= "enum" in schema.get("items", {})
        assert (code in kept) == closed, f"{service_type.code}.{code}"


async def test_nothing_more_is_written_about_an_erased_resident_but_their_case_still_moves(
    world: World,
) -> None:
    reference = await world.report_rats(ADA)
    await world.handle(commands.EraseResidentData(ADA))
    officer = commands.Actor("officer-1", "officer", {"pest_control": ("personal",)})
    published = len(world.outbox.envelopes)

    with pytest.raises(ResidentErasedError):
        await world.handle(commands.AddNote(reference, "Ada says thanks", False, officer))
    await world.handle(commands.ChangeStatus(reference, "cancelled", "", officer))

    assert world.store.cases[reference].status == "cancelled"
    assert len(world.outbox.envelopes) == published + 1, "only the status change"
    assert "Ada" not in world.held()
