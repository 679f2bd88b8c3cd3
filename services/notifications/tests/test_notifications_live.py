"""On the embedded broker: the service's own consumer (its ConsumerSpec) and dispatcher
turn cases' and identity's events, each published twice, into one message each in the
development mailbox. (Exactly once on PostgreSQL too: test_notifications_exactly_once.)"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
from prometheus_client import REGISTRY

from townhall.notifications.bootstrap import bootstrap
from townhall.notifications.entrypoints.api.app import create
from townhall.notifications.testing import case_submitted, contact_points, settings_for
from townhall.runtime.settings import KafkaSettings
from townhall.runtime.testkit.data_keys import FakeDataKeys
from townhall.runtime.testkit.topics import publish
from townhall.runtime.testkit.waiting import eventually


async def test_events_published_twice_reach_the_mailbox_once(
    tmp_path: Path, kafka_settings: KafkaSettings
) -> None:
    keys = FakeDataKeys()
    settings = settings_for(
        f"sqlite+aiosqlite:///{tmp_path / 'live.db'}",
        kafka=kafka_settings,
        consumers_enabled=True,
        relay_enabled=True,
        dispatch_interval_s=0.05,
    )
    app = create(services=bootstrap(settings, data_keys=keys))
    resident = uuid.uuid4()
    reference = f"PC-2026-{uuid.uuid4().int % 10**6:06d}"
    contacts = contact_points(keys, resident, email="live@example.test")
    submitted = case_submitted(resident, reference)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://n") as http:
            await publish(kafka_settings, "identity.events", contacts, contacts)
            await publish(kafka_settings, "cases.events", submitted, submitted)

            async def mine() -> list[dict[str, Any]]:
                messages = (await http.get("/dev/mailbox/messages")).json()["messages"]
                return [m for m in messages if reference in m["subject"]]

            [message] = await eventually(mine, lambda found: len(found) >= 1, timeout_s=60)
            seen = _duplicates()
            await publish(kafka_settings, "cases.events", submitted)  # once more, later
            await eventually(_async(_duplicates), lambda n: n > seen, timeout_s=30)
            assert len(await mine()) == 1
    assert message["to"] == "live@example.test"
    assert message["channel"] == "email"


def _duplicates() -> float:
    labels = {"group": "notifications", "outcome": "duplicate"}
    return REGISTRY.get_sample_value("townhall_consumer_events_total", labels) or 0.0


def _async(probe: Callable[[], float]) -> Callable[[], Awaitable[float]]:
    async def probed() -> float:
        return probe()

    return probed
