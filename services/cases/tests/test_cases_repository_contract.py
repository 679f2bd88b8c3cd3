"""One contract for the cases repositories, run on the fake and on the real ones.

The fake is what the handler unit tests stand on; this keeps it honest: every
behaviour here passes on the in-memory fake and on SQLite and PostgreSQL.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from townhall.cases.adapters.catalogue import BUNDLED, load_catalogue
from townhall.cases.bootstrap import MIGRATIONS
from townhall.cases.domain.catalogue import Catalogue
from townhall.cases.domain.exceptions import ConcurrentUpdateError
from townhall.cases.domain.model import Case
from townhall.cases.fakes import FakeUnitOfWork
from townhall.cases.service_layer.unit_of_work import UnitOfWork
from townhall.runtime.db import create_engine, session_factory
from townhall.runtime.migrations import upgrade
from townhall.runtime.outbox import Outbox
from townhall.runtime.tables import outbox as outbox_table

NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)
CATALOGUE: Catalogue = load_catalogue(BUNDLED)
MakeUow = Callable[[], UnitOfWork]


def _case(
    number: int,
    *,
    code: str = "pest_control",
    now: datetime = NOW,
    resident: uuid.UUID | None = None,
) -> Case:
    service_type = CATALOGUE.get(code)
    assert service_type is not None
    return Case.submit(
        reference=f"{service_type.prefix}-{now.year}-{number:06d}",
        service_type=service_type,
        channel="online",
        submitted_by="resident",
        details={"pest": "rats", "rooms_affected": 1},
        now=now,
        description="",
        resident_id=resident or uuid.uuid4(),
    )


async def _add(make_uow: MakeUow, *cases: Case) -> None:
    async with make_uow() as uow:
        for case in cases:
            await uow.cases.add(case)
        await uow.commit()


class CaseRepositoryContract:
    """The behaviours; subclasses provide ``make_uow`` and ``published_types``."""

    async def published_types(self, make_uow: MakeUow) -> list[str]:
        raise NotImplementedError

    async def test_a_committed_case_reads_back_by_reference_and_id(self, make_uow: MakeUow) -> None:
        case = _case(1)
        await _add(make_uow, case)
        async with make_uow() as uow:
            by_reference = await uow.cases.get(case.reference)
            by_id = await uow.cases.get_by_id(case.id)
        assert by_reference is not None and by_id is not None
        assert (by_reference.id, by_reference.status, by_reference.version) == (
            case.id,
            "submitted",
            1,
        )
        assert by_id.reference == case.reference
        assert by_reference.due_at == case.due_at

    async def test_nothing_is_kept_without_a_commit(self, make_uow: MakeUow) -> None:
        case = _case(1)
        async with make_uow() as uow:
            await uow.cases.add(case)
            await uow.write_events_to_outbox()
        async with make_uow() as uow:
            assert await uow.cases.get(case.reference) is None
        assert await self.published_types(make_uow) == []

    async def test_committed_events_reach_the_outbox_once(self, make_uow: MakeUow) -> None:
        await _add(make_uow, _case(1))
        async with make_uow() as uow:
            await uow.commit()  # nothing new: nothing more
        assert await self.published_types(make_uow) == ["townhall.cases.case.submitted.v1"]

    async def test_reference_numbers_count_per_prefix_and_year(self, make_uow: MakeUow) -> None:
        async with make_uow() as uow:
            numbers = [await uow.cases.next_number("PC", 2026) for _ in range(3)]
            numbers.append(await uow.cases.next_number("PC", 2027))
            numbers.append(await uow.cases.next_number("MB", 2026))
            await uow.commit()
        async with make_uow() as uow:
            numbers.append(await uow.cases.next_number("PC", 2026))
        assert numbers == [1, 2, 3, 1, 1, 4]

    async def test_saving_a_stale_copy_is_refused(self, make_uow: MakeUow) -> None:
        case = _case(1)
        await _add(make_uow, case)
        async with make_uow() as uow:
            theirs = await uow.cases.get(case.reference)  # read, then someone else saves
        async with make_uow() as uow:
            mine = await uow.cases.get(case.reference)
            assert mine is not None
            mine.assign(team="pests", officer=None, by="officer:a", now=NOW)
            await uow.cases.save(mine)
            await uow.commit()
        assert theirs is not None
        theirs.assign(team="other", officer=None, by="officer:b", now=NOW)
        async with make_uow() as uow:
            with pytest.raises(ConcurrentUpdateError):
                await uow.cases.save(theirs)

    async def test_overdue_lists_open_unbreached_cases_in_due_order(
        self, make_uow: MakeUow
    ) -> None:
        early, late = _case(1, now=NOW - timedelta(days=60)), _case(2, now=NOW - timedelta(days=30))
        fresh, finished = _case(3), _case(4, now=NOW - timedelta(days=90))
        finished.move_to("cancelled", reason="withdrawn", by="resident", now=NOW)
        await _add(make_uow, late, fresh, early, finished)
        async with make_uow() as uow:
            overdue = await uow.cases.overdue(NOW, ["cancelled", "closed"], limit=10)
            first_only = await uow.cases.overdue(NOW, ["cancelled", "closed"], limit=1)
        assert [c.reference for c in overdue] == [early.reference, late.reference]
        assert [c.reference for c in first_only] == [early.reference]

    async def test_a_residents_cases_are_found_until_their_personal_data_is_erased(
        self, make_uow: MakeUow
    ) -> None:
        ada = uuid.uuid4()
        first, second, other = _case(1, resident=ada), _case(2, resident=ada), _case(3)
        await _add(make_uow, first, second, other)
        async with make_uow() as uow:
            for _ in range(2):  # recorded once, however often
                await uow.erasures.add(ada, NOW)
            await uow.commit()
        async with make_uow() as uow:
            found = [c.reference for c in await uow.cases.of_resident(ada)]
            late = [c.reference for c in await uow.cases.of_erased_residents(limit=10)]
            kept = await uow.cases.get(first.reference)
            assert kept is not None and kept.erase_personal_data(NOW)
            await uow.cases.save(kept)
            await uow.commit()
        assert found == late == [first.reference, second.reference]
        async with make_uow() as uow:
            assert [c.reference for c in await uow.cases.of_resident(ada)] == [second.reference]
            assert [c.reference for c in await uow.cases.of_erased_residents(10)] == [
                second.reference
            ]
            assert await uow.erasures.contains(ada)
            assert not await uow.erasures.contains(other.resident_id or uuid.uuid4())
            erased = await uow.cases.get(first.reference)
        assert erased is not None and erased.erased_at == NOW and erased.details == {"pest": "rats"}


class TestFakeCaseRepository(CaseRepositoryContract):
    @pytest.fixture
    def make_uow(self) -> MakeUow:
        first = FakeUnitOfWork(CATALOGUE)
        return lambda: FakeUnitOfWork(CATALOGUE, first.store, first.fake_outbox)

    async def published_types(self, make_uow: MakeUow) -> list[str]:
        uow = make_uow()
        assert isinstance(uow, FakeUnitOfWork)
        return uow.fake_outbox.types()


class TestCaseRepository(CaseRepositoryContract):
    @pytest.fixture
    async def make_uow(self, database_url: str) -> AsyncIterator[MakeUow]:
        await upgrade(database_url, MIGRATIONS)
        engine = create_engine(database_url)
        sessions, outbox = session_factory(engine), Outbox("cases")
        yield lambda: UnitOfWork(sessions, outbox, CATALOGUE)
        await engine.dispose()

    async def published_types(self, make_uow: MakeUow) -> list[str]:
        async with make_uow() as uow:
            rows = await uow.session.execute(
                select(outbox_table.c.event_type).order_by(outbox_table.c.sequence)
            )
            return list(rows.scalars())
