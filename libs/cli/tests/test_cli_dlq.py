"""``townhall dlq`` on a service database holding dead letters (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from townhall.cli.main import app
from townhall.runtime import dead_letters
from townhall.runtime.broker import free_port
from townhall.runtime.db import create_engine, session_factory
from townhall.runtime.settings import KafkaSettings
from townhall.runtime.tables import metadata
from townhall.runtime.testkit.records import envelope_record, note_envelope, raw_record
from townhall.runtime.testkit.topics import read_all

NOON = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


def keep(url: str, group: str, topic: str, reason: str) -> None:
    """Keep one poison note as ``group``'s dead letter in the database at ``url``."""

    async def main() -> None:
        engine = create_engine(url)
        async with engine.begin() as connection:
            await connection.run_sync(metadata.create_all)
        envelope = note_envelope("r", -1)
        async with session_factory(engine).begin() as session:
            await dead_letters.keep(
                session,
                group=group,
                record=envelope_record(envelope, topic=topic),
                reason=reason,
                event_id=envelope.id,
                at=NOON,
            )
        await engine.dispose()

    asyncio.run(main())


def waiting(url: str) -> list[dead_letters.DeadLetter]:
    async def main() -> list[dead_letters.DeadLetter]:
        engine = create_engine(url)
        async with session_factory(engine)() as session:
            found = await dead_letters.waiting(session)
        await engine.dispose()
        return found

    return asyncio.run(main())


@pytest.fixture
def cases_db(database_url: str) -> str:
    keep(database_url, "resident-view", "cases.events", "PoisonMessageError: first")
    keep(database_url, "resident-view", "cases.events", "PoisonMessageError: latest")
    keep(database_url, "notifications", "cases.events", "ValidationError: n")
    return database_url


def dlq(args: list[str], database: str, tmp_path: Path, bootstrap: str | None = None) -> Result:
    """Run ``townhall dlq`` with cases' database at ``database``, the other services'
    SQLite files missing under ``tmp_path``, and a broker that is not there unless given."""
    env = {
        "TOWNHALL_VAR_DIR": str(tmp_path / "var"),
        "DATABASE_URL": "",
        "CASES_DATABASE_URL": database,
        "KAFKA_BOOTSTRAP_SERVERS": bootstrap or f"127.0.0.1:{free_port()}",
        "COLUMNS": "200",
    }
    return CliRunner().invoke(app, ["dlq", *args], env=env, terminal_width=200)


def test_dead_letters_are_listed_per_service_and_group_with_the_latest_reason(
    cases_db: str, tmp_path: Path
) -> None:
    result = dlq([], cases_db, tmp_path)
    assert result.exit_code == 0, result.output
    rows = [line for line in result.output.splitlines() if "cases" in line]
    assert len(rows) == 2
    assert "notifications" in rows[0] and "ValidationError: n" in rows[0]
    assert "resident-view" in rows[1] and " 2 " in rows[1] and "cases:2" in rows[1]
    assert "PoisonMessageError: latest" in rows[1]
    assert not (tmp_path / "var").exists(), "no database was created for the others"


def test_no_dead_letters_anywhere_says_so(tmp_path: Path) -> None:
    result = dlq([], f"sqlite+aiosqlite:///{tmp_path / 'none.db'}", tmp_path)
    assert result.exit_code == 0, result.output
    assert "No dead letters." in result.output


def test_show_prints_one_dead_letter_with_its_headers_and_value(
    cases_db: str, tmp_path: Path
) -> None:
    result = dlq(["show", "cases:3"], cases_db, tmp_path)
    assert result.exit_code == 0, result.output
    assert "notifications" in result.output
    assert "ValidationError: n" in result.output
    assert "header ce_type: townhall.probe.noted.v1" in result.output
    assert '"n":-1' in result.output.replace(" ", "")
    assert dlq(["show", "3"], cases_db, tmp_path).output == result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["show", "cases:99"], "no dead letter cases:99"),
        (["show", "identity:1"], "no dead letter identity:1"),
        (["show", "twelve"], "is not a dead letter"),
        (["replay", "cases:1", "cases:99"], "no dead letter cases:99"),
        (["replay", "--all", "--group", "nobody"], "no consumer group 'nobody'"),
        (["replay"], "name dead letters, or give --all"),
        (["replay", "cases:1", "--group", "resident-view"], "name dead letters, or give --all"),
    ],
)
def test_a_request_naming_nothing_known_is_refused_and_changes_nothing(
    cases_db: str, tmp_path: Path, args: list[str], message: str
) -> None:
    result = dlq(args, cases_db, tmp_path)
    assert result.exit_code == 2, result.output
    assert message in " ".join(result.output.split())
    assert [letter.id for letter in waiting(cases_db)] == [1, 2, 3]


def test_replaying_a_group_puts_its_dead_letters_back_once(
    database_url: str, tmp_path: Path, kafka_settings: KafkaSettings, topic: str
) -> None:
    keep(database_url, "resident-view", topic, "PoisonMessageError: one")
    keep(database_url, "resident-view", topic, "PoisonMessageError: two")
    keep(database_url, "notifications", topic, "ValidationError: n")
    bootstrap = kafka_settings.bootstrap_servers

    result = dlq(["replay", "--all", "--group", "resident-view"], database_url, tmp_path, bootstrap)
    assert result.exit_code == 0, result.output
    assert "replayed cases:1" in result.output and "replayed cases:2" in result.output
    again = dlq(["replay", "--all", "--group", "resident-view"], database_url, tmp_path, bootstrap)
    assert "Nothing to replay." in again.output
    refused = dlq(["replay", "cases:1"], database_url, tmp_path, bootstrap)
    assert refused.exit_code == 2 and "replayed already: cases:1" in refused.output

    records = asyncio.run(read_all(kafka_settings, topic, at_least=2, timeout_s=5))
    assert sorted(dict(r.headers)[dead_letters.REPLAY_HEADER] for r in records) == [b"1", b"2"]
    assert [letter.consumer_group for letter in waiting(database_url)] == ["notifications"]


def test_status_counts_the_dead_letters_kept_in_the_services_databases(
    cases_db: str, tmp_path: Path
) -> None:
    env = {
        "TOWNHALL_VAR_DIR": str(tmp_path / "var"),
        "DATABASE_URL": "",
        "CASES_DATABASE_URL": cases_db,
        "KAFKA_PORT": str(free_port()),
    }
    env |= {f"{name}_PORT": str(free_port()) for name in ("WEB", "IDENTITY", "CASES")}
    result = CliRunner().invoke(app, ["status", "--json", "--timeout", "0.5"], env=env)
    document = json.loads(result.stdout)
    assert document["services"]["cases"]["dead_letters"] == 3
    assert document["services"]["identity"]["dead_letters"] is None


def test_a_record_that_was_no_event_can_be_shown(database_url: str, tmp_path: Path) -> None:
    async def main() -> None:
        engine = create_engine(database_url)
        async with engine.begin() as connection:
            await connection.run_sync(metadata.create_all)
        async with session_factory(engine).begin() as session:
            record = raw_record(b"\xff\xfe", headers=[("x-origin", b"legacy")])
            await dead_letters.keep(
                session, group="g", record=record, reason="not json", event_id=None, at=NOON
            )
        await engine.dispose()

    asyncio.run(main())
    result = dlq(["show", "cases:1"], database_url, tmp_path)
    assert result.exit_code == 0, result.output
    assert "not UTF-8" in result.output and "header x-origin: legacy" in result.output
