"""The test plugin behind the platform the end-to-end tests share: who runs when, and
what a failure shows."""

from __future__ import annotations

import pytest

PLUGIN = ("-p", "townhall.cli.shared_platform", "-p", "no:asyncio", "-p", "no:cacheprovider")


def test_the_tests_sharing_the_platform_run_last_and_the_untidy_one_at_the_very_end(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        test_a_fuzzer="""
        import pytest

        pytestmark = pytest.mark.last_on_demo_platform


        def test_fuzzes(demo_platform):
            pass
        """,
        test_b_journey="""
        def test_a_journey(demo_platform):
            pass


        def test_a_unit():
            pass
        """,
        test_c_more="""
        def test_another_unit():
            pass


        def test_another_journey(demo_platform):
            pass
        """,
    )
    result = pytester.runpytest_inprocess(*PLUGIN, "--collect-only", "-q")
    collected = [line for line in result.outlines if "::" in line]
    assert [line.split("::")[1] for line in collected] == [
        "test_a_unit",
        "test_another_unit",
        "test_a_journey",
        "test_another_journey",
        "test_fuzzes",
    ]


def test_a_failed_test_that_ran_a_platform_shows_each_processs_last_log_lines(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        """
        import pytest

        from townhall.cli.launcher import Platform


        @pytest.fixture
        def platform(tmp_path):
            running = Platform(var_dir=tmp_path / "var", services=["identity"])
            running.log_dir.mkdir(parents=True)
            running.log_file("identity").write_text("started\\ndata key timed out\\n")
            return running


        def test_fails(platform):
            assert False, "the code never came"


        def test_passes(platform):
            pass
        """
    )
    result = pytester.runpytest_inprocess(*PLUGIN)
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        ["*platform logs*", "--- broker (stopped) ---", "--- identity (stopped) ---"]
    )
    result.stdout.fnmatch_lines(["data key timed out"])
    assert result.stdout.str().count("platform logs") == 1, "only the failed test shows them"
