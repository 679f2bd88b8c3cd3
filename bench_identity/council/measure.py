"""Scoring today's engine on the council's sightings, as a batch and one by one.

Definitions (a "pair" is two sightings, i.e. two mapped records):

* a true pair: two sightings of the same true person. Precision, recall and F1 are
  over pairs: predicted pairs are those the engine puts in one person (batch: one
  cluster; product path: one resident).
* recall for a hard case: of the true pairs in that case, the share predicted.
  mover: the person's true home differs between the two rows' dates; marriage: their
  true family name differs between the two dates (and of those, the pairs where either
  row recorded a previous surname); nickname: either sighting gives a
  nickname; initials: either gives only an initial or only a title; typos: either has
  a typo or swapped forename and surname; missing: either lacks a field its system
  normally holds (postcode, date of birth); postcode errors: either has a partial or
  mistyped postcode; cross-system: the two come from different systems.
* false-link rate for a hard case: of the pairs of sightings of two DIFFERENT people
  in that relation, the share the engine put together. household: the two people
  have shared a household; twins; Jr/Sr: a father and son of one name; namesakes:
  the same given name and a family name in common, never in one household.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from itertools import combinations
from pathlib import Path
from types import TracebackType
from typing import cast

from sqlalchemy import select

from bench_identity.council.mapping import Sighting
from bench_identity.council.people import Council, namesakes
from townhall.identity.adapters.duplicate_pass import PassReport, apply, plan
from townhall.identity.adapters.linkage_matcher import LinkageMatcher
from townhall.identity.adapters.master_keys import MasterKeys
from townhall.identity.adapters.orm import review_items
from townhall.identity.bootstrap import MIGRATIONS
from townhall.identity.domain.commands import DecideReview, MergeResidents, SettleReview
from townhall.identity.domain.exceptions import DuplicateEmailError, DuplicateIdentifierError
from townhall.identity.domain.model import Link, Resident
from townhall.identity.domain.review import ReviewItem
from townhall.identity.linkage import Model, train
from townhall.identity.linkage.batch import deduplicate
from townhall.identity.linkage.evaluation import Quality, pair_quality
from townhall.identity.service_layer.matching import Thresholds
from townhall.identity.service_layer.matching_handlers import (
    decide_review,
    match_record,
    merge_residents,
    settle_review,
)
from townhall.identity.service_layer.unit_of_work import UnitOfWork
from townhall.runtime.clock import Clock, utc_now
from townhall.runtime.crypto import generate_key
from townhall.runtime.db import create_engine, session_factory
from townhall.runtime.migrations import upgrade
from townhall.runtime.outbox import Outbox

Pair = tuple[str, str]
_POSTCODE_ERRORS = frozenset({"partial_postcode", "wrong_postcode"})
RECALL_CASES: dict[str, Callable[[Sighting, Sighting], bool]] = {
    "mover": lambda a, b: a.true_uprn != b.true_uprn,
    "marriage": lambda a, b: a.true_family != b.true_family,
    "marriage, a previous surname on either row": lambda a, b: (
        a.true_family != b.true_family and "former_recorded" in a.tags | b.tags
    ),
    "nickname": lambda a, b: "nickname" in a.tags | b.tags,
    "initials": lambda a, b: bool({"initial", "title_only"} & (a.tags | b.tags)),
    "typos": lambda a, b: bool({"typo", "swapped"} & (a.tags | b.tags)),
    "missing": lambda a, b: bool({"no_postcode", "no_dob"} & (a.tags | b.tags)),
    "postcode errors": lambda a, b: bool(_POSTCODE_ERRORS & (a.tags | b.tags)),
    "cross-system": lambda a, b: a.system != b.system,
}  # fmt: skip
FALSE_LINK_CASES = ("household", "twins", "Jr/Sr", "namesakes")


@dataclass(frozen=True, slots=True)
class Rate:
    hits: int
    total: int

    @property
    def value(self) -> float:
        return self.hits / self.total if self.total else 0.0

    def __str__(self) -> str:
        return f"{self.value:.3f} ({self.hits}/{self.total})"


@dataclass(frozen=True, slots=True)
class Result:
    quality: Quality
    recall: dict[str, Rate]
    false_links: dict[str, Rate]
    reviews: int = 0
    review_right: int = 0  # review items whose suggested resident is truly the person
    incoming: int = 0
    #: The product path: its figures before identity's duplicate pass ran at the end.
    before_pass: Result | None = None
    duplicate_pass: PassReport | None = None
    #: The product path once officers have answered every question in the queue
    #: rightly (after the pass), through identity's own `decide_review`: what the
    #: queue's work buys, an upper bound (officers are not always right).
    answered: Result | None = None


def batch(sightings: list[Sighting], council: Council, threshold: float = 0.5) -> Result:
    """Train on all sightings, deduplicate with the engine's clustering at even odds.

    The two holders of one joint council-tax account are two people: their records are
    passed as a cannot-link pair (a fact the row states, not the truth)."""
    found = deduplicate([s.record for s in sightings], threshold=threshold,
                        cannot_link=joint_holders(sightings), households=True)  # fmt: skip
    return score(sightings, council, ((p.left_id, p.right_id) for p in found))


def joint_holders(sightings: list[Sighting]) -> list[Pair]:
    """Pairs of records mapped from one legacy row (a joint account's two holders)."""
    by_row: defaultdict[str, list[str]] = defaultdict(list)
    for s in sightings:
        by_row[s.sid.rpartition("#")[0]].append(s.sid)
    return [pair for sids in by_row.values() for pair in combinations(sorted(sids), 2)]


def score(sightings: list[Sighting], council: Council, found: Iterable[Pair]) -> Result:
    predicted = {_ordered(a, b) for a, b in found}
    by_person: defaultdict[str, list[Sighting]] = defaultdict(list)
    for s in sightings:
        by_person[s.person].append(s)
    truth = {_ordered(a.sid, b.sid) for group in by_person.values()
             for a, b in combinations(group, 2)}  # fmt: skip
    recall = {case: [0, 0] for case in RECALL_CASES}
    for group in by_person.values():
        for a, b in combinations(group, 2):
            hit = _ordered(a.sid, b.sid) in predicted
            for case, applies in RECALL_CASES.items():
                if applies(a, b):
                    recall[case][0] += hit
                    recall[case][1] += 1
    false = {case: [0, 0] for case in FALSE_LINK_CASES}
    for case, a, b in _different_people_pairs(council, by_person):
        false[case][0] += _ordered(a.sid, b.sid) in predicted
        false[case][1] += 1
    return Result(
        pair_quality(predicted, truth),
        {case: Rate(*counts) for case, counts in recall.items()},
        {case: Rate(*counts) for case, counts in false.items()},
    )


def _different_people_pairs(
    council: Council, by_person: dict[str, list[Sighting]]
) -> Iterator[tuple[str, Sighting, Sighting]]:
    def row_pairs(p: str, q: str) -> Iterator[tuple[Sighting, Sighting]]:
        for a in by_person.get(p, []):
            for b in by_person.get(q, []):
                yield a, b

    for house in council.households:
        for p, q in combinations(house.members, 2):
            kinds = ["household"]
            kinds += ["twins"] if frozenset((p, q)) in council.twins else []
            kinds += ["Jr/Sr"] if frozenset((p, q)) in council.jr_sr else []
            for a, b in row_pairs(p, q):
                for kind in kinds:
                    yield kind, a, b
    by_given: defaultdict[str, list[str]] = defaultdict(list)
    for person in council.people.values():
        by_given[person.given].append(person.pid)
    for pids in by_given.values():
        for p, q in combinations(pids, 2):
            if namesakes(council, p, q):
                for a, b in row_pairs(p, q):
                    yield "namesakes", a, b


def _ordered(a: str, b: str) -> Pair:
    return (a, b) if a <= b else (b, a)


# the product path --------------------------------------------------------------------


def product_path(
    sightings: list[Sighting],
    council: Council,
    advance: Callable[[], None] | None = None,
    *,
    database: bool = False,
) -> Result:
    """Sightings in date order through identity's own `match_record` handler and its
    production `LinkageMatcher`, as a fresh identity would meet them (an empty index),
    with the service's default `Thresholds`. A review item stays in the queue (no
    officer answers it), so its sighting joins no one.

    The model is the one a council starting on its legacy systems would serve: trained
    on their extract before the first record is matched (`legacy_model`), not the
    default model, which was trained on another generator's council for a deployment
    with no data of its own.

    With ``database``, on identity's real unit of work over a fresh SQLite database
    (migrations, repositories, sealed outbox rows): the same answers, but each record
    costs some thirty SQL statements, minutes for the whole council. Without, on
    `_MemoryUnitOfWork`, which mirrors what `match_record` uses of it."""
    ordered = sorted(sightings, key=lambda s: (s.on, s.sid))
    if database:
        outcome = asyncio.run(_arrive_in_database(ordered, legacy_model(sightings), advance))
        return _product_result(sightings, council, outcome)
    model = legacy_model(sightings)
    person_of = {s.sid: s.person for s in sightings}
    before, after, answered, report = asyncio.run(
        _arrive_in_memory(ordered, model, advance, person_of)
    )
    result = _product_result(sightings, council, after)
    return replace(result, before_pass=_product_result(sightings, council, before),
                   duplicate_pass=report,
                   answered=_product_result(sightings, council, answered))  # fmt: skip


def _product_result(sightings: list[Sighting], council: Council, outcome: Outcomes) -> Result:
    resident_of = {sid: rid for sid, (kind, rid, _) in outcome.items() if kind != "review"}
    members: defaultdict[str, list[str]] = defaultdict(list)
    for sid, rid in resident_of.items():
        members[rid].append(sid)
    found = [pair for group in members.values() for pair in combinations(group, 2)]
    result = score(sightings, council, found)
    person_of = {s.sid: s.person for s in sightings}
    first = {rid: person_of[group[0]] for rid, group in members.items()}
    reviews = [(sid, rid) for sid, (kind, _, rid) in outcome.items() if kind == "review"]
    right = sum(first.get(rid) == person_of[sid] for sid, rid in reviews)
    return Result(result.quality, result.recall, result.false_links, len(reviews), right,
                  len(sightings))  # fmt: skip


def legacy_model(sightings: list[Sighting]) -> Model:
    """The model trained on the legacy extract: every row as a record, without its truth.

    Training is unsupervised (u from random pairs, m by expectation maximisation on
    blocked pairs), so it sees what identity would see of the extract, nothing more."""
    return train([replace(s.record, resident_id=None) for s in sightings])


#: sighting -> (outcome, resident it joined or created, resident a review suggests)
Outcomes = dict[str, tuple[str, str, str]]


async def _arrive(
    ordered: list[Sighting], uow: UnitOfWork, matcher: LinkageMatcher,
    advance: Callable[[], None] | None,
) -> Outcomes:  # fmt: skip
    """sighting -> (outcome, resident it joined or created / review item, "")."""
    thresholds = Thresholds()
    outcome: Outcomes = {}
    for sighting in ordered:
        result = await match_record(sighting.incoming, uow, matcher, thresholds)
        joined = result.review_id if result.outcome == "review" else result.resident_id
        outcome[sighting.sid] = (result.outcome, str(joined), "")
        if advance:
            advance()
    return await _merged(outcome, uow)


async def _merged(outcome: Outcomes, uow: UnitOfWork) -> Outcomes:
    """Each sighting's resident as it is at the end: a resident merged since (a later
    record showed it to be another's person) resolves to the one it was merged into."""
    resolved: dict[str, str] = {}
    async with uow:
        for kind, joined, _ in outcome.values():
            if kind != "review" and joined not in resolved:
                resident = await uow.residents.get(uuid.UUID(joined))
                resolved[joined] = str(resident.id) if resident is not None else joined
    return {
        sid: (kind, resolved.get(joined, joined), suggested)
        for sid, (kind, joined, suggested) in outcome.items()
    }


def _suggesting(outcome: Outcomes, suggested: dict[str, str]) -> Outcomes:
    return {sid: (kind, rid, suggested.get(rid, "")) for sid, (kind, rid, _) in outcome.items()}


async def _arrive_in_database(
    ordered: list[Sighting], model: Model, advance: Callable[[], None] | None
) -> Outcomes:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'identity.db'}"
        await upgrade(url, MIGRATIONS)
        engine = create_engine(url)
        try:
            sessions = session_factory(engine)
            matcher = LinkageMatcher(model)
            uow = UnitOfWork(sessions, Outbox("identity"), MasterKeys(generate_key()),
                             residents_changed=matcher.residents_changed)  # fmt: skip
            outcome = await _arrive(ordered, uow, matcher, advance)
            async with sessions() as session:
                query = select(review_items.c.id, review_items.c.resident_id)
                rows = (await session.execute(query)).all()
        finally:
            await engine.dispose()
    return _suggesting(outcome, {str(item): str(resident) for item, resident in rows})


