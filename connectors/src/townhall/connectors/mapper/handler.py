"""Reading legacy change records, and applying them: claims to identity, entries out.

:func:`read_change_record` is the consumer's reader: a record on
``legacy.<system>.<table>`` becomes an envelope whose id is stable for that change (its
topic, log position, row key and op), so a change sent twice is applied once. What it
cannot read raises ``MalformedEventError`` with the reason (the dead-letter topic).
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from prometheus_client import Counter
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from townhall.connectors.changes import UnreadableChangeError, change_from
from townhall.connectors.mapper import store
from townhall.connectors.mapper.identity import Answer, Matcher, RefusedRecordError
from townhall.connectors.mapper.people import match_requests
from townhall.connectors.mapping import LegacyMapping
from townhall.connectors.translate import PersonClaim, TimelineEntry, Translator
from townhall.runtime.binding import MalformedEventError
from townhall.runtime.clock import Clock, utc_now
from townhall.runtime.consumer import Record
from townhall.runtime.outbox import EventContext, Outbox
from townhall.schemas.envelope import Envelope, Sensitivity
from townhall.schemas.events.base import DomainEvent
from townhall.schemas.events.legacy import LegacyEntryRecorded
from townhall.schemas.topics import LEGACY_TOPIC_PATTERN

log = logging.getLogger(__name__)

CHANGE = "townhall.legacy.change.v1"
TOMBSTONE = "townhall.legacy.tombstone.v1"
_NAMESPACE = uuid.UUID("6d1f3c1e-4f7b-4a53-9a57-2f0c3d9b8e21")
SKIPPED = Counter(
    "townhall_legacy_changes_skipped_total",
    "Legacy changes read but not mapped, by system and reason.",
    ["system", "reason"],
)
FIELDS_DROPPED = Counter(
    "townhall_legacy_fields_dropped_total",
    "Fields of legacy people identity refused as malformed, left out, by system and field.",
    ["system", "field"],
)
#: What a person can be matched without: never the name, the system or the reference.
DROPPABLE = frozenset({"date_of_birth", "ni_number", "postcode", "uprn", "email", "phone",
                       "address_line", "title", "initials", "suffix", "middle_names",
                       "recorded_on", "observed_at"})  # fmt: skip
MAPPED = Counter(
    "townhall_legacy_changes_mapped_total",
    "Legacy changes mapped, by system and what they became.",
    ["system", "kind"],
)


def _json(raw: bytes | None, what: str) -> Any:
    try:
        document = json.loads(raw) if raw is not None else None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise MalformedEventError(f"the record's {what} is not JSON: {error}") from error
    if isinstance(document, dict) and "schema" in document and "payload" in document:
        return document["payload"]
    return document


def _logged_at(record: Record) -> datetime:
    """When the record reached the log (Kafka's timestamp): the same on every reading,
    unlike the wall clock; now only for a record that has none."""
    if record.timestamp and record.timestamp > 0:
        return datetime.fromtimestamp(record.timestamp / 1000, UTC)
    return datetime.now(UTC)


def read_change_record(record: Record) -> Envelope:
    """A Debezium change record as an envelope for the consumer (see the module doc)."""
    if not LEGACY_TOPIC_PATTERN.match(record.topic):
        raise MalformedEventError(f"{record.topic} is not a legacy.<system>.<table> topic")
    _, system, table = record.topic.split(".")
    key = _json(record.key, "key")
    if not isinstance(key, dict):
        raise MalformedEventError("the record's key is not the row's key as a JSON object")
    document = _json(record.value, "value")
    common = {"source": f"/legacy/{system}", "subject": f"{table}/{_row(key)}",
              "sensitivity": Sensitivity.PERSONAL, "domain": "legacy",
              "sequence": record.offset + 1}  # fmt: skip
    if document is None:  # the tombstone after a delete: nothing more to say
        stable = f"{record.topic}/{record.partition}/{record.offset}"
        tombstone_id = str(uuid.uuid5(_NAMESPACE, stable))
        return Envelope(id=tombstone_id, type=TOMBSTONE, time=_logged_at(record),
                        correlationid=tombstone_id, data={}, **common)  # fmt: skip
    try:
        change = change_from(document)
    except UnreadableChangeError as error:
        raise MalformedEventError(f"not a change event: {error}") from error
    stable = f"{record.topic}/{change.position}/{_row(key)}/{change.op}"
    change_id = str(uuid.uuid5(_NAMESPACE, stable))
    return Envelope(
        id=change_id,
        type=CHANGE,
        time=change.occurred_at or _logged_at(record),
        correlationid=change_id,
        data={"system": system, "table": table, "key": key, "change": document},
        **common,
    )


def _row(key: Mapping[str, Any]) -> str:
    return json.dumps(key, sort_keys=True, separators=(",", ":"), default=str)


class Mapper:
    """The consumer's batch handler: each change, in order, in the consumer's transaction."""

    def __init__(
        self,
        mappings: Sequence[LegacyMapping],
        matcher: Matcher,
        outbox: Outbox,
        clock: Clock = utc_now,
    ):
        self.translators = {m.system: Translator(m) for m in mappings}
        self.matcher = matcher
        self.outbox = outbox
        self.clock = clock

    async def __call__(self, session: AsyncSession, envelopes: Sequence[Envelope]) -> None:
        batch = _Batch()
        for envelope in envelopes:
            if envelope.type == CHANGE:
                await self.apply(session, envelope, batch)
        await self.outbox.add_each(session, batch.entries)

    async def apply(self, session: AsyncSession, envelope: Envelope, batch: _Batch) -> None:
        data = envelope.data
        system = data["system"]
        translator = self.translators.get(system)
        if translator is None:
            SKIPPED.labels(system, "no mapping").inc()
            log.warning("legacy change skipped: no mapping for %s", system)
            return
        change = change_from(data["change"])
        context = EventContext(correlation_id=envelope.correlationid, causation_id=envelope.id)
        for output in translator.translate(data["key"], change):
            if isinstance(output, PersonClaim):
                await self._claim(session, output, change.occurred_at, context, batch)
            else:
                await self._entry(session, output, context, batch)
        if not translator.mapping.spec.people.get(change.table) and not (
            translator.mapping.spec.interactions.get(change.table)
        ):
            SKIPPED.labels(system, "unmapped table").inc()

    async def _claim(
        self,
        session: AsyncSession,
        claim: PersonClaim,
        occurred_at: datetime | None,
        context: EventContext,
        batch: _Batch,
    ) -> None:
        if claim.closed:  # the legacy row went; the resident and their history stay
            MAPPED.labels(claim.system, "person closed").inc()
            return
        reference = f"{claim.table}:{claim.legacy_key}"
        on = occurred_at.date() if occurred_at else None
        bodies = match_requests(claim.system, reference, claim.fields, on)
        now = self.clock()
        answers = []
        for holder, body in enumerate(bodies):
            if occurred_at is not None:  # a change before its person's erasure: "erased"
                body["observed_at"] = occurred_at.isoformat()
            answer = await self._match(claim.system, body)
            answers.append(answer)
            if answer.outcome == store.ERASED:
                log.info("legacy person %s#%s was erased: its entries are dropped",
                         reference, holder)  # fmt: skip
            placed = answer.resident_id if answer.outcome not in ("review", "erased") else None
            await store.remember(session, claim.system, claim.table, claim.legacy_key, holder,
                                 outcome=answer.outcome, resident_id=placed,
                                 review_id=answer.review_id, at=now)  # fmt: skip
            MAPPED.labels(claim.system, f"person {answer.outcome}").inc()
        person = (claim.system, claim.table, claim.legacy_key)
        batch.people.pop(person, None)
        await self._release(session, person, store.EVERY_HOLDER, context, batch)
        for holder, answer_for in enumerate(answers):
            if answer_for.outcome != "review":
                await self._release(session, person, holder, context, batch)

    async def recheck(self, sessions: async_sessionmaker[AsyncSession]) -> int:
        """Ask identity about every person row waiting for an officer; place each one
        decided (and the entries that waited for it). An item identity closed because the
        resident it was about was erased is final too: the person is remembered as
        erased and what waited for them is dropped, counted, never asked about again.
        Returns how many were settled."""
        async with sessions() as session:
            waiting = await store.in_review(session)
        placed = 0
        for system, table, legacy_key, holder, review_id in waiting:
            decided = await self.matcher.decision(review_id)
            outcome: str
            if decided.status == store.ERASED:
                outcome, resident = store.ERASED, None
            elif decided.status == "open" or decided.resident_id is None:
                continue
            else:
                outcome = "linked" if decided.status == "accepted" else "created"
                resident = decided.resident_id
            context = EventContext(correlation_id=str(review_id))
            async with sessions.begin() as session:
                await store.remember(session, system, table, legacy_key, holder,
                                     outcome=outcome, resident_id=resident,
                                     review_id=review_id, at=self.clock())  # fmt: skip
                batch = _Batch()
                await self._release(session, (system, table, legacy_key), holder, context, batch)
                await self.outbox.add_each(session, batch.entries)
            self.outbox.committed()
            MAPPED.labels(system, f"person decided {decided.status}").inc()
            placed += 1
        return placed

    async def _match(self, system: str, body: dict[str, Any]) -> Answer:
        """Identity's answer; a field it refuses as malformed (a legacy system's postcode
        typed wrong, an NI number with a letter missing) is left out and the person asked
        about again, counted, rather than the whole row lost. A refused name is not."""
        try:
            return await self.matcher.match(body)
        except RefusedRecordError as refused:
            droppable = set(refused.fields) and set(refused.fields) <= DROPPABLE
            if not droppable:
                raise
            for name in refused.fields:
                FIELDS_DROPPED.labels(system, name).inc()
            log.warning("legacy person asked again without %s: %s", refused.fields, refused)
            return await self.matcher.match({k: v for k, v in body.items()
                                             if k not in refused.fields})  # fmt: skip

    async def _release(
        self,
        session: AsyncSession,
        person: tuple[str, str, str],
        holder: int,
        context: EventContext,
        batch: _Batch,
    ) -> None:
        """Place the entries that waited for this person (one holder, or EVERY_HOLDER)."""
        for entry in await store.take_waiting(session, *person, holder):
            only = None if holder == store.EVERY_HOLDER else holder
            await self._entry(session, _entry_from(entry), context, batch, only=only)

    async def _entry(
        self,
        session: AsyncSession,
        entry: TimelineEntry,
        context: EventContext,
        batch: _Batch,
        *,
        only: int | None = None,
    ) -> None:
        """The entry on the timeline of each person its row names (or holder ``only``);
        kept for those not known yet (the row unseen, or an officer to decide)."""
        person = (entry.system, entry.person_table, entry.person_key)
        found = batch.people.get(person)
        if found is None:
            found = await store.people_of(session, *person)
            batch.people[person] = found
        if not found:
            await store.wait(session, entry.id, *person, store.EVERY_HOLDER, _entry_to(entry),
                             self.clock())  # fmt: skip
            MAPPED.labels(entry.system, "entry waiting").inc()
            return
        _, _, _, kind, verb, _ = entry.type.split(".")
        for holder, resident, erased in found:
            if only is not None and holder != only:
                continue
            if erased:  # the resident was erased after the change: never placed, nor kept
                MAPPED.labels(entry.system, "entry dropped erased").inc()
                log.info("legacy entry %s dropped: its person was erased", entry.id)
                continue
            if resident is None:
                await store.wait(session, entry.id, *person, holder, _entry_to(entry),
                                 self.clock())  # fmt: skip
                MAPPED.labels(entry.system, "entry waiting").inc()
                continue
            event = LegacyEntryRecorded(
                entry_id=uuid.uuid5(uuid.UUID(entry.id), str(resident)),
                resident_id=resident,
                system=entry.system,
                table=entry.table,
                legacy_key=entry.legacy_key,
                kind=kind,
                change=verb,
                summary=entry.summary[:500],
                occurred_at=entry.occurred_at,
                domain=entry.domain,
                sensitivity=entry.sensitivity,
            )
            batch.entries.append((event, context))
            MAPPED.labels(entry.system, "entry").inc()


@dataclass
class _Batch:
    """What one batch of changes has found and made so far: the people of each legacy
    row looked up (a claim in the batch forgets its row's), and the entries to write, in
    order, each with the change that caused it."""

    people: dict[tuple[str, str, str], list[store.Person]] = field(default_factory=dict)
    entries: list[tuple[DomainEvent, EventContext]] = field(default_factory=list)


def _entry_to(entry: TimelineEntry) -> dict[str, Any]:
    values = dict(vars(entry))
    values["sensitivity"] = entry.sensitivity.value
    values["occurred_at"] = entry.occurred_at.isoformat() if entry.occurred_at else None
    return values


def _entry_from(values: dict[str, Any]) -> TimelineEntry:
    occurred = values.get("occurred_at")
    return TimelineEntry(**{
        **values,
        "sensitivity": Sensitivity(values["sensitivity"]),
        "occurred_at": datetime.fromisoformat(occurred) if occurred else None,
    })  # fmt: skip
