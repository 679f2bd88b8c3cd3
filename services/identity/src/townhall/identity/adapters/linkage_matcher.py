"""The service layer's Matcher on top of the probabilistic linkage engine.

At start, :meth:`LinkageMatcher.start` reads the population from identity's database into
the engine's in-memory index and trains the model with Splink on it when it holds at
least ``min_population`` residents. A smaller council (or a fresh database) gets the
default model: trained once per process on the engine's synthetic council generator
(``linkage.synthetic.generate``), whose households, twins, movers and nicknames give EM
the duplicates a young population lacks.

The unit of work calls :meth:`LinkageMatcher.residents_changed` after every commit with
the residents whose events it committed; that is the one place the index follows
registrations, renames, moves, contact points, merges, unmerges and erasures. The index
lives in this process: run one identity process per database, or restart the others.
"""

from __future__ import annotations

import asyncio
import functools
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from townhall.identity import linkage
from townhall.identity.adapters.repository import ResidentRepository
from townhall.identity.domain.model import Address, Resident
from townhall.identity.linkage.synthetic import generate
from townhall.identity.service_layer.matching import (
    Candidate,
    FieldEvidence,
    IncomingRecord,
    evidence,
)
from townhall.identity.service_layer.unit_of_work import UnitOfWork
from townhall.runtime.normal_forms import normalise_phone

_log = structlog.get_logger(__name__)

MIN_POPULATION = 1000
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
    """The model for a population too small to train on: a synthetic council's."""
    return linkage.train(generate(300, seed=5).population)


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
        email=record.email.strip().lower() if record.email else None,
        phone=normalise_phone(record.phone),
    )


class LinkageMatcher:
    """Candidates from the linkage engine; probability is the engine's posterior."""

    def __init__(
        self,
        model: linkage.Model | None = None,
        *,
        min_population: int = MIN_POPULATION,
        max_candidates: int = 5,
    ) -> None:
        self.min_population = min_population
        self.max_candidates = max_candidates
        self._model = model
        self.trained_on = "given" if model else "synthetic"
        self._engine: linkage.Matcher | None = None
        self._records: dict[str, linkage.Record] = {}  # every indexable resident
        self._parent: dict[str, str] = {}  # merged id -> surviving id
        self._children: defaultdict[str, set[str]] = defaultdict(set)

    @property
    def engine(self) -> linkage.Matcher:
        if self._engine is None:
            model = self._model or default_model()
            self._engine = linkage.Matcher(model, max_candidates=self.max_candidates)
        return self._engine

    async def start(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        """Load the population into the index, training the model on it if large enough."""
        async with sessions() as session:
            population = await ResidentRepository(session).population()
        records = [r for r in map(record_of, population) if r is not None]
        if self._model is None:
            self._model = await asyncio.to_thread(self._train, records)
        self._engine = None
        self._records.clear()
        self._parent.clear()
        self._children.clear()
        self._follow(population)
        _log.info("linkage_index_loaded", residents=len(self.engine), model=self.trained_on)

    def _train(self, records: list[linkage.Record]) -> linkage.Model:
        """Splink on the population if large enough and trainable, else the default.

        Splink refuses EM when a training rule finds no pairs (e.g. no two residents
        share an email address, which identity's unique index all but guarantees);
        the service then starts on the default model rather than not at all.
        """
        if len(records) >= self.min_population:
            try:
                model = linkage.train(records)
            except Exception:  # Splink's exceptions are internal; fall back, loudly
                _log.warning("linkage_training_failed", residents=len(records), exc_info=True)
            else:
                self.trained_on = "population"
                return model
        self.trained_on = "synthetic"
        return default_model()

    async def candidates(self, record: IncomingRecord, uow: UnitOfWork) -> list[Candidate]:
        try:
            incoming = incoming_record(record)
        except linkage.InvalidRecordError as error:
            _log.info("record_not_matchable", system=record.system, reason=str(error))
            return []
        found = []
        for candidate in self.engine.match(incoming):
            resident = await uow.residents.get(uuid.UUID(candidate.resident_id))
            if resident is not None and not resident.erased:
                found.append(_candidate(record, resident, candidate))
        return sorted(found, key=lambda c: -c.probability)

    def residents_changed(self, changed: Sequence[Resident]) -> None:
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
                self._records.pop(rid, None)
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


def _candidate(record: IncomingRecord, resident: Resident, found: linkage.Candidate) -> Candidate:
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
    return Candidate(resident.id, found.posterior, tuple(fields))


def _agreement(level: str, weight: float) -> str:
    if level == "null":
        return "missing"
    if level == "else" or weight < 0:
        return "disagree"
    return "agree" if level in ("exact", "full") else "similar"
