"""The legacy mapper: change events in, residents matched through identity, entries out.

Identity is faked at its interface (``Matcher``) for the handler and at HTTP for the
adapter, as cases' tests fake it; the broker test runs the mapper's real consumer and
relay on the embedded broker.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiokafka import ConsumerRecord
from alembic import command
from prometheus_client import REGISTRY
from pydantic import SecretStr
from sqlalchemy import select

from townhall.connectors.debezium.envelope import Table
from townhall.connectors.debezium.types import mysql_column
from townhall.connectors.mapper.handler import CHANGE, TOMBSTONE, Mapper, read_change_record
from townhall.connectors.mapper.identity import (
    Answer,
    Decision,
    IdentityMatcher,
    RefusedRecordError,
)
from townhall.connectors.mapper.people import (
    ParsedName,
    UnparsableNameError,
    birth_date,
    match_requests,
    parse_names,
)
from townhall.connectors.mapper.service import MIGRATIONS, MapperSettings, create, load_mappings
from townhall.connectors.mapper.store import metadata, people, waiting
from townhall.connectors.mapping import MappingError, load
from townhall.connectors.testing import LOGGED_AT_MS, change_records, consumer_record
from townhall.runtime.binding import MalformedEventError
from townhall.runtime.db import create_engine, session_factory
from townhall.runtime.errors import Failure, RetryableError, classify
from townhall.runtime.kafka import ensure_topics
from townhall.runtime.migrations import alembic_config, upgrade
from townhall.runtime.outbox import Outbox
from townhall.runtime.service_client import TOKEN_PATH
from townhall.runtime.settings import KafkaSettings
from townhall.runtime.tables import outbox
from townhall.runtime.testkit.migrations import schema_drift, single_head
from townhall.runtime.testkit.topics import read_all, send_raw
from townhall.runtime.testkit.waiting import eventually
from townhall.schemas.envelope import Envelope
from townhall.schemas.topics import TopicSpec, dlq_topic

COUNCIL_TAX = """
system: counciltax
people:
  accounts:
    name: holder
    date_of_birth: dob
    postcode: postcode
interactions:
  accounts:
    person: {table: accounts, key: [id]}
    domain: council_tax
    sensitivity: sensitive
    type: account
    summary:
      created: "Council tax account {id} opened, band {band}"
      updated: "Council tax account {id} changed to band {band}"
      deleted: "Council tax account {id} closed in the legacy system"
  bills:
    person: {table: accounts, key: [account_id]}
    domain: council_tax
    sensitivity: sensitive
    type: bill
    summary:
      created: "Bill {id} of {amount} issued"
      updated: "Bill {id} changed"
