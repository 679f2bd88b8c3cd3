"""The connectors' configuration is checked before anything starts, and a connector that
fails is shown failing and started again, never taking the others down."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from townhall.connectors.__main__ import main
from townhall.connectors.config import MySQLConnector, PostgresConnector, load_config
from townhall.connectors.mapping import MappingError
from townhall.connectors.runner import supervise
from townhall.connectors.status import Status

GOOD = """
offsets: var/offsets.db
connectors:
  - {kind: mysql, system: counciltax, user: cdc, database: ct, tables: [accounts]}
  - {kind: postgresql, system: waste, dsn: "dbname=waste", schema: legacy, tables: [bins]}
"""


def written(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "connectors.yaml"
    path.write_text(text)
    return path


def test_a_configuration_names_each_source_by_kind(tmp_path: Path) -> None:
    config = load_config(written(tmp_path, GOOD))
    mysql, postgres = config.connectors
    assert isinstance(mysql, MySQLConnector) and mysql.port == 3306
    assert isinstance(postgres, PostgresConnector) and postgres.schema_name == "legacy"


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (("kind: mysql", "kind: oracle"), "connectors.0"),
        (("tables: [accounts]", "tables: []"), "connectors.0.mysql.tables"),
        (("system: waste", "system: Waste Services"), "connectors.1.postgresql.system"),
    ],
)
def test_a_bad_configuration_is_refused_naming_file_and_field(
    tmp_path: Path, change: tuple[str, str], where: str
) -> None:
    path = written(tmp_path, GOOD.replace(*change))
    with pytest.raises(MappingError) as refused:
        load_config(path)
    assert str(refused.value).startswith(f"{path}: {where}")


def test_the_entrypoint_refuses_a_bad_configuration_before_starting(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--config", str(written(tmp_path, "connectors: []"))]) == 2
    assert "refused:" in capsys.readouterr().err


class Flaky:
    """Fails twice, then runs until stopped."""

    name = "flaky"

    def __init__(self) -> None:
        self.status = Status()
        self.runs = 0

    def run(self, stop: threading.Event) -> None:
        self.runs += 1
        if self.runs <= 2:
            raise ConnectionError("the legacy database went away")
        stop.set()

    def report(self) -> None:
        pass


def test_a_failing_connector_is_shown_failing_and_started_again() -> None:
    stop = threading.Event()
    flaky = Flaky()
    supervise(flaky, stop, backoff=lambda failures: 0.0)
    assert flaky.runs == 3
    assert flaky.status.last_error == "ConnectionError: the legacy database went away"
