"""Write the event contracts out as JSON Schema and AsyncAPI, and check them.

    python -m townhall.schemas.export          # (re)write schemas/jsonschema/ and asyncapi.yaml
    python -m townhall.schemas.export --check  # write nothing; exit 1 if anything is out of date

Checked-in event schemas are contracts: the exporter refuses to overwrite one with an
incompatible schema (see townhall.schemas.compat) or to drop one whose type left the
registry. A breaking change is a new version of the type (``....v2``), never an edit.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from townhall.schemas import asyncapi
from townhall.schemas.compat import breaking_changes
from townhall.schemas.envelope import Envelope
from townhall.schemas.events.base import DomainEvent
from townhall.schemas.registry import EVENT_TYPES
from townhall.schemas.topics import DOMAIN_TOPICS, topic_for_source

SCHEMA_BASE_URL = "https://townhall.example/schemas/"
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
JSONSCHEMA_DIR = Path("schemas/jsonschema")
ASYNCAPI_FILE = Path("schemas/asyncapi.yaml")
ENVELOPE_FILE = JSONSCHEMA_DIR / "envelope.json"
_SOURCE = re.compile(r"^/townhall/(?P<service>[a-z][a-z0-9_-]*)$")
_VERSION = re.compile(r"\.v(?P<number>[0-9]+)$")

Events = Mapping[str, type[DomainEvent]]


class ExportError(ValueError):
    """An event model cannot be exported (its SOURCE names no producing service)."""


def repo_root() -> Path:
    """The directory holding ``schemas/`` (this package's project)."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "schemas" / "pyproject.toml").is_file():
            return parent
    raise RuntimeError(f"no schemas/pyproject.toml above {here}")


def service_of(model: type[DomainEvent]) -> str:
    """The producing service named by the model's SOURCE, ``/townhall/<service>``."""
    match = _SOURCE.match(model.SOURCE)
    if match is None or match["service"] not in DOMAIN_TOPICS:
        raise ExportError(
            f"{model.TYPE}: SOURCE {model.SOURCE!r} must be /townhall/<service> for a service "
            f"in townhall.schemas.topics.DOMAIN_TOPICS ({', '.join(sorted(DOMAIN_TOPICS))})"
        )
    return match["service"]


def event_metadata(model: type[DomainEvent]) -> dict[str, str]:
    """The ``x-townhall`` block: how events of this type are enveloped and routed."""
    return {
        "domain": model.DOMAIN,
        "sensitivity": model.SENSITIVITY.value,
        "source": model.SOURCE,
        "summary": model.SUMMARY,
        "topic": topic_for_source(service_of(model)),
        "type": model.TYPE,
    }


def event_schema(model: type[DomainEvent]) -> dict[str, Any]:
    """The JSON Schema of one event type's ``data`` payload."""
    schema = model.model_json_schema()
    schema["$schema"] = JSON_SCHEMA_DIALECT
    schema["$id"] = f"{SCHEMA_BASE_URL}{model.TYPE}.json"
    schema["title"] = model.TYPE
    schema["x-townhall"] = event_metadata(model)
    return schema


def envelope_schema() -> dict[str, Any]:
    schema = Envelope.model_json_schema()
    schema["$schema"] = JSON_SCHEMA_DIALECT
    schema["$id"] = f"{SCHEMA_BASE_URL}envelope.json"
    return schema


def render_json(document: Mapping[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def render_yaml(document: Mapping[str, Any]) -> str:
    text = yaml.safe_dump(
        dict(document), sort_keys=True, allow_unicode=True, default_flow_style=False, width=100
    )
    return text if text.endswith("\n") else text + "\n"


def schema_file(event_type: str) -> Path:
    return JSONSCHEMA_DIR / f"{event_type}.json"


def render(events: Events = EVENT_TYPES) -> dict[Path, str]:
    """Every generated file, by path relative to the repository root, with its text."""
    files = {schema_file(t): render_json(event_schema(m)) for t, m in sorted(events.items())}
    files[ENVELOPE_FILE] = render_json(envelope_schema())
    metadata = {t: event_metadata(m) for t, m in events.items()}
    document = asyncapi.document(events, metadata, envelope_schema(), JSONSCHEMA_DIR.name)
    files[ASYNCAPI_FILE] = render_yaml(document)
    return files


@dataclass(frozen=True)
class Plan:
    """What an export would write under ``root``, and what forbids writing it."""

    root: Path
    files: dict[Path, str]
    errors: list[str]

    def outdated(self) -> list[str]:
        """Generated files that are missing or differ from what is checked in."""
        found: list[str] = []
        for relative, text in self.files.items():
            path = self.root / relative
            if not path.is_file():
                found.append(f"missing: {relative}")
            elif path.read_text(encoding="utf-8") != text:
                found.append(f"stale: {relative}")
        return found


def plan(root: Path, events: Events = EVENT_TYPES) -> Plan:
    files = render(events)
    errors = _vanished(root, events)
    for event_type in sorted(events):
        errors += _incompatible(root, event_type, files[schema_file(event_type)])
    return Plan(root, files, errors)


def check(root: Path, events: Events = EVENT_TYPES) -> list[str]:
    """Everything wrong with the checked-in files under ``root``; writes nothing."""
    current = plan(root, events)
    return current.errors + current.outdated()


def write(root: Path, events: Events = EVENT_TYPES) -> tuple[list[Path], list[str]]:
    """Write every out-of-date file; returns (written, errors). Errors write nothing."""
    current = plan(root, events)
    if current.errors:
        return [], current.errors
    written: list[Path] = []
    for relative, text in current.files.items():
        path = root / relative
        if path.is_file() and path.read_text(encoding="utf-8") == text:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
        written.append(relative)
    return written, []


def next_version(event_type: str) -> str:
    """``a.b.v1`` -> ``a.b.v2``."""
    return _VERSION.sub(lambda m: f".v{int(m['number']) + 1}", event_type)


def _incompatible(root: Path, event_type: str, text: str) -> list[str]:
    path = root / schema_file(event_type)
    if not path.is_file():
        return []
    try:
        old = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        return [f"{event_type}: {schema_file(event_type)} is not valid JSON ({error})"]
    new = json.loads(text)
    changes = breaking_changes(old, new) + _moved(old.get("x-townhall", {}), new["x-townhall"])
    if not changes:
        return []
    listed = "".join(f"\n  - {change}" for change in changes)
    return [
        f"{event_type}: incompatible with the checked-in {schema_file(event_type)}:{listed}\n"
        f"  publish a new version ({next_version(event_type)}) instead"
    ]


def _moved(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """Routing changes break consumers as surely as payload changes do."""
    return [
        f"{key} changed from {old[key]!r} to {new[key]!r}"
        for key in ("source", "topic")
        if key in old and old[key] != new[key]
    ]


def _vanished(root: Path, events: Events) -> list[str]:
    directory = root / JSONSCHEMA_DIR
    if not directory.is_dir():
        return []
    checked_in = {p.name.removesuffix(".json") for p in directory.glob("*.json")}
    checked_in.discard(ENVELOPE_FILE.stem)
    return [
        f"{event_type}: {schema_file(event_type)} is checked in but the type is no longer "
        "registered; event versions are never deleted: restore its model"
        for event_type in sorted(checked_in - set(events))
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m townhall.schemas.export",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--check", action="store_true", help="write nothing; fail if out of date")
    parser.add_argument(
        "--root", type=Path, default=None, help="repository root (default: this one)"
    )
    args = parser.parse_args(argv)
    root: Path = args.root or repo_root()
    try:
        return _check(root) if args.check else _write(root)
    except ExportError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


def _check(root: Path) -> int:
    problems = check(root)
    for problem in problems:
        print(problem, file=sys.stderr)
    if any(p.startswith(("stale:", "missing:")) for p in problems):
        print("run: python -m townhall.schemas.export", file=sys.stderr)
    if problems:
        return 1
    print("event schemas and asyncapi.yaml are up to date")
    return 0


def _write(root: Path) -> int:
    written, errors = write(root)
    for error in errors:
        print(f"refusing to write: {error}", file=sys.stderr)
    if errors:
        return 1
    for relative in written:
        print(f"wrote {relative}")
    if not written:
        print("nothing to write: everything is up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
