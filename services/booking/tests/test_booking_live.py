"""On the embedded broker: booking's own consumer (its ConsumerSpec, group "booking")
learns cases from cases' events, each once however often it is delivered, sends a
malformed one to the dead letters with the reason and carries on, offers a case's
slots from the postcode sector its event carries, and forgets an erased resident's
property. (The same reactions one by one: test_booking_reactions.)"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import select

from townhall.booking.adapters.orm import booking_cases
from townhall.booking.bootstrap import Booking, bootstrap
from townhall.booking.domain import commands
from townhall.booking.testing import CONTEXT, MONDAY, SERVICE, SLOT, calendars, settings_for
from townhall.runtime.clock import ManualClock
from townhall.runtime.settings import KafkaSettings
from townhall.runtime.tables import dead_letters
from townhall.runtime.testkit.topics import publish
from townhall.runtime.testkit.waiting import eventually
from townhall.schemas.envelope import Envelope, Sensitivity
from townhall.schemas.events.cases import CaseSubmitted
from townhall.schemas.events.identity import ResidentErased

pytestmark = pytest.mark.broker


@pytest.fixture
async def live(tmp_path: Path, kafka_settings: KafkaSettings) -> AsyncIterator[Booking]:
    settings = settings_for(
        f"sqlite+aiosqlite:///{tmp_path / 'booking.db'}",
        kafka=kafka_settings,
        consumers_enabled=True,
    )
    booking = bootstrap(settings, calendars=calendars(), clock=ManualClock(MONDAY))
    await booking.runtime.start()
    try:
        yield booking
    finally:
        await booking.runtime.stop()


def _reference() -> str:
    return f"PC-2026-{uuid.uuid4().int % 1_000_000:06d}"


def _submitted(reference: str, resident_id: uuid.UUID, sequence: int) -> Envelope:
    event = CaseSubmitted(
        case_id=uuid.uuid4(),
        reference=reference,
        service_code="pest_control",
        resident_id=resident_id,
        domain="pest_control",
        sensitivity=Sensitivity.PERSONAL,
        status="submitted",
        channel="online",
        submitted_by="resident",
        due_at=SLOT,
        postcode_sector="N1 2",
    )
    return event.to_envelope(sequence=sequence, time=MONDAY, correlation_id="live")


def _duplicates() -> float:
    labels = {"group": "booking", "outcome": "duplicate"}
    return REGISTRY.get_sample_value("townhall_consumer_events_total", labels) or 0.0


async def _rows(booking: Booking, table: Any) -> list[Any]:
    async with booking.runtime.sessions() as session:
        return list((await session.execute(select(table))).all())


async def test_cases_arrive_once_a_malformed_one_is_dead_lettered_and_erasure_forgets(
    live: Booking, kafka_settings: KafkaSettings
) -> None:
    resident, good, bad = uuid.uuid4(), _reference(), _reference()
    duplicates = _duplicates()
    submitted = _submitted(good, resident, 1)
    broken = _submitted(bad, resident, 2)
    broken = broken.model_copy(update={"data": {"reference": bad}})  # no case_id, no type
    await publish(kafka_settings, "cases.events", submitted, broken, submitted)

    async def mine() -> list[Any]:
        return [r for r in await _rows(live, booking_cases) if r.reference == good]

    [case] = await eventually(mine, lambda found: len(found) == 1, timeout_s=60)
    assert (case.resident_id, case.service_code) == (resident, "pest_control")

    async def dead() -> list[Any]:
        return [r for r in await _rows(live, dead_letters) if r.event_id == broken.id]

    [letter] = await eventually(dead, lambda found: len(found) == 1, timeout_s=60)
    assert letter.consumer_group == "booking" and "case_id" in letter.reason
    assert (case.postcode_sector, case.postcode) == ("N1 2", None), "its sector, no more"
    hold = commands.HoldSlot(good, "van-1", SLOT, SERVICE)
    held = await live.bus.handle(hold, CONTEXT)
    assert held.starts_at == SLOT, "bookable from the broker, with no postcode asked"

    erased = ResidentErased(resident_id=resident).to_envelope(
        sequence=3, time=MONDAY, correlation_id="live"
    )
    await publish(kafka_settings, "identity.events", erased)
    await eventually(mine, lambda found: found[0].postcode_sector is None, timeout_s=60)

    async def repeats() -> float:
        return _duplicates()

    # the case delivered twice was applied once: the second delivery counted a duplicate
    await eventually(repeats, lambda seen: seen >= duplicates + 1, timeout_s=60)
