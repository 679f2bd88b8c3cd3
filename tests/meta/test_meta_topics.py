"""Every topic the code produces to, consumes from or dead-letters to is registered.

``townhall.schemas.topics`` is what the platform creates at start and what the AsyncAPI
document describes: a topic missing there is auto-created by the embedded broker with
the wrong shape, and is invisible to anyone reading the contracts. Two looks: each
service's real app is built (on a throwaway SQLite database, never started) and asked
where its outbox writes and what its consumers read and dead-letter to; and the source
is read for topic names that only appear when a service runs (e.g. a projection that
makes its consumer at start).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from townhall.runtime.crypto import encode_key, generate_key
from townhall.runtime.outbox import Outbox
from townhall.runtime.service import ConsumerSpec, ServiceRuntime
from townhall.runtime.testkit.tokens import TestIssuer
from townhall.schemas.topics import LEGACY_TOPIC_PATTERN, all_topics, dlq_topic

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [
    *sorted(ROOT.glob("services/*/src")),
    ROOT / "libs/runtime/src",
    ROOT / "libs/cli/src",
    ROOT / "connectors/src",
    ROOT / "schemas/src",
]
#: What a topic name looks like in code: a service's events or a group's dead letters.
TOPIC_SHAPE = re.compile(r"^[a-z][a-z0-9-]*\.(events|dlq)$|^townhall\.control$")


def registered(name: str) -> bool:
    return name in {spec.name for spec in all_topics()} or bool(LEGACY_TOPIC_PATTERN.match(name))


def unregistered(used: dict[str, set[str]]) -> list[str]:
    return [
        f"{name} (used by {', '.join(sorted(used[name]))})"
        for name in sorted(used)
        if not registered(name)
    ]


# --- the services as built ------------------------------------------------------------


class Recorder:
    """Notes every outbox and consumer a service builds, with the service's name."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.service = ""
        self.used: dict[str, set[str]] = {}
        outbox_init = Outbox.__init__
        make_consumer = ServiceRuntime.make_consumer

        def outbox(box: Outbox, *args: Any, **kwargs: Any) -> None:
            outbox_init(box, *args, **kwargs)
            self.note(box.topic, "produces to")

        def consumer(runtime: ServiceRuntime, spec: ConsumerSpec) -> Any:
            for topic in spec.topics:
                self.note(topic, f"group {spec.group} consumes")
            self.note(
                spec.dead_letter_topic or dlq_topic(spec.group),
                f"group {spec.group} dead-letters to",
            )
            return make_consumer(runtime, spec)

        monkeypatch.setattr(Outbox, "__init__", outbox)
        monkeypatch.setattr(ServiceRuntime, "make_consumer", consumer)

    def note(self, topic: str, how: str) -> None:
        self.used.setdefault(topic, set()).add(f"{self.service} {how}")


def _identity(url: str, tmp_path: Path) -> FastAPI:
    from townhall.identity.config import IdentitySettings
    from townhall.identity.entrypoints.api.app import create

    key = encode_key(generate_key())
    return create(IdentitySettings(database_url=url, identity_key_encryption_key=key))


def _cases(url: str, tmp_path: Path) -> FastAPI:
    from townhall.cases.entrypoints.api.app import create
    from townhall.cases.testing import settings_for

    return create(settings_for(url, TestIssuer(tmp_path), consumers_enabled=True))


def _resident_view(url: str, tmp_path: Path) -> FastAPI:
    from townhall.resident_view.config import ResidentViewSettings
    from townhall.resident_view.entrypoints.api.app import create

    return create(
        ResidentViewSettings(database_url=url, auth_jwks_url=TestIssuer(tmp_path).jwks_url)
    )


def _booking(url: str, tmp_path: Path) -> FastAPI:
    from townhall.booking.config import BookingSettings
    from townhall.booking.entrypoints.api.app import create

    return create(BookingSettings(database_url=url, auth_jwks_url=TestIssuer(tmp_path).jwks_url))


def _payments(url: str, tmp_path: Path) -> FastAPI:
    from townhall.payments.config import PaymentsSettings
    from townhall.payments.entrypoints.api.app import create

    return create(PaymentsSettings(database_url=url, auth_jwks_url=TestIssuer(tmp_path).jwks_url))