"""

ACCOUNTS = Table(
    "counciltax", "mariadb", "counciltax", None, "accounts",
    (
        mysql_column("id", "int", "int(11)", nullable=False),
        mysql_column("holder", "varchar", "varchar(100)", nullable=False),
        mysql_column("dob", "date", "date", nullable=True),
        mysql_column("postcode", "varchar", "varchar(10)", nullable=True),
        mysql_column("band", "char", "char(1)", nullable=True),
    ),
    ("id",),
)  # fmt: skip
BILLS = Table(
    "counciltax", "mariadb", "counciltax", None, "bills",
    (
        mysql_column("id", "int", "int(11)", nullable=False),
        mysql_column("account_id", "int", "int(11)", nullable=False),
        mysql_column("amount", "varchar", "varchar(20)", nullable=False),
    ),
    ("id",),
)  # fmt: skip


# --- names as legacy systems keep them ---------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("MRS SMITH", [ParsedName(title="Mrs", family_name="Smith")]),
        ("R J Smith", [ParsedName(initials="RJ", family_name="Smith")]),
        ("Smith, John", [ParsedName(given_name="John", family_name="Smith")]),
        ("MR J SMITH SNR",
         [ParsedName(title="Mr", initials="J", family_name="Smith", suffix="Sr")]),
        ("John Adam Smith",
         [ParsedName(given_name="John", middle_names=("Adam",), family_name="Smith")]),
        ("DR ANNE-MARIE O'BRIEN",
         [ParsedName(title="Dr", given_name="Anne-Marie", family_name="O'Brien")]),
        (
            "Mr J & Mrs A Smith",
            [ParsedName(title="Mr", initials="J", family_name="Smith"),
             ParsedName(title="Mrs", initials="A", family_name="Smith")],
        ),
        (
            "John Smith and Mary Jones",
            [ParsedName(given_name="John", family_name="Smith"),
             ParsedName(given_name="Mary", family_name="Jones")],
        ),
    ],
)  # fmt: skip
def test_names_are_read_as_legacy_systems_keep_them(text: str, expected: list[ParsedName]) -> None:
    assert parse_names(text) == expected


@pytest.mark.parametrize("text", ["", "   ", "MR J", "& &"])
def test_a_name_without_a_family_name_is_refused(text: str) -> None:
    with pytest.raises(UnparsableNameError):
        parse_names(text)


def test_a_joint_account_asks_about_two_people_sharing_only_what_the_row_shares() -> None:
    bodies = match_requests(
        "counciltax",
        "accounts:7",
        {"name": "Mr J & Mrs A Smith", "date_of_birth": 3650, "postcode": "CF10 1AA"},
        date(2026, 3, 1),
    )
    assert [b["reference"] for b in bodies] == ["accounts:7", "accounts:7#2"]
    assert [b["initials"] for b in bodies] == ["J", "A"]
    assert all(b["postcode"] == "CF10 1AA" and b["recorded_on"] == "2026-03-01" for b in bodies)
    # one date of birth cannot be both holders'
    assert all("date_of_birth" not in b for b in bodies)


def test_the_address_moved_from_and_a_previous_surname_are_asked_with_the_person() -> None:
    row = {
        "name": "Mrs A Smith",
        "postcode": "CF10 1AA",
        "previous_surname": "JONES",
        "previous_address": "12 Mill Lane, Cardiff",
        "previous_postcode": "CF11 9XR",
    }
    [body] = match_requests("counciltax", "accounts:8", row, date(2026, 3, 1))
    assert body["previous_addresses"] == [
        {"address_line": "12 Mill Lane, Cardiff", "postcode": "CF11 9XR"}
    ]
    assert body["former_family_names"] == [{"family_name": "JONES"}]
    joint = match_requests("counciltax", "accounts:9", {**row, "name": "Mr J & Mrs A Smith"},
                           None)  # fmt: skip
    assert all(b["previous_addresses"] == body["previous_addresses"] for b in joint), (
        "the holders moved in together"
    )
    assert all("former_family_names" not in b for b in joint), "whose surname it was is unsaid"


def test_dates_of_birth_arrive_as_debezium_encodes_them() -> None:
    assert birth_date(0) == date(1970, 1, 1)
    assert birth_date(-3650) == date(1960, 1, 4)
    assert birth_date("1984-02-29") == date(1984, 2, 29)
    assert birth_date("29/02/1984") == date(1984, 2, 29)
    assert birth_date(None) is None
    with pytest.raises(ValueError):
        birth_date("the twelfth")


def test_a_person_given_by_title_forenames_and_surname_columns_is_asked_as_such() -> None:
    [body] = match_requests(
        "housing", "tenants:T1", {"title": "Ms", "forenames": "Ann Bea", "surname": "Lloyd"}, None
    )
    assert body == {
        "system": "housing", "reference": "tenants:T1", "title": "Ms",
        "given_name": "Ann", "middle_names": ["Bea"], "family_name": "Lloyd",
    }  # fmt: skip


# --- change records read for the consumer ------------------------------------------------


ACCOUNT = {"id": 7, "holder": "MR J SMITH", "dob": None, "postcode": "CF10 1AA", "band": "C"}


@pytest.mark.parametrize("schemas", [False, True], ids=["payload only", "with schemas"])
def test_a_change_read_twice_has_one_id(schemas: bool) -> None:
    [first] = change_records(ACCOUNTS, "c", ACCOUNT, schemas=schemas)
    [again] = change_records(ACCOUNTS, "c", ACCOUNT, schemas=schemas)
    [later] = change_records(ACCOUNTS, "u", ACCOUNT, pos=1200, schemas=schemas)
    a, b, c = (read_change_record(r) for r in (first, again, later))
    assert a.type == CHANGE and a.id == b.id != c.id
    assert a.source == "/legacy/counciltax" and a.subject == 'accounts/{"id":7}'
    assert a.data["system"] == "counciltax" and a.data["key"] == {"id": 7}


def test_the_tombstone_after_a_delete_is_read_as_one() -> None:
    _, tombstone = change_records(ACCOUNTS, "d", ACCOUNT)
    read = read_change_record(tombstone)
    assert read.type == TOMBSTONE
    assert read == read_change_record(tombstone), "the same on every reading"
    assert read.time.timestamp() * 1000 == LOGGED_AT_MS, "when it reached the log"


@pytest.mark.parametrize(
    ("topic", "key", "value", "reason"),
    [
        ("legacy.counciltax.accounts", b'{"id": 7}', b"{not json", "value is not JSON"),
        ("legacy.counciltax.accounts", b'{"id": 7}', b'{"op": "x", "source": {}}', "op is 'x'"),
        ("legacy.counciltax.accounts", b"7", b"{}", "key is not the row's key"),
        ("cases.events", b'{"id": 7}', b"{}", "not a legacy.<system>.<table> topic"),
    ],
)
def test_a_record_that_is_not_a_change_event_is_refused_with_the_reason(
    topic: str, key: bytes, value: bytes, reason: str
) -> None:
    with pytest.raises(MalformedEventError, match=reason):
        read_change_record(consumer_record(topic, key, value))


# --- the handler: claims to identity, entries out -----------------------------------------


@dataclass
class Identity:
    """Identity's answers, by reference: ``linked`` to a resident or left in ``review``."""

    answers: dict[str, Answer] = field(default_factory=dict)
    asked: list[dict[str, Any]] = field(default_factory=list)
    decisions: dict[uuid.UUID, Decision] = field(default_factory=dict)
    #: The review items asked about, in order.
    asked_about: list[uuid.UUID] = field(default_factory=list)

    async def decision(self, review_id: uuid.UUID) -> Decision:
        self.asked_about.append(review_id)
        return self.decisions.get(review_id, Decision("open", None))

    async def match(self, body: dict[str, Any]) -> Answer:
        self.asked.append(body)
        if body["reference"] not in self.answers:
            self.answers[body["reference"]] = Answer("created", uuid.uuid4(), None)
        return self.answers[body["reference"]]


