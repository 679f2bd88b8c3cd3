"""The restart policy: back off on a crash loop, start over after a stable run."""

from __future__ import annotations

from townhall.cli.supervision import RestartPolicy, Watch

POLICY = RestartPolicy(initial_delay_s=0.5, max_delay_s=4.0, stable_after_s=60.0)


def test_the_delay_doubles_per_consecutive_failure_up_to_the_cap() -> None:
    assert [POLICY.delay(n) for n in range(1, 7)] == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]


def test_a_crash_loop_backs_off() -> None:
    watch = Watch()
    delays = [watch.schedule(POLICY, now=100.0, uptime=1.0) for _ in range(3)]
    assert delays == [0.5, 1.0, 2.0]
    assert watch.restart_at == 102.0


def test_a_crash_after_a_stable_run_restarts_quickly_again() -> None:
    watch = Watch(failures=5)
    assert watch.schedule(POLICY, now=0.0, uptime=600.0) == 0.5
    assert watch.failures == 1


def test_a_restart_is_due_only_once_its_delay_has_passed() -> None:
    watch = Watch()
    watch.schedule(POLICY, now=10.0, uptime=0.0)
    assert not watch.is_due(10.4)
    assert watch.is_due(10.5)
    assert not Watch().is_due(1e9)
