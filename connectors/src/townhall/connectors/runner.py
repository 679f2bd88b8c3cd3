"""Runs every configured connector in its own thread until asked to stop.

A connector that fails (its database restarted, the broker unreachable) is logged with
its error, shown in its status, and started again after a backoff: one connector's
trouble never stops the others, and never loses a change (each restarts from its
stored position).
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from typing import Protocol

from townhall.connectors.config import ConnectorsConfig, MySQLConnector, PostgresConnector
from townhall.connectors.mysql.capture import MySQLCapture
from townhall.connectors.mysql.schema import MySQLSource
from townhall.connectors.offsets import OffsetStore
from townhall.connectors.postgres.capture import PostgresCapture
from townhall.connectors.postgres.schema import PostgresSource
from townhall.connectors.sink import KafkaSink
from townhall.connectors.status import Status
from townhall.runtime.settings import KafkaSettings

log = logging.getLogger(__name__)


class Capture(Protocol):
    name: str
    status: Status

    def run(self, stop: threading.Event) -> None: ...

    def report(self) -> None: ...


def build(config: ConnectorsConfig, kafka: KafkaSettings, offsets: OffsetStore) -> list[Capture]:
    captures: list[Capture] = []
    for connector in config.connectors:
        sink = KafkaSink(kafka, f"townhall-connector-{connector.system}")
        if isinstance(connector, MySQLConnector):
            source = MySQLSource(
                connector.system,
                connector.host,
                connector.port,
                connector.user,
                connector.password,
                connector.database,
                connector.tables,
                connector.server_id,
            )
            captures.append(MySQLCapture(source, sink, offsets, schemas=config.schemas))
        elif isinstance(connector, PostgresConnector):
            pg = PostgresSource(
                connector.system, connector.dsn, connector.tables, connector.schema_name
            )
            captures.append(PostgresCapture(pg, sink, offsets, schemas=config.schemas))
    return captures


def supervise(
    capture: Capture,
    stop: threading.Event,
    backoff: Callable[[int], float] = lambda failures: min(30.0, 0.5 * 2**failures),
) -> None:
    """Run ``capture`` until ``stop``; after a failure, wait and run it again."""
    failures = 0
    while not stop.is_set():
        try:
            capture.run(stop)
            failures = 0
        except Exception as error:
            capture.status.last_error = f"{type(error).__name__}: {error}"
            capture.status.failing = True
            with contextlib.suppress(Exception):
                capture.report()
            log.exception("connector failed; restarting", extra={"connector": capture.name})
            stop.wait(backoff(failures))
            failures += 1


def run_all(captures: list[Capture], stop: threading.Event) -> None:
    threads = [
        threading.Thread(target=supervise, args=(capture, stop), name=capture.name, daemon=True)
        for capture in captures
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
