"""The projection on the real broker: generic entries, completeness, order and repeats."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx

from townhall.resident_view.config import ResidentViewSettings
from townhall.resident_view.entrypoints.api.app import create
from townhall.resident_view.projection.entries import humanise, submitted
from townhall.resident_view.testing import Spec, envelope
from townhall.runtime.settings import KafkaSettings
from townhall.runtime.testkit.tokens import TestIssuer
from townhall.runtime.testkit.topics import publish
from townhall.runtime.testkit.waiting import eventually
from townhall.schemas.envelope import Sensitivity
from townhall.schemas.events.legacy import LegacyEntryRecorded

WASTE = Spec("waste", Sensitivity.PERSONAL)


async def entries(client: httpx.AsyncClient, issuer: TestIssuer, resident: str) -> list[dict]:  # type: ignore[type-arg]
    """The whole timeline, as the resident sees it once verified (sensitive entries too)."""
    response = await client.get(
        f"/residents/{resident}/timeline",
        params={"limit": 200},
        headers={"Authorization": f"Bearer {issuer.resident(resident, loa=2)}"},
    )
    assert response.status_code == 200, response.text
    result: list[dict] = response.json()["entries"]  # type: ignore[type-arg]
    return result


def test_unknown_types_get_a_readable_summary() -> None:
    assert humanise("townhall.cases.case.status_changed.v1") == "Case status changed"
    assert humanise("townhall.parking.permit.issued.v2") == "Permit issued"


def test_a_request_an_officer_raised_for_the_resident_says_so_and_how() -> None:
    request = {"service_code": "pest_control", "reference": "PC-2026-000123"}
    on_the_phone = {**request, "channel": "phone", "raised_by": "officer:o-1"}
    by_themselves = {**request, "channel": "online", "raised_by": "resident:r-1"}

    assert submitted(on_the_phone) == (
        "Pest control request PC-2026-000123 raised by an officer on the resident's behalf (phone)"
    )
    assert submitted(by_themselves) == "Pest control request PC-2026-000123 submitted"
    assert submitted(request) == "Pest control request PC-2026-000123 submitted", "older events"


async def test_a_new_services_events_appear_without_code_changes(
    view: tuple[httpx.AsyncClient, TestIssuer], kafka_settings: KafkaSettings
) -> None:
    client, issuer = view
    resident = str(uuid.uuid4())
    event = envelope(
        resident,
        WASTE,
        1,
        event_type="townhall.bulky.collection.booked.v1",
        case_reference="BW-2026-000042",
        source="/townhall/bulky",
    )
    await publish(kafka_settings, "cases.events", event)
    shown = await eventually(lambda: entries(client, issuer, resident), lambda e: len(e) == 1)
    assert shown[0]["summary"] == "Collection booked"
    assert shown[0]["case_reference"] == "BW-2026-000042"
    assert shown[0]["data"]["note"] == "detail 1"


async def test_duplicate_and_out_of_order_delivery_give_the_same_timeline(
    view: tuple[httpx.AsyncClient, TestIssuer], kafka_settings: KafkaSettings
) -> None:
    client, issuer = view
    ordered, shuffled = str(uuid.uuid4()), str(uuid.uuid4())
    first = [envelope(ordered, WASTE, n) for n in range(12)]
    second = [envelope(shuffled, WASTE, n) for n in range(12)]
    messy = second + random.Random(7).sample(second, 5)
    random.Random(11).shuffle(messy)
    await publish(kafka_settings, "cases.events", *first, *messy)
    a = await eventually(lambda: entries(client, issuer, ordered), lambda e: len(e) >= 12)
    b = await eventually(lambda: entries(client, issuer, shuffled), lambda e: len(e) >= 12)

    def shape(rows: list[dict]) -> list[tuple[object, ...]]:  # type: ignore[type-arg]
        return [(r["time"], r["type"], r["summary"], r["data"]["n"]) for r in rows]

    assert len(b) == 12
    assert shape(a) == shape(b)


async def test_a_gap_in_a_sources_sequence_is_reported_until_it_is_filled(
    view: tuple[httpx.AsyncClient, TestIssuer], kafka_settings: KafkaSettings
) -> None:
    client, _ = view
    source = f"/townhall/gappy-{uuid.uuid4().hex[:6]}"
    resident = str(uuid.uuid4())
    events = [envelope(resident, WASTE, n, source=source) for n in range(4)]  # sequences 1-4

    async def missing() -> float | None:
        text = (await client.get("/metrics")).text
        for line in text.splitlines():
            if line.startswith("townhall_projection_missing_events") and source in line:
                return float(line.rsplit(" ", 1)[1])
        return None

    await publish(kafka_settings, "cases.events", events[0], events[1], events[3])
    assert await eventually(missing, lambda m: m == 1.0) == 1.0
    await publish(kafka_settings, "cases.events", events[2])
    assert await eventually(missing, lambda m: m == 0.0) == 0.0


async def test_a_legacy_systems_change_reads_as_its_mapping_says_with_its_sensitivity(
    view: tuple[httpx.AsyncClient, TestIssuer], kafka_settings: KafkaSettings
) -> None:
    """The legacy mapper publishes a council tax change on legacy.events; the timeline
    reads the summary the council's mapping gave it, as sensitive as the mapping says."""
    client, issuer = view
    resident = uuid.uuid4()
    event = LegacyEntryRecorded(
        entry_id=uuid.uuid4(),
        resident_id=resident,
        system="counciltax",
        table="accounts",
        legacy_key="7",
        kind="account",
        change="created",
        summary="Council tax account 7 opened, band C",
        occurred_at=datetime(2026, 3, 1, 9, 30, tzinfo=UTC),
        domain="council_tax",
        sensitivity=Sensitivity.SENSITIVE,
    )
    envelope = event.to_envelope(
        sequence=1, time=datetime.now(UTC), correlation_id=str(uuid.uuid4())
    )
    await publish(kafka_settings, "legacy.events", envelope)
    shown = await eventually(lambda: entries(client, issuer, str(resident)), lambda e: len(e) == 1)
    assert shown[0]["summary"] == "Council tax account 7 opened, band C"
    assert shown[0]["domain"] == "council_tax"
    assert shown[0]["sensitivity"] == "sensitive"
    assert shown[0]["source"] == "/townhall/legacy"


