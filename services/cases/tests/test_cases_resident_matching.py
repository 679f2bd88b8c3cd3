"""No request is left without its resident: a case identity could not match when it was
submitted is asked about again, with backoff, until identity answers (bootstrap() with
the fake unit of work and a fake identity that can be away)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from townhall.cases.bootstrap import Cases, bootstrap
from townhall.cases.config import CasesSettings
from townhall.cases.domain import commands
from townhall.cases.domain.evidence import Evidence
from townhall.cases.fakes import CasesStore, FakeResidentMatcher, FakeUnitOfWork
from townhall.cases.service_layer.matching import retry_delay
from townhall.runtime.clock import ManualClock
from townhall.runtime.outbox import EventContext
from townhall.runtime.testkit.fakes import FakeOutbox

CONTEXT = EventContext(correlation_id="unit")
ADA = uuid.uuid4()
MATCHED = "townhall.cases.case.resident_matched.v1"


class World:
    def __init__(self) -> None:
        self.clock = ManualClock(datetime(2026, 3, 2, 9, tzinfo=UTC))
        self.store = CasesStore()
        self.outbox = FakeOutbox("cases", self.clock)
        self.identity = FakeResidentMatcher({"ada@example.org": ADA})
        settings = CasesSettings(
            database_url="sqlite+aiosqlite://",
            consumers_enabled=False,
            resident_match_first_retry_s=2,
            resident_match_longest_wait_s=60,
        )
        self.cases: Cases = bootstrap(
            settings, uow=self.uow, clock=self.clock, matcher=self.identity
        )

    def uow(self) -> FakeUnitOfWork:
        return FakeUnitOfWork(self.cases.catalogue, self.store, self.outbox, clock=self.clock)

    async def report(self, email: str = "ada@example.org") -> str:
        """A phone-less, account-less report through Open311-like anonymity."""
        command = commands.SubmitCase(
            service_code="pest_control",
            details={"pest": "rats", "rooms_affected": 2},
            channel="online",
            actor=commands.Actor("anonymous", "anonymous"),
            reporter=commands.Reporter("Ada", "Lovelace", email, None),
            location=commands.Location(51.5, -0.12, "1 High Street", "10023"),
            description="Rats under the stairs",
        )
        submitted = await self.cases.bus.handle(command, CONTEXT)
        return str(submitted.reference)

    async def retry(self) -> int:
        return await self.cases.passes.retry_matches_once()

    def published(self, kind: str) -> list[dict[str, object]]:
        return [e.data for e in self.outbox.envelopes if e.type == kind]


@pytest.fixture
def world() -> World:
    return World()


async def test_a_case_submitted_while_identity_is_away_is_kept_and_due_to_be_asked_about(
    world: World,
) -> None:
    world.identity.unavailable = True
    reference = await world.report()
    case = world.store.cases[reference]
    assert case.resident_id is None and case.status == "awaiting_payment"
    assert case.match_due_at == world.clock(), "asked about again at the next pass"
    assert world.published(MATCHED) == []


async def test_when_identity_is_back_the_case_reaches_its_resident_as_a_claim(
    world: World,
) -> None:
    world.identity.unavailable = True
    reference = await world.report()
    world.identity.unavailable = False

    assert await world.retry() == 1

    case = world.store.cases[reference]
    assert (case.resident_id, case.reporter_claimed, case.match_due_at) == (ADA, True, None)
    [matched] = world.published(MATCHED)
    assert matched["resident_id"] == str(ADA) and matched["reference"] == reference
    assert matched["status"] == "awaiting_payment" and matched["fee_pence"] == 6500
    assert matched["reporter_claimed"] is True
    assert matched["submitted_at"] == case.created_at.isoformat().replace("+00:00", "Z")
    assert await world.retry() == 0, "nothing more to ask"
    assert len(world.published(MATCHED)) == 1


async def test_while_identity_stays_away_each_ask_waits_twice_as_long_up_to_a_limit(
    world: World,
) -> None:
    world.identity.unavailable = True
    reference = await world.report()
    waits = []
    for _ in range(8):
        asked = len(world.identity.asked)
        await world.retry()
        assert len(world.identity.asked) == asked + 1
        due = world.store.cases[reference].match_due_at
        assert due is not None
        waits.append((due - world.clock()).total_seconds())
        await world.retry()
        assert len(world.identity.asked) == asked + 1, "not asked again before it is due"
        world.clock.advance(due - world.clock())
    assert waits == [2, 4, 8, 16, 32, 60, 60, 60]
    assert world.store.cases[reference].match_attempts == 8


async def test_one_unanswered_ask_ends_the_pass(world: World) -> None:
    world.identity.unavailable = True
    for _ in range(3):
        await world.report()
    asked = len(world.identity.asked)
    await world.retry()
    assert len(world.identity.asked) == asked + 1, "the other cases wait for the next pass"
    world.identity.unavailable = False
    world.clock.advance(timedelta(seconds=5))
    assert await world.retry() == 3


async def test_a_reporter_identity_does_not_know_stays_unmatched_and_is_not_asked_again(
    world: World,
) -> None:
    world.identity.unavailable = True
    reference = await world.report(email="stranger@example.org")
    world.identity.unavailable = False
    assert await world.retry() == 0
    case = world.store.cases[reference]
    assert (case.resident_id, case.match_due_at) == (None, None)
    assert world.published(MATCHED) == []


async def test_a_case_matched_to_a_resident_already_erased_is_blanked(world: World) -> None:
    world.identity.unavailable = True
    reference = await world.report()
    await world.cases.bus.handle(commands.EraseResidentData(ADA), CONTEXT)
    world.identity.unavailable = False
    assert await world.retry() == 1
    case = world.store.cases[reference]
    assert case.resident_id == ADA and case.erased_at is not None
    assert (case.reporter.email, case.description) == (None, "")


async def test_a_pending_report_whose_resident_is_erased_is_blanked_when_identity_answers_erased(
    world: World,
) -> None:
    """The bug: identity away at submission, the resident erased before the late match.
    Identity answers ``erased`` (the report was submitted before the erasure) and the
    case is blanked like an erased resident's, its evidence with it, and never asked
    about again; nothing readable is published."""
    world.identity.unavailable = True
    reference = await world.report()
    case = world.store.cases[reference]
    world.store.evidence[case.id] = [
        Evidence(
            uuid.uuid4(),
            "Ada-Lovelace-lease.pdf",
            "application/pdf",
            10,
            "ab" * 32,
            "anonymous",
            world.clock(),
        )
    ]
    world.clock.advance(timedelta(minutes=1))
    world.identity.erased["ada@example.org"] = world.clock()
    world.identity.unavailable = False
    published = len(world.outbox.envelopes)

    assert await world.retry() == 0
    case = world.store.cases[reference]
    assert world.identity.observed[-1] == case.created_at, "asked with the submission time"
    assert (case.resident_id, case.match_due_at) == (None, None)
    assert case.erased_at is not None
    assert (case.reporter.given_name, case.reporter.email, case.description) == (None, None, "")
    assert case.location is None
    assert case.id not in world.store.evidence and world.store.removals == ["ab" * 32]
    assert len(world.outbox.envelopes) == published, "no event: nothing to publish"
    asked = len(world.identity.asked)
    world.clock.advance(timedelta(hours=1))
    assert await world.retry() == 0
    assert len(world.identity.asked) == asked, "not asked about again"


async def test_a_report_submitted_after_the_erasure_is_matched_as_before(world: World) -> None:
    """Someone erased who reports again is not turned away: identity matches them anew."""
    world.identity.erased["ada@example.org"] = world.clock()
    world.clock.advance(timedelta(seconds=1))
    reference = await world.report()
    case = world.store.cases[reference]
    assert world.identity.observed == [case.created_at]
    assert (case.resident_id, case.erased_at) == (ADA, None)


async def test_later_events_about_the_case_carry_its_resident(world: World) -> None:
    world.identity.unavailable = True
    reference = await world.report()
    world.identity.unavailable = False
    await world.retry()
    await world.cases.bus.handle(
        commands.RecordPayment(reference, payment_id="p-1", succeeded=True), CONTEXT
    )
    changed = world.published("townhall.cases.case.status_changed.v1")
    assert [c["resident_id"] for c in changed] == [None, str(ADA)], (
        "the fee was asked before the match; the payment after it"
    )


def test_the_wait_doubles_from_the_first_retry_and_stops_growing_at_the_longest() -> None:
    first, longest = timedelta(seconds=2), timedelta(minutes=10)
    waits = [retry_delay(n, first=first, longest=longest).total_seconds() for n in range(12)]
    assert waits[:5] == [2, 4, 8, 16, 32] and waits[-1] == 600
    assert waits == sorted(waits)