async def _arrive_in_memory(
    ordered: list[Sighting],
    model: Model,
    advance: Callable[[], None] | None,
    person_of: dict[str, str],
) -> tuple[Outcomes, Outcomes, Outcomes, PassReport]:
    """The outcomes as the records left them, then after identity's duplicate pass
    (`adapters.duplicate_pass`) ran once over the residents they made (its merges, and
    the records waiting for an officer that it settled), then once
    officers who know the truth (``person_of``) answered the queue."""
    matcher = LinkageMatcher(model)
    uow = _MemoryUnitOfWork(matcher)
    outcome = await _arrive(ordered, cast(UnitOfWork, uow), matcher, advance)
    suggested = {str(item.id): str(item.resident_id) for item in uow.reviews.items}
    report = await _duplicate_pass(uow, model)
    after = await _merged(_settled(outcome, uow.reviews.items), cast(UnitOfWork, uow))
    answered = await _answer_the_queue(after, uow, person_of)
    return (_suggesting(outcome, suggested), _suggesting(after, suggested),
            _suggesting(answered, suggested), report)  # fmt: skip


def _settled(outcome: Outcomes, items: list[ReviewItem]) -> Outcomes:
    """The sightings whose review items the pass settled (no officer), as they went."""
    settled = dict(outcome)
    for item in items:
        if item.kind == "record" and item.status != "open" and item.decided_by is None:
            joined = item.resident_id if item.status == "accepted" else item.created_resident_id
            outcome_of = "linked" if item.status == "accepted" else "created"
            settled[str(item.record["reference"])] = (outcome_of, str(joined), "")
    return settled


