"""Identity's handlers run through bootstrap() on a fake unit of work (no database),
and the fake residents repository answers as the real one does (one contract test)."""

from __future__ import annotations

import contextlib
import copy
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, cast

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from townhall.identity.adapters.data_keys import DataKeyStore
from townhall.identity.adapters.master_keys import MasterKeys
from townhall.identity.adapters.repository import ResidentRepository
from townhall.identity.bootstrap import MIGRATIONS, Identity, bootstrap
from townhall.identity.config import IdentitySettings
from townhall.identity.domain.commands import ChangeName, RegisterResident
from townhall.identity.domain.exceptions import DuplicateEmailError, NotFoundError
from townhall.identity.domain.model import Resident
from townhall.identity.service_layer.unit_of_work import UnitOfWork
from townhall.runtime.clock import ManualClock
from townhall.runtime.crypto import encode_key, generate_key
from townhall.runtime.db import create_engine, session_factory
from townhall.runtime.migrations import upgrade
from townhall.runtime.outbox import EventContext, Outbox
from townhall.schemas.events.base import DomainEvent as Contract

CONTEXT = EventContext(correlation_id="c-fake")


class FakeSession:
    """Stands in for the database session: writes apply at commit, vanish at rollback."""

    def __init__(self) -> None:
        self.staged: list[Callable[[], None]] = []
        self.stores: list[FakeResidentRepository] = []

    async def commit(self) -> None:
        for write in self.staged:
            write()
        self.staged.clear()
        for store in self.stores:
            store.store.clear()
            store.store.update(copy.deepcopy(store.working))

    async def rollback(self) -> None:
        self.staged.clear()
        for store in self.stores:
            store.working = copy.deepcopy(store.store)

    async def close(self) -> None:
        return None


def _fake(session: AsyncSession) -> FakeSession:
    return cast(FakeSession, session)


class FakeResidentRepository(ResidentRepository):
    """Residents in a dict shared by every unit of work of one test."""

    def __init__(self, session: AsyncSession, store: dict[uuid.UUID, Resident]):
        super().__init__(session)
        self.store = store
        self.working = copy.deepcopy(store)
        _fake(session).stores.append(self)

    async def add(self, resident: Resident) -> None:
        if resident.email and await self.email_taken(resident.email):
            raise DuplicateEmailError(resident.email)
        self.working[resident.id] = _copy(resident)
        self.seen.append(resident)

    async def save(self, resident: Resident) -> None:
        self.working[resident.id] = _copy(resident)

    async def get(self, resident_id: uuid.UUID, *, follow: bool = True) -> Resident | None:
        found = self.working.get(resident_id)
        while found is not None and found.merged_into is not None and follow:
            found = self.working.get(found.merged_into)
        resident = _copy(found) if found else None
        if resident is not None:
            self.seen.append(resident)
        return resident

    async def merged_into(self, survivor_id: uuid.UUID) -> list[Resident]:
        ids = [r.id for r in self.working.values() if r.merged_into == survivor_id]
        return [r for r in [await self.get(i, follow=False) for i in ids] if r is not None]

    async def find_by_contact(self, kind: str, value: str) -> Resident | None:
        for resident in self.working.values():
            if any(p.kind == kind and p.value == value for p in resident.contact_points):
                return await self.get(resident.id)
        return None

    async def email_taken(self, email: str) -> bool:
        return any(r.email == email.lower() for r in self.working.values())

    async def identifier_owner(self, system: str, value: str) -> uuid.UUID | None:
        owners = (r.id for r in self.working.values() if (system, value) in r.identifiers)
        return next(owners, None)


def _copy(resident: Resident) -> Resident:
    twin = copy.deepcopy(resident)
    twin.events = []
    return twin


class FakeDataKeyStore(DataKeyStore):
    def __init__(self, session: AsyncSession, keys: dict[uuid.UUID, bytes]):
        super().__init__(session, MasterKeys(generate_key()))
        self.keys = keys

    async def get_or_create(self, resident_id: uuid.UUID) -> bytes:
        return self.keys.setdefault(resident_id, generate_key())


class FakeOutbox(Outbox):
    """Keeps the committed contracts in a list instead of outbox rows."""

    def __init__(self) -> None:
        super().__init__("identity")
        self.contracts: list[Contract] = []

    async def add(
        self, session: AsyncSession, events: Sequence[Contract], context: EventContext
    ) -> list[Any]:
        _fake(session).staged.append(lambda: self.contracts.extend(events))
        return []


class FakeUnitOfWork(UnitOfWork):
    """Identity's unit of work with its residents and data keys kept in memory."""

    def __init__(self, clock: ManualClock) -> None:
        sessions = cast(async_sessionmaker[AsyncSession], FakeSession)
        self.fake_outbox = FakeOutbox()
        super().__init__(sessions, self.fake_outbox, MasterKeys(generate_key()), clock=clock)
        self.stored: dict[uuid.UUID, Resident] = {}
        self.keys: dict[uuid.UUID, bytes] = {}

    def open_repositories(self, session: AsyncSession) -> None:
        super().open_repositories(session)
        self.residents = FakeResidentRepository(session, self.stored)
        self.data_keys = FakeDataKeyStore(session, self.keys)


@pytest.fixture
def fake() -> FakeUnitOfWork:
    return FakeUnitOfWork(ManualClock(datetime(2026, 3, 2, 9, tzinfo=UTC)))


@pytest.fixture
def services(tmp_path: Path, fake: FakeUnitOfWork) -> Identity:
    settings = IdentitySettings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'never-opened.db'}",
        identity_key_encryption_key=encode_key(generate_key()),
        identity_matcher="exact",
        relay_enabled=False,
    )
    return bootstrap(settings, uow=lambda: fake, clock=fake.clock)