async def test_entries_link_to_themselves_to_tracking_and_to_the_request_in_cases(
    database_url: str, kafka_settings: KafkaSettings, tmp_path: Path
) -> None:
    issuer = TestIssuer(tmp_path)
    settings = ResidentViewSettings(
        database_url=database_url,
        kafka=kafka_settings,
        auth_jwks_url=issuer.jwks_url,
        service_urls={"cases": "http://cases.example:8002/"},
    )
    app = create(settings)
    resident = str(uuid.uuid4())
    about_a_request = envelope(resident, WASTE, 1, case_reference="MB-2026-000007")
    about_nothing_in_particular = envelope(resident, WASTE, 2)
    async with app.router.lifespan_context(app):
        await publish(kafka_settings, "cases.events", about_a_request, about_nothing_in_particular)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://rv") as client:
            shown = await eventually(
                lambda: entries(client, issuer, resident), lambda e: len(e) == 2
            )
            own = bearer_for(issuer, resident)
            followed = await client.get(shown[1]["links"]["self"], headers=own)
            tracked = await client.get(shown[1]["links"]["tracking"], headers=own)
    newest, oldest = shown
    assert oldest["links"] == {
        "self": f"/residents/{resident}/timeline/{about_a_request.id}",
        "tracking": "/tracking/MB-2026-000007",
        "case": "http://cases.example:8002/cases/MB-2026-000007",
    }
    assert newest["links"] == {"self": f"/residents/{resident}/timeline/{newest['event_id']}"}
    assert followed.status_code == 200 and followed.json()["event_id"] == about_a_request.id
    assert tracked.status_code == 200 and tracked.json()["reference"] == "MB-2026-000007"


def bearer_for(issuer: TestIssuer, resident: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {issuer.resident(resident)}"}