@pytest.fixture
def mapping_path(tmp_path: Path) -> Path:
    path = tmp_path / "counciltax.yaml"
    path.write_text(COUNCIL_TAX)
    return path


@dataclass
class Mapped:
    mapper: Mapper
    identity: Identity
    url: str

    async def apply(self, *batches: list[ConsumerRecord[bytes, bytes]]) -> None:
        engine = create_engine(self.url)
        try:
            async with session_factory(engine).begin() as session:
                for batch in batches:
                    await self.mapper(session, [read_change_record(r) for r in batch])
        finally:
            await engine.dispose()

    async def rows(self, table: Any) -> list[Any]:
        engine = create_engine(self.url)
        try:
            async with session_factory(engine)() as session:
                return list((await session.execute(select(table))).mappings())
        finally:
            await engine.dispose()

    async def entries(self) -> list[Envelope]:
        return [Envelope.model_validate_json(r["envelope"]) for r in await self.rows(outbox)]


@pytest.fixture
async def mapped(database_url: str, mapping_path: Path) -> AsyncIterator[Mapped]:
    await upgrade(database_url, MIGRATIONS)
    identity = Identity()
    yield Mapped(Mapper([load(mapping_path)], identity, Outbox("legacy")), identity, database_url)


async def test_a_new_account_is_matched_then_placed_on_its_residents_timeline(
    mapped: Mapped,
) -> None:
    await mapped.apply(change_records(ACCOUNTS, "c", ACCOUNT))
    [asked] = mapped.identity.asked
    observed = datetime.fromtimestamp(LOGGED_AT_MS / 1000, UTC).isoformat()
    assert asked == {"system": "counciltax", "reference": "accounts:7", "title": "Mr",
                     "initials": "J", "family_name": "Smith", "postcode": "CF10 1AA",
                     "recorded_on": "2026-01-01", "observed_at": observed}  # fmt: skip
    resident = mapped.identity.answers["accounts:7"].resident_id
    [entry] = await mapped.entries()
    assert entry.type == "townhall.legacy.entry.recorded.v1"
    assert entry.residentid == str(resident)
    assert (entry.domain, entry.sensitivity.value) == ("council_tax", "sensitive")
    assert entry.data["summary"] == "Council tax account 7 opened, band C"
    assert (entry.data["kind"], entry.data["change"]) == ("account", "created")


