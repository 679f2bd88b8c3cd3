"""pytest plugin: one platform of real processes for the end-to-end tests that can share
it, and the platform's logs beside any failure of a test that ran one.

Loaded from the repository's root ``conftest.py``. Starting every service takes half a
minute or more on a small machine, and most end-to-end tests need only the platform
`make run` starts, with residents of their own in it. Those take ``demo_platform``:
started once per test session, on the one worker that runs the tests that start
processes (see :mod:`townhall.runtime.testkit.markers`), and stopped at its end. A test
that stops a service, needs other settings or needs the demo legacy systems starts its
own platform through the ``processes`` fixture.
"""

from __future__ import annotations

import json
from collections.abc import Generator, Iterator

import pytest

from townhall.cli.launcher import Platform
from townhall.cli.services import SERVICES
from townhall.runtime.broker import free_port
from townhall.runtime.testkit.fixtures import Processes

#: The key an Open311 client (FixMyStreet, in the tests) posts requests with.
OPEN311_API_KEY = "fixmystreet-test-key-0123456789abcdef"
#: What the shared platform adds to `make run`'s settings.
SHARED_ENV = {
    # the demo legacy databases stay off (their own test is test_e2e_legacy_history)
    "LEGACY_DEMO_ENABLED": "0",
    # web's sessions in its database, as replicas would share them
    "WEB_SESSION_STORE": "database",
    "OPEN311_API_KEYS": json.dumps([OPEN311_API_KEY]),
}


@pytest.fixture(scope="session")
def demo_platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    """Every service, as `make run` starts them on the embedded broker, for the session.

    Tests sharing it must not depend on being alone in it: each makes its own residents
    and requests and looks only at those."""
    services = tuple(SERVICES)
    platform = Platform(
        var_dir=tmp_path_factory.mktemp("demo-platform") / "var",
        services=services,
        ports={name: free_port() for name in (*services, "broker")},
        extra_env=SHARED_ENV,
    )
    platform.start()
    try:
        yield platform
    finally:
        platform.stop()


#: The mark of a test that leaves the shared platform untidy (the API fuzzer): it runs
#: after every other test that shares the platform.
LAST = "last_on_demo_platform"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", f"{LAST}: leaves the shared platform untidy; runs after the others on it"
    )


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The tests sharing the platform run last, together (so it is never idle beside
    another test's platform, and starts once they begin), the untidy ones at the end."""

    def order(item: pytest.Item) -> int:
        if "demo_platform" not in getattr(item, "fixturenames", ()):
            return 0
        return 2 if item.get_closest_marker(LAST) else 1

    items.sort(key=order)  # stable: file order within each


def _platforms(item: pytest.Item) -> Iterator[Platform]:
    for value in getattr(item, "funcargs", {}).values():
        if isinstance(value, Platform):
            yield value
        elif isinstance(value, Processes):
            yield from (p for p in value.started if isinstance(p, Platform))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """A failed test that ran a platform reports the last lines of each process's log:
    on CI they are all there is to tell a slow service from a broken one."""
    report: pytest.TestReport = yield
    if report.failed:
        seen: set[int] = set()
        for platform in _platforms(item):
            if id(platform) not in seen:
                seen.add(id(platform))
                report.sections.append((f"platform logs ({platform.log_dir})", platform.tails()))
    return report
