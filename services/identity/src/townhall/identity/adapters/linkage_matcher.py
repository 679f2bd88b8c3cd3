"""The service layer's Matcher on top of the probabilistic linkage engine.

The matcher serves a trained model and an in-memory index of the population. At start,
:meth:`LinkageMatcher.start` hands both to ``adapters.linkage_upkeep``, which loads them
in the background: the newest model stored in identity's database (or, on a database
that has none, the default model: trained once on the engine's synthetic council, whose
households, twins, movers and nicknames give EM the duplicates a young population lacks,
and stored), and the index from its last snapshot caught up with the outbox (or, without
one, from the residents). Until both are in, matching is not ready: ``/readyz`` says so,
and a match waits a few seconds for it, then is refused with a 503 to retry. Retraining
on the population (``min_population`` residents or more) happens in the background too;
the new model is stored, then swapped in.

The unit of work calls :meth:`LinkageMatcher.residents_changed` after every commit with
the residents whose events it committed; that is the one place the index follows
registrations, renames, moves, contact points, merges, unmerges and erasures (while the
index loads, it notes who changed and reloads them once loaded). The index lives in this
process: run one identity process per database, or restart the others.
"""

from __future__ import annotations

import asyncio
import functools
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from townhall.identity import linkage
from townhall.identity.adapters import model_store
from townhall.identity.adapters.index_restored import Records
from townhall.identity.adapters.index_snapshot import IndexState
from townhall.identity.adapters.model_store import StoredModel
from townhall.identity.domain.model import Address, Resident
from townhall.identity.linkage.features import features_of
from townhall.identity.linkage.matcher import AMBIGUOUS_POSTERIOR
from townhall.identity.service_layer.matching import (
    Candidate,
    FieldEvidence,
    IncomingRecord,
    evidence,
)
from townhall.identity.service_layer.unit_of_work import UnitOfWork
from townhall.runtime.normal_forms import normalise_phone

if TYPE_CHECKING:
    from townhall.identity.adapters.linkage_upkeep import LinkageUpkeep, Schedule

_log = structlog.get_logger(__name__)

MIN_POPULATION = 1000
#: How long a match waits for the matcher to be ready before it is refused.
WAIT_S = 5.0
Trainer = Callable[[Sequence[linkage.Record]], linkage.Model]
#: Each field the service layer shows (``matching.EVIDENCE_FIELDS``) -> the engine's
#: comparison that scores it, where there is one. The engine's other comparisons are
#: shown under their own names.
_FIELDS = {
    "title": "title",
    "given_name": "given_name",
    "initials": "initials",
    "family_name": "family_name",
    "suffix": "suffix",
    "date_of_birth": "date_of_birth",
    "ni_number": "ni_number",
    "address": "address",
    "postcode": "postcode",
    "email": "email",
    "phone": "phone",
}


@functools.cache
def default_model() -> linkage.Model:
    """The model for a population too small to train on: a synthetic council's, as
    shipped (trained here only if the comparisons changed since it was written)."""
    return model_store.shipped_default() or linkage.train(model_store.default_population())


def record_of(resident: Resident) -> linkage.Record | None:
    """What the engine compares of a resident: the whole record (every name, every
    address, every contact point); None if there is nothing to compare."""
    if resident.erased:
        return None
    name = resident.names[0]
    at = resident.addresses[0] if resident.addresses else None
    current = name.family.casefold()
    former = {
        n.family
        for n in resident.names[1:]
        if n.family.casefold() != current and _has_letter(n.family)
    }
    emails = [p.value for p in resident.contact_points if p.kind == "email" and "@" in p.value]
    phones = [p.value for p in resident.contact_points if p.kind == "phone" and _dialable(p.value)]
    try:
        return linkage.Record(
            given_name=name.given or None,
            family_name=name.family,
            resident_id=str(resident.id),
            former_family_names=tuple(sorted(former)),
            date_of_birth=resident.date_of_birth,
            title=name.title,
            initials=name.initials,
            middle_names=tuple((name.middle_names or "").split()),
            suffix=name.suffix,
            ni_number=resident.ni_number,
            postcode=at.postcode if at else None,
            house_number=at.house_number if at else None,
            flat=at.flat if at else None,
            house_name=at.house_name if at else None,
            address_line=at.line1 if at else None,
            town=at.town if at else None,
            uprn=at.uprn if at else None,
            previous_addresses=tuple(_address(a) for a in resident.addresses[1:]),
            email=emails[0] if emails else None,
            phone=phones[0] if phones else None,
            other_emails=tuple(emails[1:]),
            other_phones=tuple(phones[1:]),
        )
    except linkage.InvalidRecordError as error:
        _log.warning("resident_not_indexed", resident_id=str(resident.id), reason=str(error))
        return None