async def test_a_joint_accounts_changes_reach_both_holders(mapped: Mapped) -> None:
    joint = {**ACCOUNT, "holder": "Mr J & Mrs A Smith"}
    await mapped.apply(change_records(ACCOUNTS, "c", joint))
    holders = {str(mapped.identity.answers[r].resident_id) for r in ("accounts:7", "accounts:7#2")}
    assert {e.residentid for e in await mapped.entries()} == holders


async def test_a_bill_for_a_person_in_review_waits_until_the_person_is_known(
    mapped: Mapped,
) -> None:
    mapped.identity.answers["accounts:7"] = Answer("review", uuid.uuid4(), uuid.uuid4())
    await mapped.apply(change_records(ACCOUNTS, "c", ACCOUNT))
    bill = {"id": 31, "account_id": 7, "amount": "£1,234.00"}
    await mapped.apply(change_records(BILLS, "c", bill, pos=1000))
    assert await mapped.entries() == []  # nothing on a suggested resident's timeline
    assert len(await mapped.rows(waiting)) == 2  # the account's entry and the bill

    resident = uuid.uuid4()  # an officer decided; the row's next change links at once
    mapped.identity.answers["accounts:7"] = Answer("linked", resident, None)
    await mapped.apply(change_records(ACCOUNTS, "u", {**ACCOUNT, "band": "D"}, pos=1100))
    summaries = [e.data["summary"] for e in await mapped.entries()]
    assert summaries == [
        "Council tax account 7 opened, band C",
        "Bill 31 of £1,234.00 issued",
        "Council tax account 7 changed to band D",
    ]
    assert {e.residentid for e in await mapped.entries()} == {str(resident)}
    assert await mapped.rows(waiting) == []


async def test_a_person_identity_answers_erased_has_their_entries_dropped_not_kept(
    mapped: Mapped,
) -> None:
    """A change observed before its person's erasure: identity answers ``erased`` and
    creates no one; the row's entries (one waiting before, one after) are dropped and
    counted, neither published, kept waiting, dead-lettered nor retried."""
    bill = {"id": 31, "account_id": 7, "amount": "£1,234.00"}
    await mapped.apply(change_records(BILLS, "c", bill, pos=800))
    assert len(await mapped.rows(waiting)) == 1, "the bill waits for the account's person"
    mapped.identity.answers["accounts:7"] = Answer("erased", None, None)
    dropped = _mapped_count("entry dropped erased")

    await mapped.apply(change_records(ACCOUNTS, "c", ACCOUNT))
    await mapped.apply(change_records(BILLS, "u", {**bill, "amount": "£1.00"}, pos=1000))

    assert await mapped.entries() == []
    assert await mapped.rows(waiting) == []
    [person] = await mapped.rows(people)
    assert (person["outcome"], person["resident_id"]) == ("erased", None)
    assert _mapped_count("entry dropped erased") == dropped + 3, "the two bills and the account"
    assert len(mapped.identity.asked) == 1, "asked once, not again"