async def _answer_the_queue(
    outcome: Outcomes, uow: _MemoryUnitOfWork, person_of: dict[str, str]
) -> Outcomes:
    """Every open question about a record decided through identity's `decide_review`:
    accepted when the suggested resident is the record's person (most of the records
    it holds are theirs), else rejected (a new resident)."""
    held: defaultdict[str, list[str]] = defaultdict(list)
    for sid, (kind, rid, _) in outcome.items():
        if kind != "review":
            held[rid].append(person_of[sid])
    decided = dict(outcome)
    officer = uuid.uuid4()
    for item in [i for i in uow.reviews.items if i.status == "open" and i.kind == "record"]:
        sid = str(item.record["reference"])
        suggested = await uow.residents.get(item.resident_id)
        people = held.get(str(suggested.id), []) if suggested is not None else []
        right = bool(people) and max(set(people), key=people.count) == person_of[sid]
        command = DecideReview(item.id, right, officer)
        result = await decide_review(command, cast(UnitOfWork, uow), utc_now)
        decided[sid] = (result.outcome, str(result.resident_id), "")
    return await _merged(decided, cast(UnitOfWork, uow))


async def _duplicate_pass(uow: _MemoryUnitOfWork, model: Model) -> PassReport:
    start = time.perf_counter()
    population = list(uow.residents.by_id.values())
    held = [(r.id, system, value) for r in population for system, value in r.identifiers]
    found = plan(population, model, Thresholds(), held)

    async def merge(command: MergeResidents) -> None:
        await merge_residents(command, cast(UnitOfWork, uow))

    merged, refused = await apply(found, merge)
    settled = 0
    for item in [i for i in uow.reviews.items if i.status == "open" and i.kind == "record"]:
        result = await settle_review(SettleReview(item.id), cast(UnitOfWork, uow), uow.matcher,
                                     Thresholds())  # fmt: skip
        settled += result is not None
    questions = sum(not d.merge for d in found)
    return PassReport(len(population), merged, questions, refused, time.perf_counter() - start,
                      settled=settled)  # fmt: skip


