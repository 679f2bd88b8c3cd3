"""Tests are marked by the fixtures they take, so a mark cannot say what a test does not do."""

from __future__ import annotations

import pytest

from townhall.runtime.testkit.markers import needs

PLUGIN = ("-p", "townhall.runtime.testkit.markers", "-p", "no:asyncio")

SUITE = """
import pytest


@pytest.fixture(scope="session")
def broker():
    return "a broker"


@pytest.fixture
def kafka_settings(broker):
    return broker


@pytest.fixture(scope="session")
def postgres():
    return "a server"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request):
    return request.param


@pytest.fixture
def processes():
    return "a launcher"


@pytest.fixture
def platform(processes, kafka_settings):
    return processes


def test_a_unit():
    pass


def test_through_kafka(kafka_settings):
    pass


def test_on_each_database(database_url):
    pass


def test_on_the_server(postgres):
    pass


def test_a_journey(platform):
    pass
"""


def _marks(pytester: pytest.Pytester) -> dict[str, set[str]]:
    items, _ = pytester.inline_genitems(*PLUGIN)
    kinds = {"broker", "postgres", "processes", "browser"}
    return {item.name: {m.name for m in item.iter_markers()} & kinds for item in items}


def test_a_test_needs_what_its_fixture_closure_includes() -> None:
    assert needs({"tmp_path"}, {}) == set()
    assert needs({"kafka_settings", "broker"}, {}) == {"broker"}
    assert needs({"own_broker"}, {}) == {"broker"}
    assert needs({"processes", "broker"}, {}) == {"processes", "broker"}


def test_only_the_postgresql_run_of_a_parametrised_database_needs_postgres() -> None:
    assert needs({"database_url"}, {"database_url": "sqlite"}) == set()
    assert needs({"database_url"}, {"database_url": "postgresql"}) == {"postgres"}


def test_marks_follow_the_fixtures_through_fixtures_that_use_them(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(SUITE)
    assert _marks(pytester) == {
        "test_a_unit": set(),
        "test_through_kafka": {"broker"},
        "test_on_each_database[sqlite]": set(),
        "test_on_each_database[postgresql]": {"postgres"},
        "test_on_the_server": {"postgres"},
        "test_a_journey": {"processes", "broker"},
    }


def test_a_hand_written_mark_the_fixtures_do_not_bear_out_fails_collection(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.broker
        def test_claims_a_broker():
            pass
        """
    )
    result = pytester.runpytest(*PLUGIN, "--collect-only")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*test_claims_a_broker is marked broker but uses no fixture*"])


def test_a_test_that_starts_a_process_without_the_fixture_fails_naming_it(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        """
        import subprocess

        def test_sneaks_a_process():
            subprocess.run(["true"], check=True)
        """
    )
    result = pytester.runpytest(*PLUGIN)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*starts a process*without the `processes` fixture*"])


HEAVY_SUITE = """
import os
from pathlib import Path

import pytest


@pytest.fixture
def processes():
    return "a launcher"


def _note(kind):
    Path(os.environ["WORKERS_SEEN"], f"{kind}-{os.environ['PYTEST_XDIST_WORKER']}").touch()


@pytest.mark.parametrize("n", range(6))
def test_starts_a_platform(processes, n):
    _note("heavy")


@pytest.mark.parametrize("n", range(6))
def test_a_unit(n):
    pass
"""


def test_under_xdist_the_tests_that_start_processes_all_run_on_one_worker(
    pytester: pytest.Pytester, processes: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`make test`'s `-n 2 --dist loadgroup` keeps platforms one at a time only if xdist
    sees the group: with pytest 9.2 and xdist 3.8 it silently did not (xdist#1386)."""
    seen = pytester.mkdir("seen")
    monkeypatch.setenv("WORKERS_SEEN", str(seen))
    pytester.makepyfile(HEAVY_SUITE)
    result = pytester.runpytest_subprocess(*PLUGIN, "-n", "2", "--dist", "loadgroup")
    result.assert_outcomes(passed=12)
    heavy = {p.name for p in seen.iterdir() if p.name.startswith("heavy-")}
    assert len(heavy) == 1, f"tests that start processes ran on {sorted(heavy)}"
