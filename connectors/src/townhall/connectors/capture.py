"""What every log-based capture shares: making records, keeping and storing positions,
publishing again after a broker reset, and reporting its status.

``MySQLCapture`` and ``PostgresCapture`` read their database's own change log; this base
turns each row change into Debezium's records, counts it (or the skip, with the reason)
and measures how far behind its source the connector is, keeps what it published for a
broker reset, and stores positions only after the broker acknowledged the records.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

from townhall.connectors.debezium.envelope import Change, Op, Record, Source, Table, records
from townhall.connectors.debezium.types import UnsupportedValueError
from townhall.connectors.offsets import OffsetStore
from townhall.connectors.reset import EpochWatch
from townhall.connectors.sink import KafkaSink
from townhall.connectors.status import Status

log = logging.getLogger(__name__)


class CaptureBase:
    """The state and steps common to the captures; each names itself ``<system>.<kind>``."""

    def __init__(
        self,
        name: str,
        sink: KafkaSink,
        offsets: OffsetStore,
        *,
        schemas: bool,
        clock_ns: Callable[[], int] = time.time_ns,
        epoch_check_s: float = 5.0,
    ):
        self.name = name
        self.sink = sink
        self.offsets = offsets
        self.schemas = schemas
        self.clock_ns = clock_ns
        self.status = Status()
        self.watch = EpochWatch(sink.settings, epoch_check_s)
        self.epoch: str | None = None

    def _records(
        self,
        table: Table,
        op: Op,
        before: Mapping[str, Any] | None,
        after: Mapping[str, Any] | None,
        source: Source,
    ) -> list[Record]:
        """The change's records, counted; a value it cannot encode is skipped, counted,
        and reported with the table and position (never a stopped connector)."""
        now_ns = self.clock_ns()
        change = Change(table, op, before, after, source, ts_ns=now_ns)
        try:
            made = records(change, schemas=self.schemas)
        except (KeyError, UnsupportedValueError) as error:
            self.status.skipped += 1
            self.status.last_error = f"{table.name} at {dict(source.position)}: {error}"
            log.error("change skipped", extra={"connector": self.name, "reason": str(error)})
            return []
        self.status.changes += 1
        if op != "r":  # a snapshot row's time is the snapshot's, not the change's
            self.status.behind_source_ms = max(0, now_ns // 1_000_000 - source.ts_ms)
        return made

    def _publish_snapshot(self, batch: list[Record]) -> None:
        self.sink.publish(batch)
        self.offsets.retain(self.name, batch, self.clock_ns() // 1_000_000)

    def _check_epoch(self, now: bool = False) -> None:
        """Publish everything retained again if the broker lost its data since."""
        if not (now or self.watch.due()):
            return
        epoch = self.watch.current()
        if self.epoch is not None and epoch != self.epoch:
            log.warning(
                "the broker lost its data; publishing again", extra={"connector": self.name}
            )
            for batch in self.offsets.retained(self.name):
                self.sink.publish(batch)
        self.epoch = epoch

    def _store(self, position: dict[str, Any], records: list[Record] | None = None) -> None:
        position = {**position, "epoch": self.epoch}
        now_ms = self.clock_ns() // 1_000_000
        self.offsets.store(self.name, position, now_ms, records or [])
        self.status.position = position
        self.status.stored_at_ms = now_ms
        self.status.failing = False
        self.report()

    def report(self) -> None:
        self.offsets.report(self.name, self.status, self.clock_ns() // 1_000_000)