def _mapped_count(kind: str) -> float:
    value = REGISTRY.get_sample_value(
        "townhall_legacy_changes_mapped_total", {"system": "counciltax", "kind": kind}
    )
    return value or 0.0


async def test_once_an_officer_decides_a_person_in_review_what_waited_is_placed(
    mapped: Mapped,
) -> None:
    review = uuid.uuid4()
    mapped.identity.answers["accounts:7"] = Answer("review", uuid.uuid4(), review)
    await mapped.apply(change_records(ACCOUNTS, "c", ACCOUNT))
    bill = {"id": 31, "account_id": 7, "amount": "£90.00"}
    await mapped.apply(change_records(BILLS, "c", bill, pos=1000))
    engine = create_engine(mapped.url)
    try:
        sessions = session_factory(engine)
        assert await mapped.mapper.recheck(sessions) == 0  # still open: nothing moves
        assert await mapped.entries() == []
        resident = uuid.uuid4()  # the officer rejected the proposal: a new resident
        mapped.identity.decisions[review] = Decision("rejected", resident)
        assert await mapped.mapper.recheck(sessions) == 1
        assert await mapped.mapper.recheck(sessions) == 0  # placed once
    finally:
        await engine.dispose()
    entries = await mapped.entries()
    assert [e.data["summary"] for e in entries] == [
        "Council tax account 7 opened, band C",
        "Bill 31 of £90.00 issued",
    ]
    assert {e.residentid for e in entries} == {str(resident)}
    [person] = await mapped.rows(people)
    assert (person["outcome"], person["resident_id"]) == ("created", resident)


async def test_a_person_whose_review_item_was_closed_by_an_erasure_is_settled_as_erased(
    mapped: Mapped,
) -> None:
    """The resident identity proposed was erased while the officer had still to decide:
    identity closes the item (status ``erased``). What waited for the person is dropped,
    counted, and the item is never asked about again."""
    review = uuid.uuid4()
    mapped.identity.answers["accounts:7"] = Answer("review", uuid.uuid4(), review)
    await mapped.apply(change_records(ACCOUNTS, "c", ACCOUNT))
    await mapped.apply(change_records(BILLS, "c", {"id": 31, "account_id": 7}, pos=1000))
    mapped.identity.decisions[review] = Decision("erased", None)
    dropped = _mapped_count("entry dropped erased")
    engine = create_engine(mapped.url)
    try:
        sessions = session_factory(engine)
        assert await mapped.mapper.recheck(sessions) == 1
        asked = len(mapped.identity.asked_about)
        assert await mapped.mapper.recheck(sessions) == 0
        assert len(mapped.identity.asked_about) == asked, "not asked about again"
    finally:
        await engine.dispose()
    assert await mapped.entries() == []
    assert await mapped.rows(waiting) == []
    [person] = await mapped.rows(people)
    assert (person["outcome"], person["resident_id"]) == ("erased", None)
    assert _mapped_count("entry dropped erased") == dropped + 2, "the account and its bill"


async def test_a_joint_holder_in_review_gets_the_account_once_decided_and_the_other_once(
    mapped: Mapped,
) -> None:
    review = uuid.uuid4()
    mapped.identity.answers["accounts:7#2"] = Answer("review", uuid.uuid4(), review)
    await mapped.apply(change_records(ACCOUNTS, "c", {**ACCOUNT, "holder": "Mr J & Mrs A Smith"}))
    husband = mapped.identity.answers["accounts:7"].resident_id
    assert [e.residentid for e in await mapped.entries()] == [str(husband)]
    wife = uuid.uuid4()
    mapped.identity.decisions[review] = Decision("rejected", wife)
    engine = create_engine(mapped.url)
    try:
        assert await mapped.mapper.recheck(session_factory(engine)) == 1
    finally:
        await engine.dispose()
    assert sorted(e.residentid or "" for e in await mapped.entries()) == sorted(
        [str(husband), str(wife)]
    )