@dataclass
class _Residents:
    """identity's ResidentRepository, in memory: each resident loaded once per unit of
    work, the same look-ups (an identifier's owner, a contact's holder, merges followed,
    a taken email refused)."""

    by_id: dict[uuid.UUID, Resident] = field(default_factory=dict)
    owners: dict[tuple[str, str], uuid.UUID] = field(default_factory=dict)
    holders: dict[tuple[str, str], uuid.UUID] = field(default_factory=dict)
    emails: dict[str, uuid.UUID] = field(default_factory=dict)
    seen: list[Resident] = field(default_factory=list)

    async def identifier_owner(self, system: str, value: str) -> uuid.UUID | None:
        return self.owners.get((system, value))

    async def get(self, resident_id: uuid.UUID, *, follow: bool = True) -> Resident | None:
        resident = self.by_id.get(resident_id)
        while follow and resident is not None and resident.merged_into is not None:
            resident = self.by_id.get(resident.merged_into)
        if resident is not None and all(r is not resident for r in self.seen):
            self.seen.append(resident)
        return resident

    async def find_by_contact(self, kind: str, value: str) -> Resident | None:
        holder = self.holders.get((kind, value))
        return None if holder is None else await self.get(holder)

    async def email_taken(self, email: str) -> bool:
        return email.lower() in self.emails

    async def add(self, resident: Resident) -> None:
        if resident.email and resident.email in self.emails:
            raise DuplicateEmailError(resident.email)
        self.by_id[resident.id] = resident
        await self.save(resident)

    async def save(self, resident: Resident) -> None:
        held_by = self.emails.get(resident.email or "")
        if held_by is not None and held_by != resident.id:
            raise DuplicateIdentifierError("external")
        for key in resident.identifiers:
            self.owners[key] = resident.id
        for point in resident.contact_points:
            self.holders.setdefault((point.kind, point.value), resident.id)
        if resident.email:
            self.emails[resident.email] = resident.id
        if all(r is not resident for r in self.seen):
            self.seen.append(resident)


