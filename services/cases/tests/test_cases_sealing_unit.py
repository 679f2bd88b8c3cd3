"""What people write about a resident is published sealed under the resident's data key
(through bootstrap() with the fake unit of work and in-memory keys)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from townhall.cases.bootstrap import Cases, bootstrap
from townhall.cases.config import CasesSettings
from townhall.cases.domain import commands
from townhall.cases.entrypoints.consumer import PAYMENT_SUCCEEDED, Reactions
from townhall.cases.fakes import CasesStore, FakeUnitOfWork
from townhall.runtime.clock import ManualClock
from townhall.runtime.crypto import DecryptionError, open_sealed
from townhall.runtime.data_keys import DataKeyUnavailableError, resident_context
from townhall.runtime.errors import Failure, classify
from townhall.runtime.outbox import EventContext
from townhall.runtime.testkit.data_keys import FakeDataKeys
from townhall.runtime.testkit.fakes import FakeOutbox, FakeSession
from townhall.schemas.envelope import Envelope, Sensitivity

CONTEXT = EventContext(correlation_id="unit")
ADA = uuid.uuid4()
OFFICER = commands.Actor("officer-1", "officer", {"waste": ("personal",)})
WORDS = "Ada Lovelace at 1 High Street, 07700 900123, says the bin was missed again"


class World:
    def __init__(self) -> None:
        self.clock = ManualClock(datetime(2026, 3, 2, 9, tzinfo=UTC))
        self.store = CasesStore()
        self.outbox = FakeOutbox("cases", self.clock)
        self.keys = FakeDataKeys()
        settings = CasesSettings(database_url="sqlite+aiosqlite://", consumers_enabled=False)
        self.cases: Cases = bootstrap(settings, uow=self.uow, clock=self.clock)

    def uow(self) -> FakeUnitOfWork:
        return FakeUnitOfWork(
            self.cases.catalogue, self.store, self.outbox, data_keys=self.keys, clock=self.clock
        )

    async def handle(self, command: object) -> Any:
        return await self.cases.bus.handle(command, CONTEXT)

    async def missed_bin(self, resident_id: uuid.UUID | None = ADA) -> str:
        """A missed bin (no fee, so nothing is written about it yet), on behalf of
        ``resident_id``, or from an anonymous reporter nobody matched."""
        reporter = commands.Reporter("Bo", "Example", phone="07700 900123")
        actor = OFFICER if resident_id else commands.Actor("anonymous", "anonymous")
        command = commands.SubmitCase(
            service_code="missed_bin",
            details={"bin_type": "recycling"},
            channel="phone" if resident_id else "online",
            actor=actor,
            resident_id=resident_id,
            reporter=reporter,
            location=commands.Location(51.5, -0.12),
        )
        return str((await self.handle(command)).reference)

    def last(self) -> Envelope:
        return self.outbox.envelopes[-1]

    def opened(self, envelope: Envelope, resident_id: uuid.UUID = ADA) -> dict[str, Any]:
        key = self.keys.key_of(resident_id)
        assert key is not None
        return open_sealed(envelope.data["sealed"], key, context=resident_context(resident_id))


@pytest.fixture
def world() -> World:
    return World()


WRITES = {
    "update": (lambda ref: commands.AddNote(ref, WORDS, True, OFFICER), "text"),
    "internal note": (lambda ref: commands.AddNote(ref, WORDS, False, OFFICER), "text"),
    "status reason": (lambda ref: commands.ChangeStatus(ref, "rejected", WORDS, OFFICER), "reason"),
}


@pytest.mark.parametrize("write", sorted(WRITES))
async def test_what_is_written_on_a_residents_case_is_published_sealed_and_blank_in_clear(
    world: World, write: str
) -> None:
    reference = await world.missed_bin()
    command, field = WRITES[write]
    await world.handle(command(reference))

    published = world.last()
    assert published.data[field] == "", "blank in clear"
    assert "Lovelace" not in published.model_dump_json()
    assert world.opened(published)[field].startswith(WORDS), "the resident's key opens it"
    with pytest.raises(DecryptionError):
        world.opened(published, resident_id=uuid.uuid4())  # bound to its resident


async def test_an_unmatched_cases_text_is_published_as_given_and_no_key_is_asked_for(
    world: World,
) -> None:
    reference = await world.missed_bin(resident_id=None)
    await world.handle(commands.AddNote(reference, WORDS, True, OFFICER))

    published = world.last()
    assert published.residentid is None
    assert (published.data["text"], published.data["sealed"]) == (WORDS, None)
    assert world.keys.asked == []


async def test_without_the_residents_key_nothing_is_stored_or_published(world: World) -> None:
    reference = await world.missed_bin()
    before = (world.store.cases[reference], len(world.outbox.envelopes))
    world.keys.down = True

    with pytest.raises(DataKeyUnavailableError):
        await world.handle(commands.AddNote(reference, WORDS, True, OFFICER))

    assert (world.store.cases[reference], len(world.outbox.envelopes)) == before
    world.keys.down = False
    await world.handle(commands.AddNote(reference, WORDS, True, OFFICER))
    assert world.opened(world.last()) == {"text": WORDS}, "it goes through once identity is back"


async def test_after_erasure_what_is_written_on_the_case_is_published_blank(
    world: World,
) -> None:
    reference = await world.missed_bin()
    world.keys.erase(ADA)
    await world.handle(commands.EraseResidentData(ADA))
    assert world.keys.forgotten == [str(ADA)], "the key leaves cases' cache"

    await world.handle(commands.ChangeStatus(reference, "triaged", WORDS, OFFICER))

    published = world.last()
    assert (published.data["reason"], published.data["sealed"]) == ("", None)


async def test_nothing_is_sealed_where_nothing_about_the_resident_was_written(
    world: World,
) -> None:
    reference = await world.missed_bin()
    await world.handle(commands.ChangeStatus(reference, "triaged", "", OFFICER))
    await world.handle(commands.AssignCase(reference, "Waste crew 3", "officer-17", OFFICER))

    moved, assigned = world.outbox.envelopes[-2:]
    assert (moved.data["reason"], moved.data["sealed"]) == ("", None)
    assert (assigned.data["team"], assigned.data["officer"]) == ("Waste crew 3", "officer-17"), (
        "a team and an officer's id are the council's, not the resident's: in clear"
    )
    assert world.keys.asked == []


def _payment_succeeded(reference: str) -> Envelope:
    return Envelope(
        id=str(uuid.uuid4()),
        source="/townhall/payments",
        type=PAYMENT_SUCCEEDED,
        time=datetime(2026, 3, 2, 10, tzinfo=UTC),
        subject="payment/p-1",
        residentid=str(ADA),
        correlationid="pay-1",
        sensitivity=Sensitivity.PERSONAL,
        domain="payments",
        sequence=1,
        data={"case_reference": reference, "payment_id": "p-1"},
    )


async def test_the_councils_own_words_need_no_key_so_reports_and_payments_never_wait(
    world: World,
) -> None:
    world.keys.down = True  # identity unreachable
    officer = commands.Actor("officer-2", "officer", {"pest_control": ("personal",)})
    command = commands.SubmitCase(
        service_code="pest_control",
        details={"pest": "rats", "rooms_affected": 1},
        channel="phone",
        actor=officer,
        resident_id=ADA,
        location=commands.Location(address="1 High Street"),
    )
    reference = str((await world.handle(command)).reference)
    fee_due = world.last()
    consumers_transaction = FakeSession()
    await Reactions(world.cases.bus)(consumers_transaction, [_payment_succeeded(reference)])
    await consumers_transaction.commit()

    assert world.store.cases[reference].status != "awaiting_payment", "the payment moved it on"
    assert (fee_due.data["to_status"], fee_due.data["sealed"]) == ("awaiting_payment", None)
    assert fee_due.data["reason"].startswith("Pay "), "the council's words, in clear"
    assert world.keys.asked == []


def test_a_missing_key_is_a_transient_failure_a_consumer_retries() -> None:
    assert classify(DataKeyUnavailableError("identity unreachable")) is Failure.TRANSIENT