def _address(address: Address) -> linkage.Address:
    return linkage.Address(
        postcode=address.postcode,
        house_number=address.house_number,
        flat=address.flat,
        house_name=address.house_name,
        address_line=address.line1,
        town=address.town,
        uprn=address.uprn,
        since=address.moved_in,
        until=address.moved_out,
    )


def _has_letter(text: str) -> bool:
    return any(ch.isalpha() for ch in text)


def _dialable(phone: str) -> bool:
    return sum(ch.isdigit() for ch in phone) >= 6


def incoming_record(record: IncomingRecord) -> linkage.Record:
    """Every field of an incoming record, as the engine's Record."""
    return linkage.Record(
        given_name=record.given_name or None,
        family_name=record.family_name,
        former_family_names=tuple(f.family_name for f in record.former_family_names),
        date_of_birth=record.date_of_birth,
        title=record.title,
        initials=record.initials,
        middle_names=record.middle_names,
        suffix=record.suffix,
        ni_number=record.ni_number,
        postcode=record.postcode,
        house_number=record.house_number,
        flat=record.flat,
        house_name=record.house_name,
        address_line=record.address_line,
        town=record.town,
        uprn=record.uprn,
        previous_addresses=tuple(
            linkage.Address(
                postcode=a.postcode, house_number=a.house_number, flat=a.flat,
                house_name=a.house_name, address_line=a.address_line, town=a.town,
                uprn=a.uprn, since=a.since, until=a.until,
            )
            for a in record.previous_addresses
            if a.has_address
        ),
        email=record.email.strip().lower() if record.email else None,
        phone=normalise_phone(record.phone),
    )  # fmt: skip


class MatchingNotReadyError(Exception):
    """The model or the index is still loading: try again in ``retry_after`` seconds."""

    def __init__(self, status: str, retry_after: int) -> None:
        super().__init__(status)
        self.retry_after = retry_after


