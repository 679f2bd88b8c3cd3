"""Cases reacts to payments and booking events, idempotently (the real embedded broker)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from townhall.cases.testing import PEST_CONTROL, bearer, envelopes
from townhall.runtime.binding import to_record
from townhall.runtime.settings import KafkaSettings
from townhall.runtime.testkit.topics import send_raw
from townhall.runtime.testkit.waiting import eventually
from townhall.schemas.envelope import Envelope, Sensitivity

pytestmark = pytest.mark.broker


def _event(kind: str, reference: str, **data: object) -> Envelope:
    source, topic_type = kind.split(":")
    return Envelope(
        id=str(uuid.uuid4()),
        source=f"/townhall/{source}",
        type=topic_type,
        time=datetime.now(UTC),
        # one key per case, as a service keys its events by whom they are about: the
        # failed payment then comes before the paid one (a random key put them on two
        # partitions, in either order)
        subject=f"{source}/{reference}",
        residentid=None,
        correlationid="journey-7",
        sensitivity=Sensitivity.PERSONAL,
        domain=source,
        sequence=1,
        data={"case_reference": reference, "resident_id": None, **data},
    )


async def _publish(kafka: KafkaSettings, topic: str, envelope: Envelope) -> None:
    record = to_record(envelope)
    await send_raw(kafka, topic, record.value, key=record.key, headers=record.headers)


async def _case(client: httpx.AsyncClient, reference: str) -> dict[str, Any]:
    """The case as a pest control officer sees it."""
    officer = bearer(client.issuer.officer(("pest_control", "personal")))  # type: ignore[attr-defined]
    found: dict[str, Any] = (await client.get(f"/cases/{reference}", headers=officer)).json()
    return found


async def _status(client: httpx.AsyncClient, reference: str) -> str:
    return str((await _case(client, reference))["status"])


PAID = "payments:townhall.payments.payment.succeeded.v1"
FAILED = "payments:townhall.payments.payment.failed.v1"
BOOKED = "booking:townhall.booking.appointment.confirmed.v1"
CANCELLED = "booking:townhall.booking.appointment.cancelled.v1"


async def test_payment_then_booking_move_the_case_on_once_each(
    live: httpx.AsyncClient, kafka_settings: KafkaSettings
) -> None:
    reference = (await live.post("/cases", json=PEST_CONTROL)).json()["reference"]
    failed = _event(FAILED, reference, payment_id="pay-0", reason="card declined")
    await _publish(kafka_settings, "payments.events", failed)
    paid = _event(PAID, reference, payment_id="pay-1")
    await _publish(kafka_settings, "payments.events", paid)
    await _publish(kafka_settings, "payments.events", paid)  # delivered twice
    await eventually(lambda: _status(live, reference), lambda s: s == "triaged")
    booked = _event(BOOKED, reference, appointment_id="ap-1", starts_at="2026-02-01T09:00")
    await _publish(kafka_settings, "booking.events", booked)
    await eventually(lambda: _status(live, reference), lambda s: s == "scheduled")
    cancelled = _event(CANCELLED, reference, appointment_id="ap-1")
    await _publish(kafka_settings, "booking.events", cancelled)
    await eventually(lambda: _status(live, reference), lambda s: s == "triaged")
    changes = [
        (e.data["from_status"], e.data["to_status"], e.causationid)
        for e in await envelopes(live)
        if e.type.endswith("status_changed.v1")
    ]
    assert changes == [
        ("submitted", "awaiting_payment", None),
        ("awaiting_payment", "triaged", paid.id),
        ("triaged", "scheduled", booked.id),
        ("scheduled", "triaged", cancelled.id),
    ]
    updates = [u for u in (await _case(live, reference))["updates"] if u["public"]]
    assert [u["text"] for u in updates] == ["Your payment did not go through. Please try again."]
    published = await envelopes(live)
    said = [
        (e.data["reason"], e.data["reason_code"], e.data["reason_params"])
        for e in published
        if e.type.endswith("status_changed.v1")
    ]
    assert said == [
        ("Pay £65.00 to continue", "fee_due", {"amount_pence": 6500}),
        ("Payment received", "payment_received", None),
        (
            "Appointment booked for 2026-02-01T09:00",
            "appointment_booked",
            {"starts_at": "2026-02-01T09:00"},
        ),
        ("Appointment cancelled: please book a new one", "appointment_cancelled", None),
    ], "the same English as before, with cases' code and facts"
    [failed_update] = [e for e in published if e.type.endswith("update_posted.v1")]
    assert failed_update.data["text_code"] == "payment_failed"