async def _register(services: Identity, email: str = "ada@example.org") -> uuid.UUID:
    command = RegisterResident("Ada", "Example", "online", email=email)
    resident_id: uuid.UUID = await services.bus.handle(command, CONTEXT)
    return resident_id


async def test_registering_a_resident_keeps_them_and_writes_their_sealed_event(
    services: Identity, fake: FakeUnitOfWork, tmp_path: Path
) -> None:
    resident_id = await _register(services)
    assert fake.stored[resident_id].given_name == "Ada"
    [registered] = fake.fake_outbox.contracts
    assert type(registered).__name__ == "ResidentRegistered"
    assert "Ada" not in registered.model_dump_json(), "personal data travels sealed"
    assert resident_id in fake.keys, "under the resident's own data key"
    assert not (tmp_path / "never-opened.db").exists(), "no database was touched"


async def test_changing_a_name_keeps_the_former_one(
    services: Identity, fake: FakeUnitOfWork
) -> None:
    resident_id = await _register(services)
    await services.bus.handle(ChangeName(resident_id, "Ada", "Lovelace", date(2026, 3, 1)), CONTEXT)
    names = fake.stored[resident_id].names
    assert [(n.family, n.until) for n in names] == [
        ("Lovelace", None),
        ("Example", date(2026, 3, 1)),
    ]


async def test_a_second_resident_with_a_taken_email_is_refused_and_nothing_is_written(
    services: Identity, fake: FakeUnitOfWork
) -> None:
    await _register(services)
    with pytest.raises(DuplicateEmailError):
        await _register(services, email="ADA@example.org")
    assert len(fake.stored) == 1
    assert len(fake.fake_outbox.contracts) == 1


async def test_renaming_an_unknown_resident_is_refused(services: Identity) -> None:
    with pytest.raises(NotFoundError):
        await services.bus.handle(ChangeName(uuid.uuid4(), "A", "B", date(2026, 1, 1)), CONTEXT)


# The contract: the fake residents repository answers as the real one does.


class Repositories:
    """Opens a residents repository in a fresh session, fake or real (SQLite)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession] | None):
        self.sessions = sessions
        self.store: dict[uuid.UUID, Resident] = {}

    @contextlib.asynccontextmanager
    async def open(self) -> AsyncIterator[tuple[ResidentRepository, Any]]:
        """The repository and its session, which the caller commits or not."""
        session: Any = FakeSession() if self.sessions is None else self.sessions()
        if self.sessions is None:
            yield FakeResidentRepository(session, self.store), session
        else:
            yield ResidentRepository(session), session
        await session.rollback()
        await session.close()


@pytest.fixture(params=["fake", "sqlite"])
async def repositories(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[Repositories]:
    if request.param == "fake":
        yield Repositories(None)
        return
    url = f"sqlite+aiosqlite:///{tmp_path / 'identity.db'}"
    await upgrade(url, MIGRATIONS)
    engine = create_engine(url)
    yield Repositories(session_factory(engine))
    await engine.dispose()


def _resident(given: str = "Ada", email: str | None = "ada@example.org") -> Resident:
    return Resident.register(RegisterResident(given, "Example", "online", email=email))


async def _added(repositories: Repositories, *residents: Resident, saved: bool = False) -> None:
    async with repositories.open() as (repository, session):
        for resident in residents:
            await (repository.save(resident) if saved else repository.add(resident))
        await session.commit()


async def _get(repositories: Repositories, rid: uuid.UUID, **follow: bool) -> Resident | None:
    async with repositories.open() as (repository, _):
        return await repository.get(rid, **follow)


class TestResidentRepositoryContract:
    async def test_a_committed_resident_reads_back_whole(self, repositories: Repositories) -> None:
        resident = _resident()
        await _added(repositories, resident)
        assert await _get(repositories, resident.id) == resident
        async with repositories.open() as (repository, _):
            assert (await repository.find_by_contact("email", "ada@example.org")) == resident
            assert await repository.email_taken("ADA@example.org")
            assert await repository.find_by_contact("email", "bea@example.org") is None

    async def test_a_rolled_back_resident_is_not_kept(self, repositories: Repositories) -> None:
        resident = _resident()
        async with repositories.open() as (repository, session):
            await repository.add(resident)
            await session.rollback()
        assert await _get(repositories, resident.id) is None

    async def test_a_saved_change_and_a_linked_identifier_are_kept(
        self, repositories: Repositories
    ) -> None:
        resident = _resident()
        await _added(repositories, resident)
        resident.change_name("Ada", "Lovelace", date(2026, 3, 1))
        resident.link_identifier("council_tax", "CT-1")
        await _added(repositories, resident, saved=True)
        assert await _get(repositories, resident.id) == resident
        async with repositories.open() as (repository, _):
            assert await repository.identifier_owner("council_tax", "CT-1") == resident.id

    async def test_a_merged_record_resolves_to_its_survivor(
        self, repositories: Repositories
    ) -> None:
        survivor, merged = _resident(), _resident("Ada J", email=None)
        await _added(repositories, survivor, merged)
        merged.merge_into(survivor)
        await _added(repositories, merged, saved=True)
        assert (await _get(repositories, merged.id)) == survivor
        assert (await _get(repositories, merged.id, follow=False)) == merged
        async with repositories.open() as (repository, _):
            assert [r.id for r in await repository.merged_into(survivor.id)] == [merged.id]

    async def test_a_second_resident_with_the_same_email_is_refused(
        self, repositories: Repositories
    ) -> None:
        await _added(repositories, _resident())
        async with repositories.open() as (repository, _):
            with pytest.raises(DuplicateEmailError):
                await repository.add(_resident("Bea"))