def _notifications(url: str, tmp_path: Path) -> FastAPI:
    from townhall.notifications.config import NotificationsSettings
    from townhall.notifications.entrypoints.api.app import create

    return create(
        NotificationsSettings(database_url=url, auth_jwks_url=TestIssuer(tmp_path).jwks_url)
    )


def _legacy_mapper(url: str, tmp_path: Path) -> FastAPI:
    from townhall.connectors.mapper.service import MapperSettings, create

    class NoIdentity:
        async def match(self, body: dict[str, Any]) -> Any:
            raise AssertionError("never started")

        async def decision(self, review_id: Any) -> Any:
            raise AssertionError("never started")

    return create(MapperSettings(database_url=url), matcher=NoIdentity())


SERVICES: dict[str, Callable[[str, Path], FastAPI]] = {
    "identity": _identity,
    "cases": _cases,
    "resident-view": _resident_view,
    "booking": _booking,
    "payments": _payments,
    "notifications": _notifications,
    "legacy mapper": _legacy_mapper,
}


def test_every_topic_a_service_is_built_to_use_is_registered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    recorder = Recorder(monkeypatch)
    for service, build in SERVICES.items():
        recorder.service = service
        build(f"sqlite+aiosqlite:///{tmp_path / service}.db", tmp_path)
    assert recorder.used, "no service was seen producing or consuming anything"
    missing = unregistered(recorder.used)
    assert not missing, f"not in townhall.schemas.topics: {'; '.join(missing)}"


# --- the source -----------------------------------------------------------------------


def _modules() -> Iterator[tuple[str, ast.Module]]:
    for source in SOURCES:
        for path in sorted(source.rglob("*.py")):
            if "testkit" not in path.parts:
                yield str(path.relative_to(ROOT)), ast.parse(path.read_text(), str(path))


def _constants(module: ast.Module) -> dict[str, str]:
    """Module-level ``NAME = "text"`` assignments."""
    found = {}
    for node in module.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
            for target in node.targets:
                if isinstance(target, ast.Name) and isinstance(node.value.value, str):
                    found[target.id] = node.value.value
    return found


def _text(node: ast.expr | None, constants: dict[str, str]) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Name):
        return constants.get(node.id)
    return None


def _called(node: ast.Call) -> str:
    func = node.func
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")


def _argument(node: ast.Call, keyword: str) -> ast.expr | None:
    named = [k.value for k in node.keywords if k.arg == keyword]
    return named[0] if named else (node.args[0] if node.args else None)


def topics_in_source(path: str, module: ast.Module) -> Iterator[tuple[str, str]]:
    """(topic, where) for every topic name a module spells out or derives from a group."""
    constants = _constants(module)
    for node in ast.walk(module):
        where = f"{path}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if TOPIC_SHAPE.match(node.value):
                yield node.value, where
        elif isinstance(node, ast.Call) and _called(node) == "dlq_topic":
            group = _text(_argument(node, "group"), constants)
            if group:
                yield dlq_topic(group), where
        elif isinstance(node, ast.Call) and _called(node) == "ConsumerSpec":
            dead_letters = [k for k in node.keywords if k.arg == "dead_letter_topic"]
            group = _text(_argument(node, "group"), constants)
            if group and not dead_letters:
                yield dlq_topic(group), where


def test_every_topic_named_in_the_source_is_registered() -> None:
    used: dict[str, set[str]] = {}
    for path, module in _modules():
        for topic, where in topics_in_source(path, module):
            used.setdefault(topic, set()).add(where)
    assert "identity.events" in used, "the scan finds topic names at all"
    missing = unregistered(used)
    assert not missing, f"not in townhall.schemas.topics: {'; '.join(missing)}"


def test_a_consumer_group_is_read_as_its_dead_letter_topic() -> None:
    module = ast.parse('GROUP = "audit"\nspec = ConsumerSpec(GROUP, ["x.events"], handler)\n')
    assert sorted(topics_in_source("m.py", module)) == [
        ("audit.dlq", "m.py:2"),
        ("x.events", "m.py:2"),
    ]
