"""The exported JSON Schema and AsyncAPI files, and the exporter's refusals."""

from __future__ import annotations

import json
from pathlib import Path
from typing import ClassVar
from uuid import UUID

import pytest
import yaml

from townhall.schemas.events.base import DomainEvent
from townhall.schemas.export import (
    ASYNCAPI_FILE,
    ENVELOPE_FILE,
    check,
    main,
    render,
    repo_root,
    schema_file,
    write,
)
from townhall.schemas.registry import EVENT_TYPES
from townhall.schemas.topics import DOMAIN_TOPICS

PROBE = "townhall.identity.probe.v1"
OTHER = "townhall.identity.other_probe.v1"


class Probe(DomainEvent):
    TYPE: ClassVar[str] = PROBE
    SOURCE: ClassVar[str] = "/townhall/identity"
    DOMAIN: ClassVar[str] = "identity"

    resident_id: UUID
    reason: str


class ProbeWithoutReason(DomainEvent):
    """The same version with a required field dropped: a breaking edit."""

    TYPE: ClassVar[str] = PROBE
    SOURCE: ClassVar[str] = "/townhall/identity"
    DOMAIN: ClassVar[str] = "identity"

    resident_id: UUID


class ProbeWithNote(Probe):
    note: str | None = None


class OtherProbe(DomainEvent):
    TYPE: ClassVar[str] = OTHER
    SOURCE: ClassVar[str] = "/townhall/identity"
    DOMAIN: ClassVar[str] = "identity"

    resident_id: UUID


def test_checked_in_files_are_up_to_date_with_the_models() -> None:
    assert check(repo_root()) == [], "run: uv run python -m townhall.schemas.export"


def test_every_registered_event_type_has_a_schema_file() -> None:
    root = repo_root()
    for event_type, model in EVENT_TYPES.items():
        schema = json.loads((root / schema_file(event_type)).read_text(encoding="utf-8"))
        assert schema["$id"] == f"https://townhall.example/schemas/{event_type}.json"
        assert schema["title"] == event_type
        assert schema["x-townhall"]["source"] == model.SOURCE
        assert schema["x-townhall"]["topic"] in DOMAIN_TOPICS.values()


def test_the_envelope_schema_is_checked_in() -> None:
    schema = json.loads((repo_root() / ENVELOPE_FILE).read_text(encoding="utf-8"))
    assert schema["title"] == "Envelope"
    assert "ce_" not in json.dumps(schema)  # attributes, not headers


def test_export_is_deterministic_and_ends_with_a_newline() -> None:
    first, second = render(), render()
    assert first == second
    assert all(text.endswith("\n") and not text.endswith("\n\n") for text in first.values())


def test_a_second_export_writes_nothing(tmp_path: Path) -> None:
    assert write(tmp_path, {PROBE: Probe})[1] == []
    assert write(tmp_path, {PROBE: Probe}) == ([], [])


def test_check_lists_missing_files_and_writes_nothing(tmp_path: Path) -> None:
    problems = check(tmp_path, {PROBE: Probe})
    assert f"missing: {schema_file(PROBE)}" in problems
    assert f"missing: {ASYNCAPI_FILE}" in problems
    assert list(tmp_path.iterdir()) == []


def test_check_lists_stale_files(tmp_path: Path) -> None:
    write(tmp_path, {PROBE: Probe})
    (tmp_path / ASYNCAPI_FILE).write_text("asyncapi: 3.0.0\n", encoding="utf-8")
    assert check(tmp_path, {PROBE: Probe}) == [f"stale: {ASYNCAPI_FILE}"]


def test_an_additive_optional_field_is_exported(tmp_path: Path) -> None:
    write(tmp_path, {PROBE: Probe})
    written, errors = write(tmp_path, {PROBE: ProbeWithNote})
    assert errors == []
    assert schema_file(PROBE) in written


def test_the_exporter_refuses_to_overwrite_an_incompatible_schema(tmp_path: Path) -> None:
    write(tmp_path, {PROBE: Probe})
    before = (tmp_path / schema_file(PROBE)).read_text(encoding="utf-8")

    written, errors = write(tmp_path, {PROBE: ProbeWithoutReason})

    assert written == []
    [error] = errors
    assert PROBE in error
    assert "required field 'reason' was removed" in error
    assert "publish a new version (townhall.identity.probe.v2) instead" in error
    assert (tmp_path / schema_file(PROBE)).read_text(encoding="utf-8") == before
    assert any("incompatible" in p for p in check(tmp_path, {PROBE: ProbeWithoutReason}))


def test_a_type_that_left_the_registry_is_an_error(tmp_path: Path) -> None:
    write(tmp_path, {PROBE: Probe, OTHER: OtherProbe})

    written, errors = write(tmp_path, {PROBE: Probe})

    assert written == []
    [error] = errors
    assert OTHER in error
    assert "never deleted" in error
    assert (tmp_path / schema_file(OTHER)).is_file()


def test_the_cli_refuses_an_incompatible_schema_and_names_each_change(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--root", str(tmp_path)]) == 0
    event_type = sorted(EVENT_TYPES)[0]
    path = tmp_path / schema_file(event_type)
    old = json.loads(path.read_text(encoding="utf-8"))
    old["properties"]["legacy_ref"] = {"type": "string"}
    old["required"].append("legacy_ref")
    path.write_text(json.dumps(old), encoding="utf-8")
    capsys.readouterr()

    assert main(["--root", str(tmp_path)]) == 1
    assert main(["--root", str(tmp_path), "--check"]) == 1

    err = capsys.readouterr().err
    assert "required field 'legacy_ref' was removed" in err
    assert "publish a new version" in err
    assert json.loads(path.read_text(encoding="utf-8")) == old


def test_the_asyncapi_document_has_a_channel_for_every_domain_topic() -> None:
    document = yaml.safe_load((repo_root() / ASYNCAPI_FILE).read_text(encoding="utf-8"))
    assert document["asyncapi"] == "3.0.0"
    addresses = {channel["address"] for channel in document["channels"].values()}
    assert set(DOMAIN_TOPICS.values()) <= addresses
    assert "legacy.{system}.{table}" in addresses


def test_every_asyncapi_message_references_its_schema_file_and_ce_headers() -> None:
    root = repo_root()
    document = yaml.safe_load((root / ASYNCAPI_FILE).read_text(encoding="utf-8"))
    messages = document["components"]["messages"]
    assert set(messages) == set(EVENT_TYPES)
    for event_type, message in messages.items():
        assert (root / ASYNCAPI_FILE.parent / message["payload"]["$ref"]).is_file()
        topic = message["x-townhall"]["topic"]
        assert event_type in document["channels"][topic]["messages"]
        assert message["bindings"]["kafka"]["key"]["type"] == "string"
    headers = document["components"]["schemas"]["CloudEventHeaders"]
    assert {"ce_id", "ce_source", "ce_type", "ce_time", "ce_subject"} <= set(headers["required"])
    operations = document["operations"].values()
    assert all(operation["action"] == "send" for operation in operations)
