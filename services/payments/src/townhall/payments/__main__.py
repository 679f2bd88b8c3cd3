"""`python -m townhall.payments`: run the service; `… reconcile --day 2026-01-05`: print
that day's reconciliation as CSV (exit status 1 when anything does not match)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, date, datetime, timedelta

from townhall.payments.bootstrap import MIGRATIONS, bootstrap
from townhall.payments.config import PaymentsSettings
from townhall.payments.domain.commands import Reconcile
from townhall.payments.domain.reconciliation import Report
from townhall.payments.entrypoints.api.app import create
from townhall.payments.entrypoints.reconciliation_csv import to_csv
from townhall.runtime.migrations import upgrade
from townhall.runtime.outbox import EventContext
from townhall.runtime.service import serve


async def reconcile(settings: PaymentsSettings, day: date) -> Report:
    built = bootstrap(settings)
    await upgrade(settings.database_url, MIGRATIONS)
    try:
        report: Report = await built.bus.handle(
            Reconcile(day), EventContext(correlation_id=f"reconcile-{day.isoformat()}")
        )
    finally:
        await built.runtime.engine.dispose()
    return report


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m townhall.payments")
    commands = parser.add_subparsers(dest="command")
    daily = commands.add_parser("reconcile", help="print a day's reconciliation as CSV")
    yesterday = datetime.now(UTC).date() - timedelta(days=1)
    daily.add_argument("--day", type=date.fromisoformat, default=yesterday)
    args = parser.parse_args(argv)
    settings = PaymentsSettings()
    if args.command == "reconcile":
        report = asyncio.run(reconcile(settings, args.day))
        sys.stdout.write(to_csv(report))
        sys.exit(0 if report.balanced else 1)
    serve(create(settings), settings)


if __name__ == "__main__":
    main()
