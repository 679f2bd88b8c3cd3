"""The duplicate pass on identity's real repositories (SQLite and PostgreSQL): residents
split earlier are merged as events, joint holders never are, a second pass finds
nothing more; the command line runs it once."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path

import httpx
import pytest

from townhall.identity.adapters.duplicate_pass import DuplicatePass, apply, plan
from townhall.identity.adapters.linkage_matcher import LinkageMatcher
from townhall.identity.adapters.linkage_upkeep import read_population
from townhall.identity.bootstrap import Identity
from townhall.identity.cli import main
from townhall.identity.config import IdentitySettings
from townhall.identity.domain.commands import MergeResidents
from townhall.identity.domain.exceptions import InvalidChangeError
from townhall.identity.domain.model import Address, Name, Resident, SourceRecord
from townhall.identity.domain.review import DUPLICATE, ReviewItem
from townhall.identity.entrypoints.api.app import create
from townhall.identity.linkage import Model
from townhall.identity.linkage.matcher import AMBIGUOUS_POSTERIOR
from townhall.identity.service_layer.matching import IncomingRecord, Thresholds
from townhall.identity.testing import Harness, bearer, ready
from townhall.runtime.outbox import EventContext

HOME = Address("3 Mill Lane", None, "Sampleton", "ZX4 7QT", "000000004711",
               house_number="3")  # fmt: skip
JOHN = SourceRecord(Name("John", "Hartley", title="Mr"), date(1971, 3, 9), None, HOME,
                    phone="07700900123")  # fmt: skip
#: A joint council-tax account's two holders, whose row named no more than this.
EIGHT = Address("8 Mill Lane", None, "Sampleton", "ZX4 7QT", house_number="8")
HOLDER = SourceRecord(Name("", "Okafor", initials="S"), None, None, EIGHT)


@pytest.fixture
async def identity(identity_settings: IdentitySettings, model: Model) -> AsyncIterator[Harness]:
    settings = identity_settings.model_copy(update={"identity_duplicate_pass_every_s": 0})
    app = create(settings, matcher=LinkageMatcher(model))
    async with app.router.lifespan_context(app):
        await ready(app)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://identity") as http:
            yield Harness(app, http)


async def _add(services: Identity, source: SourceRecord, system: str, reference: str) -> uuid.UUID:
    resident = Resident.from_source(source, "legacy")
    resident.link_identifier(system, reference)
    async with services.bus.uow_factory() as uow:
        await uow.residents.add(resident)
        await uow.commit()
    return resident.id


async def _merged_into(services: Identity, resident_id: uuid.UUID) -> uuid.UUID | None:
    async with services.bus.uow_factory() as uow:
        resident = await uow.residents.get(resident_id, follow=False)
        assert resident is not None
        return resident.merged_into


async def test_residents_of_one_person_are_merged_as_events_and_holders_kept_apart(
    identity: Harness,
) -> None:
    services = identity.services
    first = await _add(services, JOHN, "council_tax", "CT-1")
    second = await _add(services, JOHN, "housing", "HSG-7")
    holders = [await _add(services, HOLDER, "council_tax", ref) for ref in ("CT-9", "CT-9#2")]
    assert services.duplicates is not None

    report = await services.duplicates.run()

    assert (report.residents, report.merged, report.refused) == (4, 1, 0)
    # the older survives; created in one instant, either may be the older
    survivor, other = (first, second) if await _merged_into(services, second) else (second, first)
    assert await _merged_into(services, other) == survivor
    assert await _merged_into(services, survivor) is None
    assert [await _merged_into(services, h) for h in holders] == [None, None]
    merged = [e for e in await identity.events() if e["type"].endswith("resident.merged.v1")]
    assert [(e["data"]["resident_id"], e["data"]["merged_id"]) for e in merged] == [
        (str(survivor), str(other))
    ]
    matcher = services.matcher
    assert isinstance(matcher, LinkageMatcher)
    assert str(other) not in matcher.engine.index and str(survivor) in matcher.engine.index
    again = await services.duplicates.run()
    assert (again.merged, again.refused) == (0, 0), "nothing left to merge"


async def test_the_scheduled_pass_waits_one_interval_after_start(identity: Harness) -> None:
    services = identity.services
    scheduled = services.duplicates
    assert scheduled is not None and services.duplicates_every is not None
    assert services.duplicates_every.interval_s == 0, "off in these tests"
    fresh = DuplicatePass(
        identity.runtime.sessions, scheduled.model, scheduled.thresholds, scheduled.merge
    )
    assert await fresh.step() is None, "at start the index is loading: nothing yet"
    report = await fresh.step()
    assert report is not None and report.residents == 0


def test_find_duplicates_on_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'identity.db'}")
    main(["find-duplicates"])
    assert "0 residents re-scored" in capsys.readouterr().out


async def test_a_merge_an_officer_made_meanwhile_is_refused_not_made_twice(
    identity: Harness, model: Model
) -> None:
    services = identity.services
    first = await _add(services, JOHN, "council_tax", "CT-1")
    second = await _add(services, JOHN, "housing", "HSG-7")
    population = await asyncio.to_thread(read_population, identity.runtime.sessions)
    found = plan(sorted(population, key=lambda r: r.id != first), model, Thresholds())
    assert [(d.survivor, d.other, d.merge) for d in found] == [(str(first), str(second), True)]
    context = EventContext(correlation_id="an-officer")
    await services.bus.handle(MergeResidents(first, second), context)  # an officer, meanwhile
    assert services.duplicates is not None

    assert await apply(found, services.duplicates.merge) == (0, 1)
    merged = [e for e in await identity.events() if e["type"].endswith("resident.merged.v1")]
    assert len(merged) == 1


async def _waiting(
    services: Identity, record: IncomingRecord, proposed: uuid.UUID, probability: float
) -> ReviewItem:
    """A record the engine was unsure of when it came, waiting for an officer."""
    item = ReviewItem(uuid.uuid4(), record.to_json(), proposed, probability, [])
    async with services.bus.uow_factory() as uow:
        await uow.reviews.add(item)
        await uow.commit()
    return item


async def _item(services: Identity, review_id: uuid.UUID) -> ReviewItem:
    async with services.bus.uow_factory() as uow:
        item = await uow.reviews.get(review_id)
    assert item is not None
    return item


#: John Hartley as housing holds him: everything his resident holds agrees.
JOHN_AT_HOUSING = IncomingRecord(
    "housing", "HSG-7", "John", "Hartley", date(1971, 3, 9), phone="07700900123",
    postcode="ZX4 7QT", house_number="3", address_line="Mill Lane", town="Sampleton",
    uprn="000000004711", title="Mr",
)  # fmt: skip


async def test_records_waiting_for_an_officer_are_settled_once_the_engine_is_sure(
    identity: Harness,
) -> None:
    services = identity.services
    john = await _add(services, JOHN, "council_tax", "CT-1")
    # what later records told identity makes the first certain, the second no one's
    sure = await _waiting(services, JOHN_AT_HOUSING, john, 0.7)
    stranger = IncomingRecord("waste", "W-55", "Priya", "Natarajan", postcode="ZX9 1AA",
                              town="Otherby")  # fmt: skip
    nobody = await _waiting(services, stranger, john, 0.55)
    assert services.duplicates is not None

    report = await services.duplicates.run()

    assert report.settled == 2
    linked, created = await _item(services, sure.id), await _item(services, nobody.id)
    assert (linked.status, linked.resident_id, linked.decided_by) == ("accepted", john, None)
    assert linked.probability >= Thresholds().link
    assert (created.status, created.decided_by) == ("rejected", None)
    async with services.bus.uow_factory() as uow:
        assert await uow.residents.identifier_owner("housing", "HSG-7") == john
        assert await uow.residents.identifier_owner("waste", "W-55") == created.created_resident_id
        links = await uow.reviews.links([john])
    assert [(k.decided_by, k.review_id) for k in links] == [("matcher", sure.id)]
    officer = bearer(await identity.officer_token("id@example.org", ("identity", "personal")))
    outcome = await identity.http.get(f"/review-items/{sure.id}/outcome", headers=officer)
    assert outcome.json() == {"status": "accepted", "resident_id": str(john)}
    assert (await services.duplicates.run()).settled == 0, "nothing waits now"


async def test_a_record_that_fitted_two_people_or_now_fits_another_waits_for_an_officer(
    identity: Harness,
) -> None:
    services = identity.services
    john = await _add(services, JOHN, "council_tax", "CT-1")
    holder = await _add(services, HOLDER, "council_tax", "CT-9")
    either = await _waiting(services, JOHN_AT_HOUSING, john, AMBIGUOUS_POSTERIOR)
    # the engine asked about another resident: whether it is John is a new question
    other = dataclasses.replace(JOHN_AT_HOUSING, reference="HSG-8")
    asked_elsewhere = await _waiting(services, other, holder, 0.6)
    assert services.duplicates is not None

    report = await services.duplicates.run()

    assert report.settled == 0
    assert (await _item(services, either.id)).status == "open"
    assert (await _item(services, asked_elsewhere.id)).status == "open"
    async with services.bus.uow_factory() as uow:
        assert await uow.residents.identifier_owner("housing", "HSG-7") is None
        assert await uow.residents.identifier_owner("housing", "HSG-8") is None


def test_only_a_waiting_record_settles_and_by_a_link_or_a_new_resident_not_both() -> None:
    now = datetime(2026, 12, 5, tzinfo=UTC)
    item = ReviewItem(uuid.uuid4(), JOHN_AT_HOUSING.to_json(), uuid.uuid4(), 0.7, [])
    with pytest.raises(InvalidChangeError):
        item.settle(now)
    with pytest.raises(InvalidChangeError):
        item.settle(now, linked=(uuid.uuid4(), 0.95, []), created=uuid.uuid4())
    assert item.status == "open"
    item.decide(False, uuid.uuid4(), now)
    with pytest.raises(InvalidChangeError):
        item.settle(now, created=uuid.uuid4())
    duplicate = ReviewItem(uuid.uuid4(), {}, uuid.uuid4(), 0.7, [], kind=DUPLICATE)
    with pytest.raises(InvalidChangeError):
        duplicate.settle(now, created=uuid.uuid4())
