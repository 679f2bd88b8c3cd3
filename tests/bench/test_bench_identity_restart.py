"""The restart bench times what it says: a first start that builds the index, then a
restart that restores the snapshot the first one wrote and catches up the changes."""

from __future__ import annotations

from collections.abc import Callable

from bench_identity import restart


def test_the_restart_step_times_a_build_then_a_restore_beside_the_old_start() -> None:
    ticks: list[str] = []

    def progress(label: str, total: int) -> Callable[[], None]:
        return lambda: ticks.append(label)

    rows = restart.restart(size=1500, progress=progress)
    assert [row.engine for row in rows] == [
        "before issue 12: read, train, index",
        "first start: no snapshot, read and index",
        "restart: stored model, snapshot",
    ]
    assert all(row.seconds > 0 for row in rows)
    assert "faster than before issue 12" in rows[-1].note
    assert len(ticks) == 4, "a tick per batch of residents written and per start"
