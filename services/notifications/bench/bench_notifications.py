"""The notifications benchmark: events turned into sends per second against a local
GOV.UK Notify stub, with every event delivered twice (duplicate sends must be 0).

    uv run --all-packages python services/notifications/bench/bench_notifications.py

Reported as a ratio against a baseline measured in the same process on the same
machine: the official client sending straight to the stub, with no database, no
rules and no dedupe. ``BENCH_NOTIFICATIONS`` sets how many events (default 1,000).
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import tempfile
import time
import uuid
from pathlib import Path

from townhall.notifications.adapters.notify import NotifySender
from townhall.notifications.adapters.rulebook import load_rulebook
from townhall.notifications.bootstrap import bootstrap
from townhall.notifications.domain.commands import DispatchDue
from townhall.notifications.domain.rules import LANGUAGES, RuleBook
from townhall.notifications.entrypoints.consumer import GROUP, Decisions
from townhall.notifications.service_layer.senders import Message
from townhall.notifications.testing import case_submitted, contact_points, settings_for
from townhall.notifications.testing_notify import NotifyStub, running
from townhall.runtime.consumer import Applier, decode
from townhall.runtime.outbox import EventContext
from townhall.runtime.testkit.data_keys import FakeDataKeys
from townhall.runtime.testkit.records import envelope_record

EVENTS = int(os.environ.get("BENCH_NOTIFICATIONS", "1000"))
BATCH = 200


def registered_in(stub: NotifyStub) -> RuleBook:
    book = load_rulebook()
    templates = {
        name: dataclasses.replace(
            t,
            notify_ids={
                c: {lang: stub.template(c, *t.fields()) for lang in LANGUAGES} for c in t.channels
            },
        )
        for name, t in book.templates.items()
    }
    return RuleBook(book.rules, templates)


async def baseline(stub: NotifyStub, book: RuleBook, n: int) -> float:
    sender = NotifySender(stub.api_key, stub.base_url, per_minute=10**9)
    template = book.template("case_submitted")
    personalisation = {"reference": "PC-2026-000001", "service": "pest control"}
    started = time.perf_counter()
    for _ in range(n):
        message = Message(
            str(uuid.uuid4()),
            uuid.uuid4(),
            "email",
            "en",
            template,
            "bench@example.test",
            personalisation,
        )
        await sender.send(message)
    return n / (time.perf_counter() - started)


async def through_the_service(stub: NotifyStub, book: RuleBook, workdir: Path) -> tuple[float, int]:
    keys = FakeDataKeys()
    sender = NotifySender(stub.api_key, stub.base_url, per_minute=10**9)
    settings = settings_for(f"sqlite+aiosqlite:///{workdir / 'bench.db'}")
    service = bootstrap(settings, rulebook=book, sender=sender, data_keys=keys)
    await service.runtime.start()
    decisions = Decisions(service.bus, book)
    applier = Applier(group=GROUP, handler=decisions, sessions=service.runtime.sessions)
    residents = [uuid.uuid4() for _ in range(EVENTS)]
    contacts = [
        contact_points(keys, r, email=f"r{i}@example.test") for i, r in enumerate(residents)
    ]
    await applier.apply([decode(envelope_record(e), GROUP, decisions.validate) for e in contacts])
    events = [case_submitted(r, f"PC-2026-{i:06d}") for i, r in enumerate(residents)]
    twice = [d for e in events for d in [decode(envelope_record(e), GROUP, decisions.validate)] * 2]
    before = len(stub.sent)
    started = time.perf_counter()
    for i in range(0, len(twice), BATCH):
        await applier.apply(twice[i : i + BATCH])
    while await service.bus.handle(DispatchDue(BATCH), EventContext("bench")):
        pass
    elapsed = time.perf_counter() - started
    await service.runtime.stop()
    sent = list(stub.sent.values())[before:]
    duplicates = len(sent) - len({n["reference"] for n in sent})
    assert len(sent) - duplicates == EVENTS, f"{len(sent)} sent for {EVENTS} events"
    return EVENTS / elapsed, duplicates


async def main() -> None:
    with running(NotifyStub()) as stub, tempfile.TemporaryDirectory() as folder:
        book = registered_in(stub)
        base = await baseline(stub, book, min(EVENTS, 500))
        rate, duplicates = await through_the_service(stub, book, Path(folder))
    print(f"baseline: official client → Notify stub      {base:8.0f} sends/s")
    print(
        f"events → sends (each delivered twice, SQLite) {rate:8.0f} events/s"
        f"  ({rate / base:.2f} x baseline)"
    )
    print(f"duplicate sends                               {duplicates:8d}")


if __name__ == "__main__":
    asyncio.run(main())
