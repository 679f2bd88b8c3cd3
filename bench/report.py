"""Prints figures as ratios of the baseline measured in the same run, with bars."""

from __future__ import annotations

from dataclasses import dataclass, field

from rich.console import Console
from rich.table import Table


@dataclass
class Report:
    console: Console
    base: tuple[str, float] | None = None
    rates: list[tuple[str, float]] = field(default_factory=list)
    latencies: list[tuple[str, float, float, float]] = field(default_factory=list)

    def baseline(self, name: str, per_second: float) -> None:
        self.base = (name, per_second)

    def rate(self, name: str, per_second: float) -> None:
        self.rates.append((name, per_second))

    def latency(self, name: str, offered: float, p50_ms: float, p99_ms: float) -> None:
        self.latencies.append((name, offered, p50_ms, p99_ms))

    def show(self) -> None:
        assert self.base is not None, "no baseline measured"
        base_name, base_rate = self.base
        table = Table(title=f"Throughput, as a share of the baseline ({base_name})")
        for column in ("what", "events/s", "ratio", ""):
            table.add_column(column, justify="left" if column in ("what", "") else "right")
        for name, rate in [self.base, *self.rates]:
            ratio = rate / base_rate
            bar = "█" * max(1, round(ratio * 40))
            table.add_row(name, f"{rate:,.0f}", f"{ratio:.1%}", bar)
        self.console.print(table)
        if self.latencies:
            self.console.print(self._latency_table())

    def _latency_table(self) -> Table:
        title = "End-to-end latency: identity's outbox commit → resident-view's projection"
        table = Table(title=title, caption="█ up to p50, ░ from p50 to p99")
        for column in ("what", "offered/s", "p50 ms", "p99 ms", ""):
            table.add_column(column, justify="left" if column in ("what", "") else "right")
        scale = 40 / max(p99 for *_, p99 in self.latencies)
        for name, offered, p50, p99 in self.latencies:
            median = max(1, round(p50 * scale))
            bar = "█" * median + "░" * max(0, round(p99 * scale) - median)
            table.add_row(name, f"{offered:.0f}", f"{p50:.1f}", f"{p99:.1f}", bar)
        return table
