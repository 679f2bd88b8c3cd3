"""The duplicate-finding pass: residents re-scored against each other, in the background.

People split on the product path (two sightings with nothing to join them when they
came) are rejoined once later records have brought the joining evidence: every
resident is scored against every other by the batch engine's rules
(``linkage.duplicates``), each group that is one person is merged into its oldest
resident through identity's own ``MergeResidents`` command (so each merge is a
``ResidentMerged`` event in the outbox, and the index follows it), and a pair in the
grey zone becomes a review item for an officer (``adapters.duplicate_review``), unless
one is already waiting for it. After the merges, each record still waiting for an
officer is matched again (identity's ``SettleReview``): where the residents as they are
now make the engine sure, the record is linked (or, with no one near enough to ask
about, made a resident) and leaves the queue; the rest wait. A pair an officer rejected
is two people: no later pass merges them or asks again.

Residents known to be two people are never merged: another NI number, a Jr against a
Sr, a title of the other sex, another given name, dates of birth a generation apart
(the engine's household rules), and the two holders of one joint account: identifiers
in one system whose references differ only after a ``#`` (the connectors name a joint
account's second holder ``<reference>#2``).

It runs on the runtime's :class:`~townhall.runtime.background.Periodic` every
``IDENTITY_DUPLICATE_PASS_EVERY_S`` (the first one interval after start, not while the
index loads), and on demand: ``python -m townhall.identity find-duplicates``.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import combinations

import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from townhall.identity import linkage
from townhall.identity.adapters import duplicate_review
from townhall.identity.adapters.duplicate_review import Ask
from townhall.identity.adapters.linkage_matcher import LinkageMatcher, record_of
from townhall.identity.adapters.linkage_upkeep import read_population
from townhall.identity.adapters.model_store import ModelStore
from townhall.identity.adapters.orm import resident_identifiers, residents
from townhall.identity.adapters.review_repository import ReviewRepository
from townhall.identity.domain import commands
from townhall.identity.domain.exceptions import IdentityError
from townhall.identity.domain.model import Resident
from townhall.identity.linkage.duplicates import Duplicate, find_duplicates
from townhall.identity.service_layer.matching import Thresholds

_log = structlog.get_logger(__name__)

Merge = Callable[[commands.MergeResidents], Awaitable[object]]
#: Identity's ``SettleReview``: whether the item was settled (linked or created).
Settle = Callable[[commands.SettleReview], Awaitable[bool]]
#: (resident id, system, reference) for every identifier residents hold.
Identifiers = Iterable[tuple[uuid.UUID, str, str]]


@dataclass(frozen=True, slots=True)
class PassReport:
    residents: int
    merged: int
    #: Pairs in the grey zone not already waiting for an officer, and merges refused
    #: because one of the two changed since the pass read them (merged, unmerged or
    #: erased meanwhile).
    questions: int
    refused: int
    seconds: float
    #: Review items opened for the questions (none for a pair already waiting).
    asked: int = 0
    #: Records that were waiting for an officer and that the engine has now settled.
    settled: int = 0


def plan(
    population: Sequence[Resident],
    model: linkage.Model,
    thresholds: Thresholds,
    identifiers: Identifiers = (),
    reviewed: Iterable[tuple[uuid.UUID, uuid.UUID, str]] = (),
) -> list[Duplicate]:
    """What the pass would do to ``population`` (oldest first): merges, then questions.
    Residents merged into another or erased take no part (their survivor does).
    ``reviewed``: duplicate items (resident, other, status) waiting or rejected; a
    rejected pair is two people, a waiting one is not asked about again."""
    survivors = [r for r in population if r.merged_into is None and not r.erased]
    records = [record for record in map(record_of, survivors) if record is not None]
    root = {r.id: r.merged_into or r.id for r in population}
    holders = joint_holders((root.get(rid, rid), s, v) for rid, s, v in identifiers)
    pairs = {status: set[tuple[str, str]]() for status in ("open", "rejected")}
    for a, b, status in reviewed:
        x, y = sorted((str(root.get(a, a)), str(root.get(b, b))))
        pairs[status].add((x, y))
    found = find_duplicates(
        records,
        model,
        link=thresholds.link,
        review=thresholds.review,
        cannot_link=[*holders, *pairs["rejected"]],
    )
    waiting = pairs["open"]
    return [d for d in found if d.merge or tuple(sorted((d.survivor, d.other))) not in waiting]


def joint_holders(identifiers: Identifiers) -> list[tuple[str, str]]:
    """Pairs of residents holding one account between them (``ref`` and ``ref#2``)."""
    holders: defaultdict[tuple[str, str], set[str]] = defaultdict(set)
    for resident_id, system, reference in identifiers:
        holders[(system, reference.split("#", 1)[0])].add(str(resident_id))
    return [pair for ids in holders.values() for pair in combinations(sorted(ids), 2)]


async def apply(found: Sequence[Duplicate], merge: Merge) -> tuple[int, int]:
    """Each merge through ``merge`` (identity's command): (merged, refused)."""
    merged = refused = 0
    for duplicate in found:
        if not duplicate.merge:
            continue
        command = commands.MergeResidents(uuid.UUID(duplicate.survivor), uuid.UUID(duplicate.other))
        try:
            await merge(command)
        except IdentityError as error:  # changed since read: the next pass looks again
            _log.info("duplicate_not_merged", other=duplicate.other, reason=str(error))
            refused += 1
        else:
            merged += 1
    return merged, refused


async def settle_waiting(sessions: async_sessionmaker[AsyncSession], settle: Settle) -> int:
    """Each record waiting for an officer matched again (``SettleReview``, one
    transaction each): how many were settled."""
    async with sessions() as session:
        waiting = await ReviewRepository(session).waiting_records()
    settled = 0
    for review_id in waiting:
        settled += await settle(commands.SettleReview(review_id))
    return settled


class DuplicatePass:
    """One pass over the residents in the database (see the module)."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        model: Callable[[], Awaitable[linkage.Model]],
        thresholds: Thresholds,
        merge: Merge,
        ask: Ask | None = None,
        settle: Settle | None = None,
    ) -> None:
        self.sessions = sessions
        self.model = model
        self.thresholds = thresholds
        self.merge = merge
        #: Opens a review item for a question; None: questions are only counted.
        self.ask = ask
        #: Settles records waiting for an officer; None: the queue is left as it is.
        self.settle = settle
        self._started = False

    async def step(self) -> PassReport | None:
        """For the Periodic: nothing at start (the index is loading), a pass after."""
        if not self._started:
            self._started = True
            return None
        return await self.run()

    async def run(self) -> PassReport:
        start = time.perf_counter()
        model = await self.model()
        population = await asyncio.to_thread(read_population, self.sessions)
        async with self.sessions() as session:
            rows = (await session.execute(select(resident_identifiers))).mappings().all()
            by_age = select(residents.c.id).order_by(residents.c.created_at, residents.c.id)
            age = {rid: n for n, rid in enumerate((await session.execute(by_age)).scalars())}
            reviewed = await ReviewRepository(session).duplicate_pairs()
        held = [(row["resident_id"], row["system"], row["value"]) for row in rows]
        population.sort(key=lambda r: age.get(r.id, len(age)))  # the oldest survives
        found = await asyncio.to_thread(plan, population, model, self.thresholds, held, reviewed)
        merged, refused = await apply(found, self.merge)
        settled = await settle_waiting(self.sessions, self.settle) if self.settle else 0
        by_id = {str(r.id): r for r in population}
        asked = await duplicate_review.ask(found, by_id, model, self.ask) if self.ask else 0
        questions = sum(not d.merge for d in found)
        report = PassReport(len(population), merged, questions, refused,
                            time.perf_counter() - start, asked, settled)  # fmt: skip
        _log.info("duplicate_pass_done", residents=report.residents, merged=merged,
                  questions=questions, asked=asked, refused=refused, settled=settled,
                  seconds=round(report.seconds, 1))  # fmt: skip
        return report


def serving_model(
    matcher: LinkageMatcher, sessions: async_sessionmaker[AsyncSession]
) -> Callable[[], Awaitable[linkage.Model]]:
    """The model the pass scores with: the one the matcher serves once it is loaded; in
    a process that does not serve (the command line), the newest stored one, or the
    default model."""

    async def model() -> linkage.Model:
        if matcher.upkeep is not None:
            await matcher.wait_ready()
            return matcher.engine.model
        async with sessions() as session:
            stored = await ModelStore(session).latest()
        return stored.model if stored else await asyncio.to_thread(matcher.default_model)

    return model