@dataclass
class _Reviews:
    items: list[ReviewItem] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)

    async def add(self, item: ReviewItem) -> None:
        self.items.append(item)

    async def add_link(self, link: Link) -> None:
        self.links.append(link)

    async def get(self, review_id: uuid.UUID) -> ReviewItem | None:
        return next((item for item in self.items if item.id == review_id), None)

    async def save(self, item: ReviewItem) -> None:
        return None

    async def open_for(self, system: str, reference: str) -> ReviewItem | None:
        return next((item for item in self.items if item.status == "open"
                     and (item.record.get("system"), item.record.get("reference"))
                     == (system, reference)), None)  # fmt: skip


class _Suppressions:
    """identity's erasure suppressions, in memory: the benchmark erases no one."""

    async def last_erased(self, contacts: Iterable[tuple[str, str]]) -> datetime | None:
        return None


class _MemoryUnitOfWork:
    """What `match_record` uses of identity's unit of work, in memory: no database,
    no outbox. As the real one does, a commit clears the residents' new events and tells
    the matcher which residents had some."""

    def __init__(self, matcher: LinkageMatcher) -> None:
        self.matcher = matcher
        self.clock: Clock = utc_now
        self.residents = _Residents()
        self.reviews = _Reviews()
        self.suppressions = _Suppressions()

    async def __aenter__(self) -> _MemoryUnitOfWork:
        self.residents.seen = []
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None

    async def commit(self) -> None:
        changed = [r for r in self.residents.seen if r.events]
        for resident in changed:
            resident.events.clear()
        if changed:
            self.matcher.residents_changed(changed)
