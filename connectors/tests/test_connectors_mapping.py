"""Mapping files are checked at start-up, naming file and field; change events from
Townhall's connectors and from real Debezium deployments map to claims and entries."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from townhall.connectors.changes import UnreadableChangeError, read_change
from townhall.connectors.debezium.envelope import Change, Source, Table, records
from townhall.connectors.debezium.types import mysql_column
from townhall.connectors.mapping import LegacyMapping, MappingError, load
from townhall.connectors.translate import PersonClaim, TimelineEntry, Translator

COUNCIL_TAX = """
system: counciltax
people:
  accounts:
    name: holder
    date_of_birth: dob
    uprn: uprn
interactions:
  accounts:
    person: {table: accounts, key: [id]}
    domain: council_tax
    sensitivity: sensitive
    type: account
    summary:
      created: "Council tax account {id} opened, band {band}"
      updated: "Council tax account {id} changed"
      deleted: "Council tax account {id} closed in the legacy system"
"""

ACCOUNTS = Table(
    "counciltax",
    "mariadb",
    "counciltax",
    None,
    "accounts",
    (
        mysql_column("id", "int", "int(11)", nullable=False),
        mysql_column("holder", "varchar", "varchar(100)", nullable=False),
        mysql_column("dob", "date", "date", nullable=True),
        mysql_column("uprn", "bigint", "bigint(20)", nullable=True),
        mysql_column("band", "char", "char(1)", nullable=True),
    ),
    ("id",),
)


def mapping_file(tmp_path: Path, text: str = COUNCIL_TAX) -> Path:
    path = tmp_path / "counciltax.yaml"
    path.write_text(text)
    return path


def loaded(tmp_path: Path, text: str = COUNCIL_TAX) -> LegacyMapping:
    mapping = load(mapping_file(tmp_path, text))
    mapping.check_against({"accounts": ACCOUNTS})
    return mapping


def test_a_good_mapping_file_loads_and_fits_its_tables(tmp_path: Path) -> None:
    mapping = loaded(tmp_path)
    assert mapping.system == "counciltax"
    assert mapping.spec.people["accounts"].columns() == {
        "name": "holder",
        "date_of_birth": "dob",
        "uprn": "uprn",
    }


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (("sensitivity: sensitive", "sensitivity: secret"), "interactions.accounts.sensitivity"),
        (("    name: holder", "    nickname: holder"), "people.accounts.nickname"),
        (("system: counciltax", "system: Council Tax"), "system"),
        (("{id} changed", "{id changed"), "interactions.accounts.summary.updated"),
    ],
)
def test_a_malformed_mapping_file_is_refused_naming_file_and_field(
    tmp_path: Path, change: tuple[str, str], where: str
) -> None:
    with pytest.raises(MappingError) as refused:
        load(mapping_file(tmp_path, COUNCIL_TAX.replace(*change)))
    assert str(refused.value).startswith(f"{tmp_path / 'counciltax.yaml'}: {where}:")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ("    uprn: uprn", "    uprn: property_ref"),
            "people.accounts.uprn: accounts has no column",
        ),
        (("band {band}", "band {council_band}"), "summary.created: accounts has no column"),
        (("key: [id]", "key: [account_no]"), "person.key: accounts has no column account_no"),
    ],
)
def test_a_mapping_naming_a_missing_column_is_refused_at_start(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    with pytest.raises(MappingError, match=message):
        loaded(tmp_path, COUNCIL_TAX.replace(*change))


def test_a_mapping_naming_a_missing_table_is_refused_at_start(tmp_path: Path) -> None:
    mapping = load(mapping_file(tmp_path))
    with pytest.raises(MappingError, match=r"people\.accounts: the legacy database has no table"):
        mapping.check_against({})


def test_a_file_that_is_not_yaml_is_refused(tmp_path: Path) -> None:
    with pytest.raises(MappingError, match="not valid YAML"):
        load(mapping_file(tmp_path, "system: [unclosed"))


# --- change events in, claims and entries out ------------------------------------------


def townhall_record(op: str, row: dict[str, Any], *, schemas: bool) -> tuple[Any, bytes | None]:
    position = {"server_id": 1, "gtid": None, "file": "binlog.000002", "pos": 900, "row": 0}
    source = Source(ts_ms=1_700_000_000_000, snapshot="false", position=position)
    before, after = (row, None) if op == "d" else (None, row)
    made = records(Change(ACCOUNTS, op, before, after, source, ts_ns=1), schemas=schemas)  # type: ignore[arg-type]
    key = json.loads(made[0].key)
    return key.get("payload", key), made[0].value


ROW = {"id": 7, "holder": "Mr J Smith", "dob": None, "uprn": 100023336956, "band": "C"}


@pytest.mark.parametrize("schemas", [False, True], ids=["payload only", "with schemas"])
def test_townhalls_own_events_map_to_a_claim_and_an_entry(tmp_path: Path, schemas: bool) -> None:
    key, value = townhall_record("c", ROW, schemas=schemas)
    change = read_change(value)
    assert change is not None
    claim, entry = Translator(loaded(tmp_path)).translate(key, change)
    assert isinstance(claim, PersonClaim) and isinstance(entry, TimelineEntry)
    assert (claim.legacy_key, claim.fields["name"], claim.closed) == ("7", "Mr J Smith", False)
    assert entry.person_key == claim.legacy_key == "7"
    assert entry.summary == "Council tax account 7 opened, band C"
    assert entry.type == "townhall.legacy.counciltax.account.created.v1"
    assert (entry.domain, entry.sensitivity) == ("council_tax", "sensitive")


def test_a_deleted_row_leaves_a_closed_entry_not_a_hole(tmp_path: Path) -> None:
    key, value = townhall_record("d", ROW, schemas=False)
    change = read_change(value)
    assert change is not None
    claim, entry = Translator(loaded(tmp_path)).translate(key, change)
    assert isinstance(claim, PersonClaim) and claim.closed
    assert isinstance(entry, TimelineEntry)
    assert entry.summary == "Council tax account 7 closed in the legacy system"


def test_the_same_change_sent_twice_maps_to_the_same_ids(tmp_path: Path) -> None:
    translator = Translator(loaded(tmp_path))
    key, value = townhall_record("c", ROW, schemas=False)
    first, second = read_change(value), read_change(value)
    assert first is not None and second is not None
    ids = [[out.id for out in translator.translate(key, change)] for change in (first, second)]
    assert ids[0] == ids[1] and len(set(ids[0])) == 2


def test_rows_read_by_one_snapshot_get_ids_of_their_own(tmp_path: Path) -> None:
    translator = Translator(loaded(tmp_path))
    ids = set()
    for row_id in (1, 2):
        key, value = townhall_record("c", {**ROW, "id": row_id}, schemas=False)
        change = read_change(value)
        assert change is not None
        ids |= {out.id for out in translator.translate(key, change)}
    assert len(ids) == 4, "same position (a snapshot's), different rows: different ids"


# Shapes from Debezium's documentation: a MySQL event from a 1.x connector (snapshot as a
# string, no ts_us) and a PostgreSQL event from a 0.9 connector (snapshot a boolean).
DEBEZIUM_MYSQL_1X = {
    "before": None,
    "after": {"id": 1004, "first_name": "Anne", "last_name": "Kretchmar"},
    "source": {
        "version": "1.4.2.Final", "connector": "mysql", "name": "dbserver1",
        "ts_ms": 1615928467000, "snapshot": "false", "db": "inventory", "table": "customers",
        "server_id": 223344, "gtid": None, "file": "mysql-bin.000003", "pos": 4015, "row": 0,
        "thread": 36, "query": None,
    },
    "op": "c",
    "ts_ms": 1615928467236,
    "transaction": None,
}  # fmt: skip
DEBEZIUM_POSTGRES_09 = {
    "before": None,
    "after": {"id": 1, "column_a": "a"},
    "source": {
        "version": "0.9.5.Final", "connector": "postgresql", "name": "foo", "db": "foo",
        "ts_usec": 1601213844074632, "txId": 644, "lsn": 28581784, "schema": "bar",
        "table": "events", "snapshot": False, "last_snapshot_record": None, "xmin": None,
    },
    "op": "r",
    "ts_ms": 1601213844598,
}  # fmt: skip


def test_real_debezium_events_from_old_and_new_connectors_are_read() -> None:
    mysql = read_change(json.dumps(DEBEZIUM_MYSQL_1X).encode())
    postgres = read_change(json.dumps(DEBEZIUM_POSTGRES_09).encode())
    assert mysql is not None and postgres is not None
    assert (mysql.table, mysql.op, mysql.snapshot) == ("customers", "c", False)
    assert mysql.position == "binlog:mysql-bin.000003:4015:0"
    assert (postgres.schema, postgres.op, postgres.snapshot) == ("bar", "r", False)
    assert postgres.position == "lsn:28581784:644" and postgres.ts_ms == 1601213844598
    wrapped = read_change(json.dumps({"schema": {}, "payload": DEBEZIUM_MYSQL_1X}).encode())
    assert wrapped == mysql
    assert read_change(None) is None, "a tombstone is not an error"


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (b"\xff not json", "not JSON"),
        (b"[1, 2]", "not a JSON object"),
        (json.dumps({**DEBEZIUM_MYSQL_1X, "op": "t"}).encode(), "op is 't'"),
        (json.dumps({**DEBEZIUM_MYSQL_1X, "after": None}).encode(), "without the row"),
        (json.dumps({**DEBEZIUM_MYSQL_1X, "source": {"table": "x"}}).encode(), "neither an LSN"),
    ],
)
def test_an_unknown_shape_is_refused_with_the_reason(value: bytes, reason: str) -> None:
    with pytest.raises(UnreadableChangeError, match=reason):
        read_change(value)
