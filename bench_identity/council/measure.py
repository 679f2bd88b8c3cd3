"""Scoring today's engine on the council's sightings, as a batch and one by one.

Definitions (a "pair" is two sightings, i.e. two mapped records):

* a true pair: two sightings of the same true person. Precision, recall and F1 are
  over pairs: predicted pairs are those the engine puts in one person (batch: one
  cluster; product path: one resident).
* recall for a hard case: of the true pairs in that case, the share predicted.
  mover: the person's true home differs between the two rows' dates; marriage: their
  true family name differs between the two dates; nickname: either sighting gives a
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
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bench_identity.council.mapping import Sighting
from bench_identity.council.people import Council, namesakes
from townhall.identity.adapters.linkage_matcher import LinkageMatcher
from townhall.identity.adapters.master_keys import MasterKeys
from townhall.identity.adapters.orm import review_items
from townhall.identity.bootstrap import MIGRATIONS
from townhall.identity.linkage.batch import deduplicate
from townhall.identity.linkage.evaluation import Quality, pair_quality
from townhall.identity.service_layer.matching import Thresholds
from townhall.identity.service_layer.matching_handlers import match_record
from townhall.identity.service_layer.unit_of_work import UnitOfWork
from townhall.runtime.crypto import generate_key
from townhall.runtime.db import create_engine, session_factory
from townhall.runtime.migrations import upgrade
from townhall.runtime.outbox import Outbox

Pair = tuple[str, str]
_POSTCODE_ERRORS = frozenset({"partial_postcode", "wrong_postcode"})
RECALL_CASES: dict[str, Callable[[Sighting, Sighting], bool]] = {
    "mover": lambda a, b: a.true_uprn != b.true_uprn,
    "marriage": lambda a, b: a.true_family != b.true_family,
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


def batch(sightings: list[Sighting], council: Council, threshold: float = 0.5) -> Result:
    """Train on all sightings, deduplicate with the engine's clustering at even odds."""
    found = deduplicate([s.record for s in sightings], threshold=threshold)
    return score(sightings, council, ((p.left_id, p.right_id) for p in found))


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
    sightings: list[Sighting], council: Council, advance: Callable[[], None] | None = None
) -> Result:
    """Sightings in date order through identity's own `match_record` handler, its
    production `LinkageMatcher` and its real unit of work on a fresh SQLite database
    (migrations, repositories, sealed outbox rows, the index told after each commit), as
    a fresh identity would meet them (an empty index and the default model), with the
    service's default `Thresholds`. A review item stays in the queue (no officer
    answers it), so its sighting joins no one."""
    ordered = sorted(sightings, key=lambda s: (s.on, s.sid))
    outcome = asyncio.run(_arrive(ordered, advance))
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


async def _arrive(
    ordered: list[Sighting], advance: Callable[[], None] | None
) -> dict[str, tuple[str, str, str]]:
    """sighting -> (outcome, resident it joined or created, resident suggested)."""
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'identity.db'}"
        await upgrade(url, MIGRATIONS)
        engine = create_engine(url)
        try:
            sessions = session_factory(engine)
            matcher = LinkageMatcher()
            uow = UnitOfWork(sessions, Outbox("identity"), MasterKeys(generate_key()),
                             residents_changed=matcher.residents_changed)  # fmt: skip
            thresholds = Thresholds()
            outcome: dict[str, tuple[str, str, str]] = {}
            for sighting in ordered:
                result = await match_record(sighting.incoming, uow, matcher, thresholds)
                joined = result.review_id if result.outcome == "review" else result.resident_id
                outcome[sighting.sid] = (result.outcome, str(joined), "")
                if advance:
                    advance()
            suggested = await _suggested(sessions)
        finally:
            await engine.dispose()
    return {sid: (kind, rid, suggested.get(rid, "")) for sid, (kind, rid, _) in outcome.items()}


async def _suggested(sessions: async_sessionmaker[AsyncSession]) -> dict[str, str]:
    """Review item id -> the resident it suggests."""
    async with sessions() as session:
        rows = await session.execute(select(review_items.c.id, review_items.c.resident_id))
        return {str(item): str(resident) for item, resident in rows.all()}
