"""The projection follows identity: consent, merge and unmerge, erasure."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import httpx

from townhall.resident_view.testing import Spec, envelope
from townhall.runtime.settings import KafkaSettings
from townhall.runtime.testkit.tokens import TestIssuer
from townhall.runtime.testkit.topics import publish
from townhall.runtime.testkit.waiting import eventually
from townhall.schemas.envelope import Envelope, Sensitivity
from townhall.schemas.events import identity as contracts
from townhall.schemas.events.base import DomainEvent

PESTS = Spec("pest_control", Sensitivity.PERSONAL)
sequence = iter(range(1, 10**6))


def identity_event(event: DomainEvent) -> Envelope:
    return event.to_envelope(sequence=next(sequence), time=datetime.now(UTC), correlation_id="test")


async def shown(client: httpx.AsyncClient, resident: str, token: str) -> list[dict]:  # type: ignore[type-arg]
    """The resident's pest-control entries (identity's own events are entries too)."""
    response = await client.get(
        f"/residents/{resident}/timeline",
        params={"purpose": "checking", "domain": "pest_control"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.text
    return response.json()["entries"]  # type: ignore[no-any-return]


async def test_consent_opens_other_domains_as_summaries_until_withdrawn(
    view: tuple[httpx.AsyncClient, TestIssuer], kafka_settings: KafkaSettings
) -> None:
    client, issuer = view
    resident = uuid.uuid4()
    waste_officer = issuer.officer(("waste", "personal"))
    visit = envelope(str(resident), PESTS, 1)
    await publish(kafka_settings, "cases.events", visit)
    await publish(
        kafka_settings,
        "identity.events",
        identity_event(contracts.ConsentGranted(resident_id=resident, domain="pest_control")),
    )
    seen = await eventually(
        lambda: shown(client, str(resident), waste_officer), lambda e: len(e) == 1
    )
    assert seen[0]["view"] == "summary" and seen[0]["data"] is None
    await publish(
        kafka_settings,
        "identity.events",
        identity_event(contracts.ConsentWithdrawn(resident_id=resident, domain="pest_control")),
    )
    await eventually(lambda: shown(client, str(resident), waste_officer), lambda e: e == [])


async def test_a_merged_history_shows_under_the_survivor_and_separates_on_unmerge(
    view: tuple[httpx.AsyncClient, TestIssuer], kafka_settings: KafkaSettings
) -> None:
    client, issuer = view
    survivor, merged = uuid.uuid4(), uuid.uuid4()
    token = issuer.resident(str(survivor))
    mine, theirs = envelope(str(survivor), PESTS, 1), envelope(str(merged), PESTS, 2)
    await publish(kafka_settings, "cases.events", mine, theirs)
    await eventually(lambda: shown(client, str(survivor), token), lambda e: len(e) == 1)
    await publish(
        kafka_settings,
        "identity.events",
        identity_event(contracts.ResidentMerged(resident_id=survivor, merged_id=merged)),
    )
    joined = await eventually(lambda: shown(client, str(survivor), token), lambda e: len(e) == 2)
    assert {e["event_id"] for e in joined} == {mine.id, theirs.id}
    await publish(
        kafka_settings,
        "identity.events",
        identity_event(contracts.ResidentUnmerged(resident_id=survivor, unmerged_id=merged)),
    )
    apart = await eventually(lambda: shown(client, str(survivor), token), lambda e: len(e) == 1)
    assert [e["event_id"] for e in apart] == [mine.id]


async def test_erasure_leaves_what_happened_but_nothing_readable(
    view: tuple[httpx.AsyncClient, TestIssuer], kafka_settings: KafkaSettings
) -> None:
    client, issuer = view
    resident = uuid.uuid4()
    officer = issuer.officer(("pest_control", "personal"))
    visit = envelope(str(resident), PESTS, 1, case_reference="PC-2026-000001")
    await publish(kafka_settings, "cases.events", visit)
    await eventually(lambda: shown(client, str(resident), officer), lambda e: len(e) == 1)
    await publish(
        kafka_settings,
        "identity.events",
        identity_event(contracts.ResidentErased(resident_id=resident)),
    )

    def erased(entries: list[dict]) -> bool:  # type: ignore[type-arg]
        return any(e["event_id"] == visit.id and e["data"] == {} for e in entries)

    entries = await eventually(lambda: shown(client, str(resident), officer), erased)
    old = next(e for e in entries if e["event_id"] == visit.id)
    assert old["summary"] == "Personal data erased" and old["case_reference"] is None
    assert "detail 1" not in str(entries)
