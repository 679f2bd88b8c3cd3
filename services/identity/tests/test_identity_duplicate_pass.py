"""The duplicate pass on identity's real repositories (SQLite and PostgreSQL): residents
split earlier are merged as events, joint holders never are, a second pass finds
nothing more; the command line runs it once."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import date
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
from townhall.identity.domain.model import Address, Name, Resident, SourceRecord
from townhall.identity.entrypoints.api.app import create
from townhall.identity.linkage import Model
from townhall.identity.service_layer.matching import Thresholds
from townhall.identity.testing import Harness, ready
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
