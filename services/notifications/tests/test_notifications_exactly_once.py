"""Exactly once in effect, on the real databases: every event delivered twice, the
consumer restarted and its dedupe records gone (a broker reset long after), and still
one notification per event, rule and recipient, and one message each.

The consumer's applier is driven directly with decoded records (as its fetch loop
would); the runtime's own tests cover the fetch loop on the embedded broker.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from townhall.notifications.adapters.orm import metadata, notifications
from townhall.notifications.bootstrap import MIGRATIONS, Notifications, bootstrap
from townhall.notifications.domain.commands import DispatchDue
from townhall.notifications.entrypoints.consumer import GROUP, Decisions
from townhall.notifications.fakes import FakeSender
from townhall.notifications.testing import (
    MORNING,
    case_submitted,
    code_issued,
    registered,
    settings_for,
    status_changed,
    visit_booked,
)
from townhall.runtime import dead_letters
from townhall.runtime.clock import ManualClock
from townhall.runtime.consumer import Applier, Delivery, decode
from townhall.runtime.outbox import EventContext
from townhall.runtime.testkit.data_keys import FakeDataKeys
from townhall.runtime.testkit.migrations import schema_drift, single_head
from townhall.runtime.testkit.records import envelope_record
from townhall.schemas.envelope import Envelope


class Sleeps:
    async def __call__(self, seconds: float) -> None:
        return None


@pytest.fixture
def keys() -> FakeDataKeys:
    return FakeDataKeys()


@pytest.fixture
async def started(database_url: str, keys: FakeDataKeys) -> AsyncIterator[Notifications]:
    service = _service(database_url, keys, FakeSender())
    await service.runtime.start()
    yield service
    await service.runtime.stop()


@pytest.fixture
async def on_sqlite(tmp_path: Path, keys: FakeDataKeys) -> AsyncIterator[Notifications]:
    """For what does not depend on the store (dead letters, ignoring): SQLite only."""
    service = _service(f"sqlite+aiosqlite:///{tmp_path / 'n.db'}", keys, FakeSender())
    await service.runtime.start()
    yield service
    await service.runtime.stop()


def _service(database_url: str, keys: FakeDataKeys, sender: FakeSender) -> Notifications:
    return bootstrap(
        settings_for(database_url), sender=sender, data_keys=keys, clock=ManualClock(MORNING)
    )


def _applier(service: Notifications) -> tuple[Applier, Decisions]:
    decisions = Decisions(service.bus, service.rulebook)
    applier = Applier(
        group=GROUP,
        handler=decisions,
        sessions=service.runtime.sessions,
        sleep=Sleeps(),
        clock=ManualClock(MORNING),
    )
    return applier, decisions


def _deliveries(decisions: Decisions, envelopes: Sequence[Envelope]) -> list[Delivery]:
    return [decode(envelope_record(e), GROUP, decisions.validate) for e in envelopes]


async def _count(service: Notifications) -> int:
    async with service.runtime.sessions() as session:
        return int(
            (await session.execute(select(func.count()).select_from(notifications))).scalar_one()
        )


async def test_every_event_twice_and_a_restart_still_send_each_message_once(
    database_url: str, started: Notifications, keys: FakeDataKeys
) -> None:
    residents = [uuid.uuid4() for _ in range(3)]
    events: list[Envelope] = []
    for n, resident in enumerate(residents):
        events += [
            registered(keys, resident, email=f"r{n}@example.test"),
            case_submitted(resident, f"PC-2026-00000{n}"),
            status_changed(resident, f"PC-2026-00000{n}"),
            code_issued(keys, resident, "email", f"r{n}@example.test", "246810"),
        ]
    applier, decisions = _applier(started)
    twice = [d for e in events for d in _deliveries(decisions, [e, e])]
    await applier.apply(twice[: len(twice) // 2])
    await applier.apply(twice[len(twice) // 2 :])
    assert await _count(started) == 9

    # a restart after the dedupe records expired, and the broker replays everything
    sender = FakeSender()
    restarted = _service(database_url, keys, sender)
    again, decisions = _applier(restarted)
    await again.forget_older_than(timedelta(days=-1))
    await again.apply(_deliveries(decisions, events + events))
    assert await _count(restarted) == 9

    assert await restarted.bus.handle(DispatchDue(), EventContext("t")) == 9
    assert await restarted.bus.handle(DispatchDue(), EventContext("t")) == 0
    assert len(sender.sent) == 9
    assert len({m.reference for m in sender.sent}) == 9
    await restarted.runtime.engine.dispose()


async def test_service_names_learnt_from_a_request_name_what_follows_in_each_language(
    started: Notifications, keys: FakeDataKeys
) -> None:
    resident = uuid.uuid4()
    renamed = {"en": "Pest control", "cy": "Rheoli plâu"}
    events = [
        registered(keys, resident, language="cy", email="ada@example.test"),
        case_submitted(resident, "PC-2026-000001", {"en": "Pests", "cy": "Plâu"}),
        case_submitted(resident, "PC-2026-000002", renamed),  # the council renamed it since
        visit_booked(resident, "PC-2026-000002"),
    ]
    applier, decisions = _applier(started)
    await applier.apply(_deliveries(decisions, events))

    sender = FakeSender()
    sending = _service(started.settings.database_url, keys, sender)
    assert await sending.bus.handle(DispatchDue(), EventContext("t")) == 3
    said = {m.template.name: m.personalisation.get("service_cy") for m in sender.sent}
    assert said["appointment_confirmed"] == "rheoli plâu", "as last named"
    await sending.runtime.engine.dispose()


async def test_a_malformed_event_of_a_kind_it_reads_is_dead_lettered(
    on_sqlite: Notifications,
) -> None:
    applier, decisions = _applier(on_sqlite)
    good = case_submitted(uuid.uuid4())
    bad = good.model_copy(update={"id": "bad-1", "data": {**good.data, "resident_id": "nobody"}})
    await applier.apply(_deliveries(decisions, [bad]))
    async with on_sqlite.runtime.sessions() as session:
        [kept] = await dead_letters.waiting(session, GROUP)
    assert "resident_id" in kept.reason
    assert await _count(on_sqlite) == 0


async def test_a_code_sealed_under_another_key_is_dead_lettered_not_sent(
    on_sqlite: Notifications, keys: FakeDataKeys
) -> None:
    applier, decisions = _applier(on_sqlite)
    resident = uuid.uuid4()
    forged = code_issued(keys, uuid.uuid4(), "sms", "+447700900123", "111111")
    forged = forged.model_copy(update={"data": {**forged.data, "resident_id": str(resident)}})
    await applier.apply(_deliveries(decisions, [forged]))
    async with on_sqlite.runtime.sessions() as session:
        [kept] = await dead_letters.waiting(session, GROUP)
    assert "DecryptionError" in kept.reason
    assert "111111" not in kept.reason
    assert await _count(on_sqlite) == 0


async def test_events_it_has_no_rule_for_are_applied_and_ignored(on_sqlite: Notifications) -> None:
    applier, decisions = _applier(on_sqlite)
    other = case_submitted(uuid.uuid4()).model_copy(
        update={"type": "townhall.booking.slot.opened.v1", "data": {"anything": 1}}
    )
    await applier.apply(_deliveries(decisions, [other]))
    assert await _count(on_sqlite) == 0


async def test_migrations_match_the_tables(database_url: str) -> None:
    assert single_head(MIGRATIONS)
    assert await schema_drift(database_url, MIGRATIONS, metadata) == []