class LinkageMatcher:
    """Candidates from the linkage engine; probability is the engine's posterior."""

    def __init__(
        self,
        model: linkage.Model | None = None,
        *,
        min_population: int = MIN_POPULATION,
        max_candidates: int = 5,
        trainer: Trainer = linkage.train,
        wait_s: float = WAIT_S,
    ) -> None:
        self.min_population = min_population
        self.max_candidates = max_candidates
        self.trainer = trainer
        self.wait_s = wait_s
        self._model = model
        self.trained_on = "given" if model else "synthetic"
        #: The stored model serving, once one does (None: given, or not loaded yet).
        self.serving: StoredModel | None = None
        self._engine: linkage.Matcher | None = None
        self._records = Records()  # every indexable resident
        self._parent: dict[str, str] = {}  # merged id -> surviving id
        self._children: defaultdict[str, set[str]] = defaultdict(set)
        #: Who changed while the index loads (None once it is ready).
        self._pending: set[uuid.UUID] | None = None
        self._ready = asyncio.Event()
        self._ready.set()  # an empty index is ready until start() loads one
        #: What the matcher is doing until ready, as /readyz shows it.
        self.status = "ready"
        self.upkeep: LinkageUpkeep | None = None

    @property
    def engine(self) -> linkage.Matcher:
        if self._engine is None:
            model = self._model or self.default_model()
            self._engine = linkage.Matcher(
                model, max_candidates=self.max_candidates, households=True
            )
        return self._engine

    @property
    def model(self) -> linkage.Model | None:
        return self._model

    @property
    def ready(self) -> bool:
        return self._ready.is_set()

    async def wait_ready(self, within_s: float | None = None) -> bool:
        """Wait until the model and the index are loaded (at most ``within_s``)."""
        try:
            await asyncio.wait_for(self._ready.wait(), within_s)
        except TimeoutError:
            return False
        return True

    async def start(
        self, sessions: async_sessionmaker[AsyncSession], schedule: Schedule | None = None
    ) -> None:
        """Begin loading the model and the index in the background (see the module)."""
        from townhall.identity.adapters.linkage_upkeep import LinkageUpkeep

        self.upkeep = LinkageUpkeep(self, sessions, schedule)
        await self.upkeep.start()

    async def stop(self) -> None:
        if self.upkeep is not None:
            await self.upkeep.stop()

    def readiness(self) -> str | None:
        """None when matching is ready, else what it is waiting for."""
        return None if self.ready else f"matching: {self.status}"

    def describe(self) -> str:
        """Which model serves and how many residents are indexed."""
        model = self.serving.describe() if self.serving else f"{self.trained_on} model"
        return f"{model}, {len(self.engine):,} residents indexed"

    def default_model(self) -> linkage.Model:
        """The synthetic council's model (trained once per process by the default trainer)."""
        if self.trainer is linkage.train:
            return default_model()
        return self.trainer(model_store.default_population())

    def serve(self, stored: StoredModel) -> None:
        """Score with ``stored`` from now on (the index is the same for every model)."""
        self._model = stored.model
        self.serving = stored
        self.trained_on = stored.trained_on.source
        if self._engine is not None:
            self._engine.model = stored.model

    def loading(self, status: str) -> None:
        """Not ready from now on; changes are noted, to be reloaded by :meth:`install`."""
        self.status = status
        if self._pending is None:
            self._pending = set()
        self._ready.clear()

    def take_pending(self) -> set[uuid.UUID]:
        """Who changed since loading began or since the last call."""
        pending, self._pending = self._pending or set(), set()
        return pending

    def loaded(self) -> None:
        """The index is current: follow commits again as they come."""
        self._pending = None
        self.status = "ready"
        self._ready.set()

    def export(self) -> IndexState:
        """The population state to snapshot (the live objects: ``index_snapshot.freeze``
        them before the event loop moves on)."""
        return IndexState(self._records, self._parent, self._children, self.engine.index)

    def install(self, state: IndexState) -> None:
        """Serve ``state`` as the index (from a snapshot, or built off the event loop)."""
        self._records, self._parent, self._children = state.records, state.parent, state.children
        model = self._model or self.default_model()
        self._engine = linkage.Matcher(
            model, max_candidates=self.max_candidates, index=state.index, households=True
        )

    def merged_into(self, resident_id: uuid.UUID) -> set[str]:
        """The ids the index holds as merged into this resident."""
        return set(self._children.get(str(resident_id), ()))

    async def candidates(self, record: IncomingRecord, uow: UnitOfWork) -> list[Candidate]:
        if not self.ready and not await self.wait_ready(self.wait_s):
            raise MatchingNotReadyError(self.status, retry_after=max(1, round(self.wait_s)))
        try:
            incoming = incoming_record(record)
        except linkage.InvalidRecordError as error:
            _log.info("record_not_matchable", system=record.system, reason=str(error))
            return []
        features = features_of(incoming)
        matched = self.engine.match_features(features)
        residents: dict[str, Resident] = {}
        for candidate in matched:
            resident = await uow.residents.get(uuid.UUID(candidate.resident_id))
            if resident is None or resident.erased:
                continue
            if holds_another_holders_reference(resident, record.system, record.reference):
                continue  # a joint account's other holder: another person, however alike
            residents[candidate.resident_id] = resident
        matched = [c for c in matched if c.resident_id in residents]
        if (
            matched
            and matched[0].posterior > AMBIGUOUS_POSTERIOR
            and self.engine.held_apart(features, matched, _joint_holders(residents))
        ):  # either holder of one account, and nothing to say which: an officer decides
            matched[0] = replace(matched[0], posterior=AMBIGUOUS_POSTERIOR)
        found = [shown_candidate(record, residents[c.resident_id], c) for c in matched]
        return sorted(found, key=lambda c: -c.probability)

    def residents_changed(self, changed: Sequence[Resident]) -> None:
        if self._pending is not None:  # loading: reloaded from the database once loaded
            self._pending.update(resident.id for resident in changed)
            return
        self._follow(changed)

    def follow(self, changed: Iterable[Resident]) -> None:
        """Index these residents as they now are (loading or not)."""
        self._follow(changed)

    def _follow(self, changed: Iterable[Resident]) -> None:
        roots: set[str] = set()
        for resident in changed:
            rid = str(resident.id)
            old_parent = self._parent.pop(rid, None)
            if old_parent is not None:
                self._children[old_parent].discard(rid)
                roots.add(old_parent)
            record = record_of(resident)
            if record is None:
                self._records.discard(rid)
            else:
                self._records[rid] = record
            if resident.merged_into is not None:
                self._parent[rid] = str(resident.merged_into)
                self._children[str(resident.merged_into)].add(rid)
                roots.add(str(resident.merged_into))
            roots.add(rid)
        for root in roots:
            self._reindex(root)

    def _reindex(self, rid: str) -> None:
        """A surviving resident's facets: its own record and those merged into it."""
        engine = self.engine
        if rid in self._parent or rid not in self._records:
            if rid in engine.index:
                engine.remove(rid)
            return
        if rid in engine.index:
            engine.update(self._records[rid])
        else:
            engine.add(self._records[rid])
        for child in self._children.get(rid, ()):
            if child in self._records:
                if child in engine.index:
                    engine.remove(child)
                engine.add(self._records[child])
                engine.merge(rid, child)


