"""Tests are marked by what they need, read from the fixtures they use, so no mark can lie.

A test gets ``broker`` when its fixtures include the embedded broker, ``postgres`` when
they include the PostgreSQL server or it is the ``postgresql`` parametrisation of a
fixture, ``processes`` when it starts service processes (through the ``processes``
fixture), and later ``browser``. ``make test-fast`` runs the tests with none of them.

Tests that start processes or a browser share one ``xdist_group``, so a parallel run
gives them one worker, one at a time, while the other tests share the rest.

A mark written by hand must agree with the fixtures, or collection fails. A test left
unmarked that starts a process anyway fails, naming the fixture it should take.
"""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Collection, Iterator, Mapping
from typing import Any

import pytest

#: Each mark a test can need, with what it means.
NEEDS = {
    "broker": "needs the embedded Kafka broker (set from the fixtures)",
    "postgres": "needs the PostgreSQL server (set from the fixtures)",
    "processes": "starts service processes (set from the fixtures)",
    "browser": "drives a real browser (set from the fixtures)",
}
#: The fixtures that provide each need; a test needs what its fixture closure includes.
#: ``own_broker`` is the name for a broker of a test's own, wherever a module defines one;
#: ``demo_platform`` is the platform the end-to-end tests share (townhall.cli.shared_platform).
PROVIDERS = {
    "broker": frozenset({"broker", "own_broker"}),
    "postgres": frozenset({"postgres"}),
    "processes": frozenset({"processes", "demo_platform"}),
    "browser": frozenset({"browser"}),
}
#: Tests that start whole platforms or a browser run one at a time, on one worker, when
#: the suite runs in parallel (``pytest -n 2 --dist loadgroup``, as ``make test`` does):
#: two platforms starting at once on a small machine only slow each other down.
HEAVY = frozenset({"processes", "browser"})
HEAVY_GROUP = "processes-and-browser"
#: A fixture parametrised with this value runs its test on PostgreSQL.
POSTGRES_PARAM = "postgresql"


def needs(fixtures: Collection[str], params: Mapping[str, object]) -> set[str]:
    """What a test needs, from its fixture closure and its parameters."""
    found = {need for need, providers in PROVIDERS.items() if providers & set(fixtures)}
    if POSTGRES_PARAM in params.values():
        found.add("postgres")
    return found


def needs_of(item: pytest.Item) -> set[str]:
    fixtures: Collection[str] = getattr(item, "fixturenames", ())
    callspec = getattr(item, "callspec", None)
    params: Mapping[str, object] = callspec.params if callspec is not None else {}
    return needs(fixtures, params)


def pytest_configure(config: pytest.Config) -> None:
    for name, meaning in NEEDS.items():
        config.addinivalue_line("markers", f"{name}: {meaning}")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark each test by what it needs, before xdist reads the ``xdist_group`` marks
    (its worker names a grouped test ``nodeid@group`` in the same hook: run after it,
    the group is never seen and heavy tests run on every worker at once)."""
    wrong = []
    for item in items:
        found = needs_of(item)
        declared = {mark.name for mark in item.iter_markers() if mark.name in NEEDS}
        if declared - found:
            unused = ", ".join(sorted(declared - found))
            wrong.append(f"{item.nodeid} is marked {unused} but uses no fixture that needs it")
        for need in sorted(found - declared):
            item.add_marker(need)
        if found & HEAVY:
            item.add_marker(pytest.mark.xdist_group(HEAVY_GROUP))
    if wrong:
        raise pytest.UsageError("\n".join(["marks that disagree with the fixtures:", *wrong]))


@contextlib.contextmanager
def no_processes(nodeid: str) -> Iterator[None]:
    """Refuse to start a process while ``nodeid`` runs: it is not marked ``processes``."""
    original = subprocess.Popen._execute_child  # type: ignore[attr-defined]

    def refuse(self: subprocess.Popen[Any], args: Any, *rest: Any, **kwargs: Any) -> None:
        raise RuntimeError(
            f"{nodeid} starts a process ({args!r}) without the `processes` fixture: "
            "take it (processes.start(...)) so the test is marked and left out of test-fast"
        )

    subprocess.Popen._execute_child = refuse  # type: ignore[attr-defined]
    try:
        yield
    finally:
        subprocess.Popen._execute_child = original  # type: ignore[attr-defined]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> object:
    if needs_of(item):
        return (yield)
    with no_processes(item.nodeid):
        return (yield)
