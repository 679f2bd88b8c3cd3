"""Prints figures as ratios of the baseline measured in the same run, with bars."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

from rich.console import Console
from rich.table import Table

from bench.costs import Stage
from bench.latency import Latency
from bench.reads import ReadLatency


@dataclass
class Report:
    console: Console
    base: tuple[str, float] | None = None
    base_runs: list[float] = field(default_factory=list)
    rates: list[tuple[str, float]] = field(default_factory=list)
    latencies: list[tuple[str, Latency]] = field(default_factory=list)
    read_latencies: list[tuple[str, ReadLatency]] = field(default_factory=list)
    costs: list[Stage] = field(default_factory=list)

    def baseline(self, name: str, runs: list[float]) -> None:
        """The baseline is the median of ``runs``; the others are shown beside it."""
        self.base = (name, statistics.median(runs))
        self.base_runs = sorted(runs)

    def rate(self, name: str, per_second: float) -> None:
        self.rates.append((name, per_second))

    def stages(self, costs: list[Stage]) -> None:
        self.costs = costs

    def reads(self, name: str, measured: ReadLatency) -> None:
        self.read_latencies.append((name, measured))

    def latency(self, name: str, measured: Latency) -> None:
        self.latencies.append((name, measured))

    def show(self) -> None:
        assert self.base is not None, "no baseline measured"
        base_name, base_rate = self.base
        runs = ", ".join(f"{r:,.0f}" for r in self.base_runs)
        table = _table(
            f"Throughput, as a share of the baseline ({base_name})",
            f"baseline runs: {runs} events/s; goal: projection ≥ 25%",
            ("what", "events/s", "ratio"),
        )
        for name, rate in [self.base, *self.rates]:
            ratio = rate / base_rate
            bar = "█" * max(1, round(ratio * 40))
            table.add_row(name, f"{rate:,.0f}", f"{ratio:.1%}", bar)
        self.console.print(table)
        if self.costs:
            self.console.print(self._costs_table(base_rate))
        if self.latencies:
            self.console.print(self._latency_table())
        if self.read_latencies:
            self.console.print(self._reads_table())

    def _latency_table(self) -> Table:
        table = _table(
            "End-to-end latency: outbox commit → visible in resident-view",
            "█ up to p50, ░ from p50 to p99; goal p99 < 100 ms",
            ("what", "offered/s", "p50 ms", "p99 ms", "max ms"),
        )
        scale = 40 / max(m.p99_ms for _, m in self.latencies)
        for name, m in self.latencies:
            bar = _spread(m.p50_ms, m.p99_ms, scale)
            table.add_row(
                name,
                f"{m.offered_per_s:.0f}",
                f"{m.p50_ms:.1f}",
                f"{m.p99_ms:.1f}",
                f"{m.max_ms:.0f}",
                bar,
            )
        return table

    def _reads_table(self) -> Table:
        table = _table(
            "Timeline read through the API (token, policy in SQL, audit write)",
            "request: █ up to p50, ░ to p99; query: the page's SQL alone; goal p99 < 10 ms",
            ("what", "store", "resident's", "shown", "p50 ms", "p99 ms", "query p50", "p99"),
        )
        scale = 40 / max(m.p99_ms for _, m in self.read_latencies)
        for name, m in self.read_latencies:
            bar = _spread(m.p50_ms, m.p99_ms, scale)
            table.add_row(
                name,
                f"{m.store:,}",
                f"{m.mine:,}",
                str(m.visible),
                f"{m.p50_ms:.1f}",
                f"{m.p99_ms:.1f}",
                f"{m.query_p50_ms:.1f}",
                f"{m.query_p99_ms:.1f}",
                bar,
            )
        return table

    def _costs_table(self, base_rate: float) -> Table:
        total = sum(stage.us_per_event for stage in self.costs)
        ceiling = 1e6 / total
        table = _table(
            "Where the projection's time goes (each stage alone, µs per event)",
            f"sum {total:.0f} µs: {ceiling:,.0f} events/s, {ceiling / base_rate:.1%} of the "
            "baseline, before the database thread overlaps the rest",
            ("stage", "µs/event", "share"),
        )
        for stage in self.costs:
            share = stage.us_per_event / total
            table.add_row(
                stage.name, f"{stage.us_per_event:.1f}", f"{share:.0%}", "█" * round(share * 40)
            )
        return table


def _table(title: str, caption: str, columns: tuple[str, ...]) -> Table:
    """A table whose first column names the row, the figures in between are right-aligned
    and an unnamed last column holds the bar."""
    table = Table(title=title, caption=caption)
    table.add_column(columns[0])
    for column in columns[1:]:
        table.add_column(column, justify="right")
    table.add_column("")
    return table


def _spread(p50: float, p99: float, scale: float) -> str:
    """█ up to the median, ░ from there to the 99th percentile."""
    median = max(1, round(p50 * scale))
    return "█" * median + "░" * max(0, round(p99 * scale) - median)
