"""An in-memory cases unit of work, for handler tests that need no database.

:class:`FakeUnitOfWork` subclasses the real :class:`UnitOfWork`; only the repositories
differ, and ``tests/test_cases_repository_contract.py`` runs the same behaviours on the
fake and the real repositories so the two cannot drift apart.
"""

from __future__ import annotations

import copy
import itertools
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from townhall.cases.adapters.evidence_repository import EvidenceRepository
from townhall.cases.adapters.repository import (
    CaseRepository,
    ContactRepository,
    ErasureRepository,
)
from townhall.cases.domain.catalogue import Catalogue
from townhall.cases.domain.commands import Location, Reporter
from townhall.cases.domain.contacts import Contact
from townhall.cases.domain.evidence import Evidence
from townhall.cases.domain.exceptions import ConcurrentUpdateError
from townhall.cases.domain.model import Case
from townhall.cases.service_layer.matching import ERASED, Match, MatchUnavailableError
from townhall.cases.service_layer.unit_of_work import UnitOfWork
from townhall.runtime.clock import Clock, utc_now
from townhall.runtime.data_keys import DataKeys
from townhall.runtime.testkit.data_keys import FakeDataKeys
from townhall.runtime.testkit.fakes import FakeOutbox, fake_session_of, fake_sessions


@dataclass
class CasesStore:
    """What the fake repositories have committed."""

    cases: dict[str, Case] = field(default_factory=dict)
    contacts: list[Contact] = field(default_factory=list)
    counters: dict[tuple[str, int], int] = field(default_factory=dict)
    tokens: dict[str, uuid.UUID] = field(default_factory=dict)
    erased: dict[uuid.UUID, datetime] = field(default_factory=dict)
    #: Each case's evidence (by case id), and the digests queued for removal.
    evidence: dict[uuid.UUID, list[Evidence]] = field(default_factory=dict)
    removals: list[str] = field(default_factory=list)


def _stored(case: Case) -> Case:
    """The case as a database would keep it: no events, no unsaved children."""
    kept = copy.deepcopy(case)
    kept.events.clear()
    kept.new_notes.clear()
    kept.new_evidence.clear()
    return kept


class FakeCaseRepository(CaseRepository):
    def __init__(self, session: AsyncSession, catalogue: Catalogue, store: CasesStore):
        super().__init__(session, catalogue)
        self.fake = fake_session_of(session)
        self.store = store
        #: Numbers taken in this unit of work, not yet committed.
        self.numbers: dict[tuple[str, int], int] = {}

    async def next_number(self, prefix: str, year: int) -> int:
        key = (prefix, year)
        number = self.numbers.get(key, self.store.counters.get(key, 0)) + 1
        self.numbers[key] = number
        self.fake.on_commit(lambda: self.store.counters.__setitem__((prefix, year), number))
        return number

    async def add(self, case: Case) -> None:
        case.version = 1
        self._write(case)
        self.seen.append(case)

    async def add_token(self, case_id: uuid.UUID) -> str:
        token = f"token-{uuid.uuid4().hex}"
        self.fake.on_commit(lambda: self.store.tokens.__setitem__(token, case_id))
        return token

    async def save(self, case: Case) -> None:
        kept = self.store.cases.get(case.reference)
        if kept is None or kept.version != case.version:
            raise ConcurrentUpdateError(case.reference)
        case.version += 1
        self._write(case)
        if case not in self.seen:
            self.seen.append(case)

    async def get(self, reference: str) -> Case | None:
        kept = self.store.cases.get(reference)
        return None if kept is None else copy.deepcopy(kept)

    async def get_by_id(self, case_id: uuid.UUID) -> Case | None:
        for kept in self.store.cases.values():
            if kept.id == case_id:
                return copy.deepcopy(kept)
        return None

    async def of_resident(self, resident_id: uuid.UUID) -> list[Case]:
        found = [
            c
            for c in self.store.cases.values()
            if c.resident_id == resident_id and c.erased_at is None
        ]
        return [copy.deepcopy(c) for c in sorted(found, key=lambda c: c.created_at)]

    async def of_erased_residents(self, limit: int) -> list[Case]:
        found = [
            c
            for c in self.store.cases.values()
            if c.resident_id in self.store.erased and c.erased_at is None
        ]
        found.sort(key=lambda c: c.created_at)
        return [copy.deepcopy(c) for c in itertools.islice(found, limit)]

    async def blank_children(self, case: Case) -> None:
        """Nothing to do: the fake keeps no notes or attachments once committed."""

    async def overdue(self, now: datetime, finished: Sequence[str], limit: int) -> list[Case]:
        due = [
            c
            for c in self.store.cases.values()
            if c.due_at <= now and c.breached_at is None and c.status not in finished
        ]
        due.sort(key=lambda c: c.due_at)
        return [copy.deepcopy(c) for c in itertools.islice(due, limit)]

    async def awaiting_match(self, now: datetime, limit: int) -> list[Case]:
        due = [
            c
            for c in self.store.cases.values()
            if c.match_due_at is not None and c.match_due_at <= now
        ]
        due.sort(key=lambda c: c.match_due_at or now)
        return [copy.deepcopy(c) for c in itertools.islice(due, limit)]

    def _write(self, case: Case) -> None:
        kept = _stored(case)
        added = list(case.new_evidence)
        self.fake.on_commit(lambda: self.store.cases.__setitem__(kept.reference, kept))
        self.fake.on_commit(lambda: self.store.evidence.setdefault(case.id, []).extend(added))
        case.new_notes.clear()
        case.new_evidence.clear()