async def test_a_deleted_account_leaves_a_closed_entry_and_keeps_the_resident(
    mapped: Mapped,
) -> None:
    await mapped.apply(change_records(ACCOUNTS, "c", ACCOUNT))
    await mapped.apply(change_records(ACCOUNTS, "d", ACCOUNT, pos=1300))
    last = (await mapped.entries())[-1]
    assert last.data["summary"] == "Council tax account 7 closed in the legacy system"
    assert last.data["change"] == "deleted"
    assert len(mapped.identity.asked) == 1  # a deletion asks identity nothing
    [person] = await mapped.rows(people)
    assert person["resident_id"] == mapped.identity.answers["accounts:7"].resident_id


async def test_a_row_without_a_usable_name_is_refused_as_poison_and_changes_nothing(
    mapped: Mapped,
) -> None:
    with pytest.raises(UnparsableNameError) as refused:
        await mapped.apply(change_records(ACCOUNTS, "c", {**ACCOUNT, "holder": "MR J"}))
    assert classify(refused.value) is Failure.POISON


@dataclass
class Fussy(Identity):
    """Identity refusing postcodes it does not know, as the real one does."""

    async def match(self, body: dict[str, Any]) -> Answer:
        if "postcode" in body:
            self.asked.append(body)
            raise RefusedRecordError("postcode: not a valid UK postcode", ("postcode",))
        if not body.get("family_name"):
            raise RefusedRecordError("family_name: missing", ("family_name",))
        return await super().match(body)


async def test_a_field_identity_refuses_is_left_out_and_the_person_asked_about_again(
    mapped: Mapped,
) -> None:
    fussy = Fussy()
    mapped.mapper.matcher = fussy
    await mapped.apply(change_records(ACCOUNTS, "c", {**ACCOUNT, "postcode": "QQ1 1QQ"}))
    first, again = fussy.asked
    assert first["postcode"] == "QQ1 1QQ" and "postcode" not in again
    [entry] = await mapped.entries()
    assert entry.residentid == str(fussy.answers["accounts:7"].resident_id)


async def test_changes_of_a_system_without_a_mapping_are_skipped(mapped: Mapped) -> None:
    other = Table("waste", "mariadb", "waste", None, "rounds", ACCOUNTS.columns, ("id",))
    await mapped.apply(change_records(other, "c", ACCOUNT))
    assert mapped.identity.asked == [] and await mapped.entries() == []


def test_two_mapping_files_for_one_system_are_refused(tmp_path: Path, mapping_path: Path) -> None:
    second = tmp_path / "again.yaml"
    second.write_text(COUNCIL_TAX)
    with pytest.raises(MappingError, match="counciltax is mapped already"):
        load_mappings([mapping_path, second])


# --- identity over HTTP -------------------------------------------------------------------


def identity_answering(status: int, body: dict[str, Any]) -> IdentityMatcher:
    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path == TOKEN_PATH:
            return httpx.Response(200, json={"access_token": "t", "expires_in": 3600})
        return httpx.Response(status, json=body)

    return IdentityMatcher("http://identity", "legacy", SecretStr("s"),
                           transport=httpx.MockTransport(handle))  # fmt: skip


async def test_identitys_answer_is_read() -> None:
    resident = uuid.uuid4()
    matcher = identity_answering(200, {"outcome": "linked", "resident_id": str(resident)})
    assert await matcher.match({"reference": "accounts:7"}) == Answer("linked", resident, None)


async def test_identitys_erased_answer_is_read() -> None:
    matcher = identity_answering(200, {"outcome": "erased"})
    assert await matcher.match({"reference": "accounts:7"}) == Answer("erased", None, None)


