"""`python -m townhall.resident_view [serve|project|rebuild]`.

``serve``: the timeline API and the live projection. ``project``: the projection only
(health and metrics on PORT), one more process sharing the partitions. ``rebuild``:
a new generation from the beginning of the topics, swapped in when it has caught up.
"""

from __future__ import annotations

import asyncio
import sys

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

from townhall.resident_view.config import ResidentViewSettings
from townhall.resident_view.entrypoints.api.app import create
from townhall.resident_view.projection.rebuild import rebuild
from townhall.runtime.service import serve

USAGE = "usage: python -m townhall.resident_view [serve|project|rebuild]"


def run_rebuild(settings: ResidentViewSettings) -> None:
    columns = (*Progress.get_default_columns()[:1], BarColumn(), MofNCompleteColumn())
    with Progress(*columns, TimeRemainingColumn()) as bar:
        task = bar.add_task("rebuilding the timeline", total=None)

        def show(done: int, available: int) -> None:
            bar.update(task, completed=done, total=available)

        result = asyncio.run(rebuild(settings, show))
    print(f"generation {result.generation.number} is active: {result.events} events projected")


def main(argv: list[str]) -> int:
    settings = ResidentViewSettings()
    command = argv[1] if len(argv) > 1 else "serve"
    if command == "serve":
        serve(create(settings), settings)
    elif command == "project":
        serve(create(settings, api=False), settings)
    elif command == "rebuild":
        run_rebuild(settings)
    else:
        print(USAGE, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
