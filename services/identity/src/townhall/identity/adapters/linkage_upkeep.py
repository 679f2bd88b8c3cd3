"""Keeping the matcher's model and index: loaded at start, retrained, snapshotted.

At start, in the background (``/readyz`` shows the progress, matches wait or are
refused until it is done):

1. the model: the newest stored one (``adapters.model_store``) serves at once; on a
   database with none, the default model is trained and stored, once per database;
2. the index: the newest snapshot (``adapters.index_snapshot``) is restored, off the
   event loop, and the residents changed since (the outbox's keys after its sequence)
   are reloaded, a few queries per thousand; without a usable snapshot, every resident
   is read and indexed off the event loop, and a snapshot is written for the next start
   (its bytes made off the event loop too);
3. residents that changed meanwhile are reloaded, then matching is ready.

Then, on the :class:`Schedule`: a newer model stored by another process (``python -m
townhall.identity retrain``) is picked up; the population is retrained on (in a thread,
while the old model serves; stored, then swapped in), also when an administrator asks
(``POST /linkage/retrain``, :meth:`LinkageUpkeep.retrain_soon`); a fresh snapshot is
written.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from townhall.identity import linkage
from townhall.identity.adapters import index_snapshot
from townhall.identity.adapters.index_snapshot import Changes, Snapshot, SnapshotStore
from townhall.identity.adapters.linkage_matcher import LinkageMatcher, Trainer, record_of
from townhall.identity.adapters.model_store import (
    ModelStore,
    StoredModel,
    TrainedOn,
    default_population,
)
from townhall.identity.adapters.repository import ResidentRepository
from townhall.identity.domain.model import Resident
from townhall.runtime.clock import Clock, utc_now
from townhall.runtime.db import create_engine, session_factory

_log = structlog.get_logger(__name__)
_CHUNK = 2000  # residents indexed between progress updates


@dataclass(frozen=True, slots=True)
class Schedule:
    """Background upkeep, in seconds (0: never)."""

    retrain_every_s: float = 0.0
    snapshot_every_s: float = 0.0
    #: How often to look for a model another process stored (``retrain``).
    poll_models_every_s: float = 0.0
    #: A snapshot behind by more changes than this share of it is not caught up.
    catch_up_share: float = 0.2


class LinkageUpkeep:
    def __init__(
        self,
        matcher: LinkageMatcher,
        sessions: async_sessionmaker[AsyncSession],
        schedule: Schedule | None = None,
        *,
        clock: Clock = utc_now,
    ) -> None:
        self.matcher = matcher
        self.sessions = sessions
        self.schedule = schedule or Schedule()
        self.clock = clock
        #: The outbox sequence the index reflects at least (see index_snapshot).
        self.sequence = 0
        #: Whether the index came from a snapshot at the last load.
        self.restored = False
        self._task: asyncio.Task[None] | None = None
        #: Set once the start's own work is done: loaded, snapshotted, retrained if due.
        self.settled = asyncio.Event()
        self._training = asyncio.Lock()
        #: A retraining asked for on demand (:meth:`retrain_soon`), while it runs.
        self.retraining: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self.matcher.loading("reading the stored model")
        self._task = asyncio.create_task(self._run(), name="linkage-upkeep")

    async def stop(self) -> None:
        for task in (self._task, self.retraining):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    async def _run(self) -> None:
        delay = 1.0
        while True:
            try:
                await self.load()
                break
            except Exception:  # the database may be down: retry, loudly
                _log.exception("linkage_load_failed", retry_in_s=delay)
                self.matcher.loading(f"loading failed, retrying in {delay:.0f} s")
                await asyncio.sleep(delay)
                delay = min(delay * 2, 60.0)
        await self._maintain()

    async def load(self) -> None:
        """The model, then the index; ready when both are in (see the module)."""
        matcher = self.matcher
        matcher.loading("reading the stored model")
        if matcher.model is None:
            matcher.serve(await self._stored_model() or await self._default_model())
        self.restored = restored = await self._restore()
        if not restored:
            await self._build()
        while pending := matcher.take_pending():
            await self._reload(pending)
        matcher.loaded()
        _log.info("linkage_ready", matching=matcher.describe(), restored=restored)
        if not restored:
            await self._quietly(self.save_snapshot)
        if matcher.trained_on == "synthetic" and self.schedule.retrain_every_s:
            await self._quietly(self.retrain)
        self.settled.set()

    async def _quietly(self, job: Callable[[], Awaitable[object]]) -> None:
        """Background work that must not stop matching from serving if it fails."""
        try:
            await job()
        except Exception:
            _log.exception("linkage_upkeep_failed", job=getattr(job, "__name__", repr(job)))

    async def _stored_model(self) -> StoredModel | None:
        async with self.sessions() as session:
            return await ModelStore(session).latest()

    async def _default_model(self) -> StoredModel:
        self.matcher.loading("training the default model (once per database)")
        model = await asyncio.to_thread(self.matcher.default_model)
        trained_on = TrainedOn.records("synthetic", default_population())
        return await self._store(model, trained_on)

    async def _store(self, model: linkage.Model, trained_on: TrainedOn) -> StoredModel:
        async with self.sessions() as session:
            stored = await ModelStore(session).add(model, trained_on, self.clock())
            await session.commit()
        _log.info("linkage_model_stored", model=stored.describe())
        return stored

    async def _restore(self) -> bool:
        """The index from the newest snapshot, caught up; False if there is none fit."""
        async with self.sessions() as session:
            snapshot = await SnapshotStore(session).latest()
            if snapshot is None:
                return False
            changes = Changes(session)
            head = await changes.head()
            changed = await changes.between(snapshot.sequence, head)
        limit = max(1000, self.schedule.catch_up_share * snapshot.residents)
        if changed is None or len(changed) > limit:
            _log.info("linkage_snapshot_unused", behind=None if changed is None else len(changed))
            return False
        self.matcher.loading(f"restoring the index of {snapshot.residents:,} residents")
        try:
            state = await asyncio.to_thread(index_snapshot.loads, snapshot.payload)
        except Exception:  # unreadable: rebuild rather than fail to start
            _log.exception("linkage_snapshot_unreadable")
            return False
        self.matcher.install(state)
        self.matcher.loading(f"catching up {len(changed):,} changed residents")
        await self._reload(changed)
        self.sequence = head
        return True

    async def _build(self) -> None:
        """Every resident read and indexed; the index is built off the event loop."""
        self.matcher.loading("reading residents")
        async with self.sessions() as session:
            head = await Changes(session).head()  # before the read: see index_snapshot
        staging = LinkageMatcher(self.matcher.model, max_candidates=self.matcher.max_candidates)
        await asyncio.to_thread(self._index, staging)
        self.matcher.install(staging.export())
        self.sequence = head

    def _index(self, staging: LinkageMatcher) -> None:
        """In a thread: read every resident (on a loop of its own) and index them."""
        population = read_population(self.sessions)
        total = len(population)
        for start in range(0, total, _CHUNK):
            self.matcher.status = f"indexing {start:,}/{total:,} residents"
            staging.follow(population[start : start + _CHUNK])

    async def _reload(self, ids: Iterable[uuid.UUID]) -> None:
        """These residents as the database holds them now, with those merged into them."""
        wanted = set(ids)
        wanted |= {uuid.UUID(m) for rid in list(wanted) for m in self.matcher.merged_into(rid)}
        if not wanted:
            return
        async with self.sessions() as session:
            found = await ResidentRepository(session).changed(wanted)
        self.matcher.follow(found)

    async def save_snapshot(self) -> Snapshot:
        """Catch the index up with the outbox, then store it as of that sequence."""
        async with self.sessions() as session:
            head = await Changes(session).head()
            changed = await Changes(session).between(self.sequence, head)
        # Commits reach the index as they happen; reloading those since the last sequence
        # closes the moment between a commit and its call. (Rows already pruned: the
        # index followed them as they came, which is all there is to go on.)
        await self._reload(changed or ())
        frozen = index_snapshot.freeze(self.matcher.export())  # before the loop moves on
        payload = await asyncio.to_thread(index_snapshot.payload, frozen)
        residents = len(frozen.facets)
        snapshot = Snapshot(head, residents, self.clock(), payload)
        async with self.sessions() as session:
            await SnapshotStore(session).replace(snapshot)
            await session.commit()
        self.sequence = head
        _log.info("linkage_snapshot_saved", residents=residents, sequence=head, size=len(payload))
        return snapshot

    async def retrain(self) -> StoredModel | None:
        """Train on the indexed population, store the model and serve it; the old model
        serves meanwhile. None if the population is too small or training failed."""
        async with self._training:
            population = await asyncio.to_thread(read_population, self.sessions)
            records = [r for r in map(record_of, population) if r is not None]
            if len(records) < self.matcher.min_population:
                return None
            try:
                model = await asyncio.to_thread(self.matcher.trainer, records)
            except Exception:  # Splink's exceptions are internal; keep the old model, loudly
                _log.warning("linkage_training_failed", residents=len(records), exc_info=True)
                return None
            trained_on = await asyncio.to_thread(TrainedOn.records, "population", records)
            stored = await self._store(model, trained_on)
            self.matcher.serve(stored)
            return stored

    def retrain_soon(self) -> bool:
        """Retrain in the background, as the schedule would (:meth:`retrain`); False if a
        retraining asked for earlier is still running (it is not started twice)."""
        if self.retraining is not None and not self.retraining.done():
            return False
        self.retraining = asyncio.create_task(self._quietly(self.retrain), name="linkage-retrain")
        return True

    async def adopt_newest(self) -> bool:
        """Serve a model stored since (by ``retrain``, say); True if it switched."""
        stored = await self._stored_model()
        serving = self.matcher.serving
        if stored is None or (serving is not None and stored.version <= serving.version):
            return False
        self.matcher.serve(stored)
        _log.info("linkage_model_adopted", model=stored.describe())
        return True

    async def _maintain(self) -> None:
        schedule = self.schedule
        jobs = [
            (schedule.poll_models_every_s, self.adopt_newest),
            (schedule.retrain_every_s, self.retrain),
            (schedule.snapshot_every_s, self.save_snapshot),
        ]
        due = {i: time.monotonic() + every for i, (every, _) in enumerate(jobs) if every > 0}
        while due:
            index = min(due, key=lambda i: due[i])
            await asyncio.sleep(max(0.0, due[index] - time.monotonic()))
            every, job = jobs[index]
            await self._quietly(job)
            due[index] = time.monotonic() + every


def read_population(sessions: async_sessionmaker[AsyncSession]) -> list[Resident]:
    """Every resident, read in the calling thread on an event loop and engine of its own,
    so a large read does not hold up the service's loop."""
    bind = sessions.kw["bind"]
    url = bind.url.render_as_string(hide_password=False)

    async def read() -> list[Resident]:
        engine = create_engine(url)
        try:
            async with session_factory(engine)() as session:
                return await ResidentRepository(session).population()
        finally:
            await engine.dispose()

    return asyncio.run(read())


async def retrain_population(
    sessions: async_sessionmaker[AsyncSession],
    *,
    min_population: int,
    trainer: Trainer = linkage.train,
    clock: Clock = utc_now,
) -> StoredModel | None:
    """Train on the residents in the database and store the model (the ``retrain``
    command); running processes pick it up. None if there are too few to train on."""
    async with sessions() as session:
        population = await ResidentRepository(session).population()
    records = [r for r in map(record_of, population) if r is not None]
    if len(records) < min_population:
        return None
    model = await asyncio.to_thread(trainer, records)
    trained_on = await asyncio.to_thread(TrainedOn.records, "population", records)
    async with sessions() as session:
        stored = await ModelStore(session).add(model, trained_on, clock())
        await session.commit()
    return stored