class FakeContactRepository(ContactRepository):
    def __init__(self, session: AsyncSession, store: CasesStore):
        super().__init__(session)
        self.fake = fake_session_of(session)
        self.store = store

    async def add(self, contact: Contact) -> None:
        kept = copy.deepcopy(contact)
        kept.events.clear()
        self.fake.on_commit(lambda: self.store.contacts.append(kept))
        self.seen.append(contact)


class FakeErasureRepository(ErasureRepository):
    def __init__(self, session: AsyncSession, store: CasesStore):
        super().__init__(session)
        self.fake = fake_session_of(session)
        self.store = store
        self.pending: set[uuid.UUID] = set()

    async def add(self, resident_id: uuid.UUID, now: datetime) -> None:
        if resident_id in self.store.erased or resident_id in self.pending:
            return
        self.pending.add(resident_id)
        self.fake.on_commit(lambda: self.store.erased.__setitem__(resident_id, now))

    async def contains(self, resident_id: uuid.UUID) -> bool:
        return resident_id in self.store.erased or resident_id in self.pending


class FakeEvidenceRepository(EvidenceRepository):
    def __init__(self, session: AsyncSession, store: CasesStore):
        super().__init__(session)
        self.fake = fake_session_of(session)
        self.store = store

    async def count(self, case_id: uuid.UUID) -> int:
        return len(self.store.evidence.get(case_id, []))

    async def of_case(self, case_id: uuid.UUID) -> list[Evidence]:
        return list(self.store.evidence.get(case_id, []))

    async def erase_of_case(self, case_id: uuid.UUID, now: datetime) -> None:
        def forget() -> None:
            for evidence in self.store.evidence.pop(case_id, []):
                if evidence.sha256 not in self.store.removals:
                    self.store.removals.append(evidence.sha256)

        self.fake.on_commit(forget)

    async def removals(self, limit: int) -> tuple[list[str], list[str]]:
        used = {e.sha256 for kept in self.store.evidence.values() for e in kept}
        queued = self.store.removals[:limit]
        return [d for d in queued if d not in used], [d for d in queued if d in used]

    async def unqueue(self, digests: list[str]) -> None:
        gone = set(digests)
        self.fake.on_commit(
            lambda: self.store.removals.__setitem__(
                slice(None), [d for d in self.store.removals if d not in gone]
            )
        )


class FakeUnitOfWork(UnitOfWork):
    """The real cases unit of work over in-memory repositories and a list for an outbox;
    residents' data keys from memory unless ``data_keys`` says otherwise."""

    def __init__(
        self,
        catalogue: Catalogue,
        store: CasesStore | None = None,
        outbox: FakeOutbox | None = None,
        *,
        data_keys: DataKeys | None = None,
        clock: Clock = utc_now,
    ):
        self.store = store or CasesStore()
        self.fake_outbox = outbox or FakeOutbox("cases", clock)
        keys = data_keys or FakeDataKeys()
        super().__init__(fake_sessions(), self.fake_outbox, catalogue, data_keys=keys, clock=clock)

    def open_repositories(self, session: AsyncSession) -> None:
        self.cases = FakeCaseRepository(session, self.catalogue, self.store)
        self.contacts = FakeContactRepository(session, self.store)
        self.erasures = FakeErasureRepository(session, self.store)
        self.evidence = FakeEvidenceRepository(session, self.store)


class FakeResidentMatcher:
    """Identity's matcher as a directory of email addresses; it records each question
    and when its record was observed."""

    def __init__(self, residents: dict[str, uuid.UUID] | None = None):
        self.residents = dict(residents or {})
        self.asked: list[Reporter] = []
        self.observed: list[datetime | None] = []
        #: Identity is away: every question raises MatchUnavailableError.
        self.unavailable = False
        #: Emails erased, and when: a record observed at or before that is ERASED.
        self.erased: dict[str, datetime] = {}

    async def match(
        self,
        reporter: Reporter,
        location: Location | None,
        reference: str,
        *,
        observed_at: datetime | None = None,
    ) -> Match:
        self.asked.append(reporter)
        self.observed.append(observed_at)
        if self.unavailable:
            raise MatchUnavailableError("identity is away (fake)")
        erased_at = self.erased.get(reporter.email or "")
        if erased_at is not None and observed_at is not None and observed_at <= erased_at:
            return ERASED
        return self.residents.get(reporter.email or "")