def shown_candidate(
    record: IncomingRecord, resident: Resident, found: linkage.Candidate
) -> Candidate:
    """The service layer's evidence (values as the officer sees them) with the engine's
    level and weight for each field it scores, then the engine's other comparisons."""
    levels = {e.comparison: e for e in found.evidence}
    fields = []
    for shown in evidence(record, resident):
        hit = levels.pop(_FIELDS.get(shown.field, ""), None)
        if hit is None:  # a field the engine does not score, or a comparison left out
            fields.append(shown)
            continue
        fields.append(
            FieldEvidence(
                shown.field, shown.incoming, shown.existing, _agreement(hit.level, hit.weight),
                level=hit.level, weight=round(hit.weight, 3),
            )
        )  # fmt: skip
    for name, hit in levels.items():
        agreement = _agreement(hit.level, hit.weight)
        fields.append(FieldEvidence(name, None, None, agreement, hit.level, round(hit.weight, 3)))
    same = tuple(uuid.UUID(rid) for rid in found.same_person)
    return Candidate(resident.id, found.posterior, tuple(fields), same)


def _agreement(level: str, weight: float) -> str:
    if level == "null":
        return "missing"
    if level == "else" or weight < 0:
        return "disagree"
    return "agree" if level in ("exact", "full") else "similar"


def _joint_holders(residents: dict[str, Resident]) -> Callable[[str, str], bool]:
    """Whether two of ``residents`` hold one account between them: two people."""

    def apart(a: str, b: str) -> bool:
        if a not in residents or b not in residents:
            return False
        other = residents[b]
        return any(
            holds_another_holders_reference(other, system, reference)
            for system, reference in residents[a].identifiers
        )

    return apart


def holds_another_holders_reference(resident: Resident, system: str, reference: str) -> bool:
    """Whether ``resident`` is another holder of the account ``reference`` names in
    ``system``: the connectors name a joint account's holders ``<account>``,
    ``<account>#2``…, and two holders of one account are two people (a couple, a father
    and son of the same name), as the duplicate pass also holds."""
    account = reference.split("#", 1)[0]
    return any(
        held_system == system and held != reference and held.split("#", 1)[0] == account
        for held_system, held in resident.identifiers
    )
