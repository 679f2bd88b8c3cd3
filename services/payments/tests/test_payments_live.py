"""On the real embedded broker: payments learns a case's fee from cases' own event
(delivered twice, applied once) and the resident can pay it."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from townhall.payments.entrypoints.api.app import create
from townhall.payments.testing import RESIDENT, bearer, settings_for
from townhall.runtime.binding import to_record
from townhall.runtime.service import ServiceRuntime
from townhall.runtime.settings import KafkaSettings
from townhall.runtime.testkit.tokens import TestIssuer
from townhall.runtime.testkit.topics import send_raw
from townhall.runtime.testkit.waiting import eventually
from townhall.schemas.envelope import Sensitivity
from townhall.schemas.events.cases import CaseSubmitted

REFERENCE = "BW-2026-000777"


@pytest.fixture
async def live(
    tmp_path: Path, kafka_settings: KafkaSettings
) -> AsyncIterator[tuple[httpx.AsyncClient, TestIssuer]]:
    issuer = TestIssuer(tmp_path)
    settings = settings_for(
        f"sqlite+aiosqlite:///{tmp_path / 'payments.db'}",
        kafka=kafka_settings,
        consumers_enabled=True,
        auth_jwks_url=issuer.jwks_url,
    )
    app = create(settings)
    async with app.router.lifespan_context(app):
        runtime: ServiceRuntime = app.state.runtime

        async def joined() -> bool:
            return all(c.ready for c in runtime.components)

        await eventually(joined, bool, timeout_s=60)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://p"
        ) as http:
            yield http, issuer


async def test_a_fee_learned_from_cases_event_on_the_broker_can_be_paid(
    live: tuple[httpx.AsyncClient, TestIssuer], kafka_settings: KafkaSettings
) -> None:
    http, issuer = live
    submitted = CaseSubmitted(
        domain="waste",
        sensitivity=Sensitivity.PERSONAL,
        case_id=uuid.uuid4(),
        reference=REFERENCE,
        service_code="bulky_waste",
        resident_id=RESIDENT,
        status="awaiting_payment",
        channel="online",
        submitted_by="resident",
        due_at=datetime(2026, 2, 1, tzinfo=UTC),
        fee_pence=3500,
    ).to_envelope(sequence=1, time=datetime.now(UTC), correlation_id="live")
    record = to_record(submitted)
    for _ in range(2):
        await send_raw(
            kafka_settings, "cases.events", record.value, key=record.key, headers=record.headers
        )
    headers = {**bearer(issuer.resident(str(RESIDENT))), "Idempotency-Key": "live-1"}
    body = {"return_url": "https://council.example/paid"}

    async def attempt() -> httpx.Response:
        return await http.post(f"/cases/{REFERENCE}/payments", json=body, headers=headers)

    made = await eventually(attempt, lambda r: r.status_code == 201, timeout_s=30)
    assert made.json()["amount"] == 3500