async def test_identitys_decision_on_a_review_item_is_read() -> None:
    resident = uuid.uuid4()
    matcher = identity_answering(200, {"status": "accepted", "resident_id": str(resident)})
    assert await matcher.decision(uuid.uuid4()) == Decision("accepted", resident)
    with pytest.raises(RetryableError):
        await identity_answering(502, {}).decision(uuid.uuid4())


async def test_identity_away_is_tried_again_later() -> None:
    with pytest.raises(RetryableError):
        await identity_answering(503, {"title": "Unavailable"}).match({})


async def test_a_record_identity_refuses_is_dead_lettered_with_its_field() -> None:
    problem = {"errors": [{"loc": ["body", "postcode"], "msg": "not a UK postcode"}]}
    with pytest.raises(RefusedRecordError, match="postcode: not a UK postcode") as refused:
        await identity_answering(422, problem).match({})
    assert classify(refused.value) is Failure.POISON


# --- on the broker --------------------------------------------------------------------------


async def test_changes_on_the_broker_become_entries_on_legacy_events_and_bad_ones_dead_letters(
    kafka_settings: KafkaSettings, mapping_path: Path, tmp_path: Path
) -> None:
    kafka = kafka_settings.model_copy(update={"metadata_max_age_ms": 300})
    system = f"ct{uuid.uuid4().hex[:6]}"
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(COUNCIL_TAX.replace("system: counciltax", f"system: {system}"))
    table = Table(system, "mariadb", system, None, "accounts", ACCOUNTS.columns, ("id",))
    topic = table.topic
    settings = MapperSettings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'legacy.db'}",
        kafka=kafka,
        legacy_mappings=[mapping],
    )
    identity = Identity()
    app = create(settings, matcher=identity)
    await ensure_topics(kafka, [TopicSpec(topic, 1), TopicSpec("legacy.events", 4)])
    async with app.router.lifespan_context(app):
        for record in change_records(table, "c", ACCOUNT) + change_records(table, "c", ACCOUNT):
            await send_raw(kafka, topic, record.value, key=record.key or b"")
        await send_raw(kafka, topic, b"{not a change", key=b'{"id": 8}')
        reasons = await eventually(lambda: _dead_letters_from(kafka, topic), bool)
        found = await eventually(
            lambda: _entries_for(kafka, system), lambda entries: len(entries) >= 1
        )
    assert len(found) == 1  # the change sent twice is one entry
    assert found[0]["summary"] == "Council tax account 7 opened, band C"
    assert "the record's value is not JSON" in reasons[0]


async def _dead_letters_from(kafka: KafkaSettings, topic: str) -> list[str]:
    """The reasons of the mapper's dead letters that came from ``topic`` (the dead-letter
    topic is shared by every test on the session's broker)."""
    dead = await read_all(kafka, dlq_topic("legacy-mapper"), at_least=10_000, timeout_s=1.0)
    return [dict(r.headers)["dlq_reason"].decode() for r in dead
            if dict(r.headers).get("dlq_topic") == topic.encode()]  # fmt: skip


async def _entries_for(kafka: KafkaSettings, system: str) -> list[dict[str, Any]]:
    records_found = await read_all(kafka, "legacy.events", at_least=10_000, timeout_s=1.0)
    data = [json.loads(r.value) for r in records_found if r.value]
    return [d for d in data if d.get("system") == system]


# --- its database -------------------------------------------------------------------------


def test_the_mappers_migrations_form_a_single_line() -> None:
    assert single_head(MIGRATIONS)


async def test_the_mappers_migrations_match_its_tables_and_downgrade_cleanly(
    database_url: str,
) -> None:
    await upgrade(database_url, MIGRATIONS)
    await asyncio.to_thread(command.downgrade, alembic_config(database_url, MIGRATIONS), "base")
    assert await schema_drift(database_url, MIGRATIONS, metadata) == []
