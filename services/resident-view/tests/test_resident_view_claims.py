"""Reports in a resident's name that only claim to be theirs.

An anonymous reporter who gives a resident's name and email is matched to them, not
proven to be them: the timeline and tracking say "reported by someone giving this
name…" until the resident confirms it, whichever of the two events arrives first, and
a rebuild from the topics says the same.
"""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from townhall.resident_view.adapters.orm import timeline_entries as t
from townhall.resident_view.entrypoints.api.app import create
from townhall.resident_view.entrypoints.api.dependencies import services_of
from townhall.resident_view.projection.rebuild import rebuild
from townhall.resident_view.testing_identity import KeyServer, Searchable, with_identity
from townhall.runtime.settings import KafkaSettings
from townhall.runtime.testkit.tokens import TestIssuer
from townhall.runtime.testkit.topics import publish
from townhall.runtime.testkit.waiting import eventually
from townhall.schemas.envelope import Envelope
from townhall.schemas.events import cases as contracts
from townhall.schemas.events.base import DomainEvent

START = datetime(2026, 11, 3, 9, 0, tzinfo=UTC)
_sequence = itertools.count(1)


class Report:
    """One pest-control report made in ``resident``'s name."""

    def __init__(self, resident: str):
        self.resident = resident
        self.reference = f"PC-{uuid.uuid4().hex[:10].upper()}"
        self.case_id = uuid.uuid4()

    def _envelope(self, event: type[DomainEvent], minute: int, **fields: Any) -> Envelope:
        common = {
            "case_id": self.case_id,
            "reference": self.reference,
            "service_code": "pest_control",
            "resident_id": uuid.UUID(self.resident),
            "domain": "pest_control",
            "sensitivity": "personal",
        }
        return event(**common, **fields).to_envelope(
            sequence=next(_sequence), time=START + timedelta(minutes=minute), correlation_id="claim"
        )

    def submitted(self, *, claimed: bool = True) -> Envelope:
        return self._envelope(
            contracts.CaseSubmitted,
            0,
            status="submitted",
            channel="online",
            submitted_by="anonymous",
            due_at=(START + timedelta(days=10)).isoformat(),
            reporter_claimed=claimed,
        )

    def matched(self) -> Envelope:
        """Identity was away at submission: cases matched the reporter later."""
        return self._envelope(
            contracts.CaseResidentMatched,
            3,
            status="awaiting_payment",
            channel="online",
            submitted_at=START.isoformat(),
            due_at=(START + timedelta(days=10)).isoformat(),
            fee_pence=6500,
        )

    def confirmed(self, by: str = "resident") -> Envelope:
        who = f"{by}:{self.resident if by == 'resident' else 'officer-1'}"
        return self._envelope(contracts.CaseReporterConfirmed, 5, confirmed_by=who)


async def reported(
    env: Searchable, report: Report, kind: str = contracts.CaseSubmitted.TYPE
) -> dict[str, Any]:
    """The report's entry on the resident's timeline, as the resident sees it."""
    token = env.issuer.resident(report.resident)
    response = await env.get(f"/residents/{report.resident}/timeline", token)
    assert response.status_code == 200, response.text
    found: dict[str, Any] = next(e for e in response.json()["entries"] if e["type"] == kind)
    return found


async def test_a_claimed_report_says_someone_gave_this_name_on_the_timeline_and_tracking(
    searchable: Searchable,
) -> None:
    env = searchable
    report = Report(str(uuid.uuid4()))
    await env.project(report.submitted())

    entry = await reported(env, report)
    token = env.issuer.tracking(report.resident, report.reference)
    step = (await env.get(f"/tracking/{report.reference}", token)).json()["steps"][0]

    assert entry["claimed"] is True
    assert entry["summary"] == (
        f"Pest control request {report.reference} reported by someone giving this name "
        "and email or phone, not confirmed"
    )
    assert (step["claimed"], step["summary"]) == (True, entry["summary"])


async def test_a_request_matched_after_it_was_submitted_arrives_as_a_claim_and_is_tracked(
    searchable: Searchable,
) -> None:
    env = searchable
    report = Report(str(uuid.uuid4()))
    await env.project(report.matched())

    entry = await reported(env, report, contracts.CaseResidentMatched.TYPE)
    token = env.issuer.tracking(report.resident, report.reference)
    tracked = (await env.get(f"/tracking/{report.reference}", token)).json()

    assert entry["claimed"] is True and entry["case_reference"] == report.reference
    assert "reported by someone giving this name" in entry["summary"]
    assert tracked["status"] == "awaiting_payment", tracked
    assert "£65.00" in tracked["next_step"], tracked
    await env.project(report.confirmed())
    entry = await reported(env, report, contracts.CaseResidentMatched.TYPE)
    assert entry["claimed"] is False
    assert entry["summary"] == f"Pest control request {report.reference} submitted"


async def test_a_report_of_the_residents_own_is_no_claim(searchable: Searchable) -> None:
    report = Report(str(uuid.uuid4()))
    await searchable.project(report.submitted(claimed=False))

    entry = await reported(searchable, report)

    assert entry["claimed"] is False
    assert entry["summary"] == f"Pest control request {report.reference} submitted"


async def test_a_confirmed_report_reads_as_the_residents_whichever_event_came_first(
    searchable: Searchable,
) -> None:
    env = searchable
    later, sooner, same_batch = (Report(str(uuid.uuid4())) for _ in range(3))
    await env.project(later.submitted())
    await env.project(later.confirmed())
    await env.project(sooner.confirmed(by="officer"))
    await env.project(sooner.submitted())
    await env.project(same_batch.confirmed(), same_batch.submitted())

    for report in (later, sooner, same_batch):
        entry = await reported(env, report)
        assert entry["claimed"] is False, report
        assert entry["summary"] == f"Pest control request {report.reference} submitted"
    token = env.issuer.resident(sooner.resident)
    timeline = (await env.get(f"/residents/{sooner.resident}/timeline", token)).json()
    assert timeline["entries"][0]["summary"] == (
        f"Request {sooner.reference} confirmed as reported by this resident"
        " by an officer on their behalf"
    )


async def test_a_rebuild_from_the_topics_keeps_what_was_claimed_and_what_was_confirmed(
    database_url: str, kafka_settings: KafkaSettings, tmp_path: Path, key_server: KeyServer
) -> None:
    settings = with_identity(database_url, kafka_settings, TestIssuer(tmp_path), key_server)
    claimed, confirmed = Report(str(uuid.uuid4())), Report(str(uuid.uuid4()))
    events = [confirmed.confirmed(), claimed.submitted(), confirmed.submitted()]
    app = create(settings)
    live = services_of(app).live

    async def stored(generation: int) -> list[tuple[str, bool, str]]:
        query = (
            select(t.c.case_reference, t.c.claimed, t.c.summary)
            .where(t.c.generation == generation)
            .where(t.c.event_id.in_([e.id for e in events]))
            .where(t.c.type == contracts.CaseSubmitted.TYPE)
            .order_by(t.c.case_reference)
        )
        async with live.runtime.sessions() as session:
            return [tuple(row) for row in await session.execute(query)]  # type: ignore[misc]

    async with app.router.lifespan_context(app):
        await publish(kafka_settings, "cases.events", *events)
        projected = await eventually(lambda: stored(1), lambda rows: len(rows) == 2)
        rebuilt = await rebuild(settings)
        assert await stored(rebuilt.generation.number) == projected

    expected = {claimed.reference: True, confirmed.reference: False}
    assert {reference: flag for reference, flag, _ in projected} == expected
