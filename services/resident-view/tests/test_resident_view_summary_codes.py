"""Each entry's summary as a code and its facts, for a front door to word in its
reader's language: every type the projection summarises yields one whose facts fill its
English template to exactly the English summary it always had; stored, confirmed and
erased entries carry it; and the timeline and tracking reads hand it out."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from townhall.resident_view.adapters import erasure
from townhall.resident_view.adapters.orm import timeline_entries as t
from townhall.resident_view.projection.entries import SUMMARIES, entry
from townhall.resident_view.projection.projector import Projector
from townhall.resident_view.projection.wording import CODES, ENGLISH, Said, english
from townhall.resident_view.reads import timeline, tracking
from townhall.resident_view.reads.policy import AS_RESIDENT
from townhall.resident_view.testing import Spec, envelope
from townhall.schemas.envelope import Envelope, Sensitivity
from townhall.schemas.events import cases as contracts

REF = "PC-2026-000123"
VISIT = {"case_reference": REF, "starts_at": "2026-12-07T09:00:00+00:00"}
#: (event type, its data, the English summary the projection has always given it)
SUMMARISED: list[tuple[str, dict[str, Any], str]] = [
    (
        "townhall.identity.resident.registered.v1",
        {"channel": "face_to_face"},
        "Registered with the council (face to face)",
    ),
    (
        "townhall.cases.case.submitted.v1",
        {"service_code": "pest_control", "reference": REF, "channel": "online"},
        "Pest control request PC-2026-000123 submitted",
    ),
    (
        "townhall.cases.case.submitted.v1",
        {
            "service_code": "pest_control",
            "reference": REF,
            "channel": "phone",
            "raised_by": "officer:o-1",
        },
        "Pest control request PC-2026-000123 raised by an officer on the resident's behalf (phone)",
    ),
    (
        "townhall.cases.case.submitted.v1",
        {
            "service_code": "bulky_waste",
            "reference": "BW-2026-000009",
            "channel": "online",
            "reporter_claimed": True,
        },
        "Bulky waste request BW-2026-000009 reported by someone giving this name and email "
        "or phone, not confirmed",
    ),
    (
        "townhall.cases.case.resident_matched.v1",
        {"service_code": "fly_tipping", "reference": "FT-2026-000001", "channel": "online"},
        "Fly tipping request FT-2026-000001 submitted",
    ),
    (
        "townhall.cases.case.reporter_confirmed.v1",
        {
            "service_code": "fly_tipping",
            "reference": "FT-2026-000002",
            "confirmed_by": "resident:r",
        },
        "Request FT-2026-000002 confirmed as reported by this resident",
    ),
    (
        "townhall.cases.case.reporter_confirmed.v1",
        {"service_code": "fly_tipping", "reference": "FT-2026-000002", "confirmed_by": "officer:o"},
        "Request FT-2026-000002 confirmed as reported by this resident by an officer on their "
        "behalf",
    ),
    (
        "townhall.cases.case.status_changed.v1",
        {"reference": REF, "from_status": "awaiting_payment", "to_status": "in_progress"},
        "Request PC-2026-000123: awaiting payment → in progress",
    ),
    (
        "townhall.cases.contact.logged.v1",
        {"channel": "face_to_face", "reason": "new_request", "failure_demand": False},
        "Contacted the council by face to face: new request",
    ),
    (
        "townhall.cases.contact.logged.v1",
        {"channel": "phone", "reason": "progress_chase", "failure_demand": True},
        "Contacted the council by phone: progress chase (chasing progress)",
    ),
    (
        "townhall.payments.payment.succeeded.v1",
        {"amount": 123456, "case_reference": REF},
        "Paid £1,234.56 for PC-2026-000123",
    ),
    (
        "townhall.payments.refund.refunded.v1",
        {"amount": 6500, "case_reference": REF},
        "Refunded £65.00 for PC-2026-000123",
    ),
    (
        "townhall.booking.slot.held.v1",
        VISIT,
        "Request PC-2026-000123: slot on Monday 7 December 2026 at 09:00 held",
    ),
    (
        "townhall.booking.appointment.confirmed.v1",
        {**VISIT, "starts_at": "2026-07-06T13:30:00+00:00"},
        "Request PC-2026-000123: visit booked for Monday 6 July 2026 at 14:30",  # summer time
    ),
    (
        "townhall.booking.appointment.cancelled.v1",
        VISIT,
        "Request PC-2026-000123: visit on Monday 7 December 2026 at 09:00 cancelled",
    ),
    (
        "townhall.booking.appointment.rescheduled.v1",
        {**VISIT, "starts_at": "2026-12-08T14:00:00+00:00"},
        "Request PC-2026-000123: visit moved to Tuesday 8 December 2026 at 14:00",
    ),
    (
        "townhall.booking.appointment.visited.v1",
        {**VISIT, "outcome": "completed"},
        "Request PC-2026-000123: visit on Monday 7 December 2026 at 09:00: done",
    ),
    (
        "townhall.booking.appointment.visited.v1",
        {**VISIT, "outcome": "no_access"},
        "Request PC-2026-000123: visit on Monday 7 December 2026 at 09:00: no access",
    ),
    (
        "townhall.booking.appointment.visited.v1",
        {**VISIT, "outcome": "not_home"},
        "Request PC-2026-000123: visit on Monday 7 December 2026 at 09:00: nobody was home",
    ),
    (
        "townhall.booking.appointment.reminder_due.v1",
        VISIT,
        "Request PC-2026-000123: reminder of the visit on Monday 7 December 2026 at 09:00",
    ),
]


def event(event_type: str, data: dict[str, Any], resident: str = "r-1", n: int = 1) -> Envelope:
    return Envelope(
        id=str(uuid.uuid4()),
        source="/townhall/" + event_type.split(".")[1],
        type=event_type,
        time=datetime(2026, 11, 1, 9, n, tzinfo=UTC),
        subject=f"case/{data.get('reference') or data.get('case_reference') or n}",
        residentid=resident,
        correlationid="test",
        sensitivity=Sensitivity.PERSONAL,
        domain="pest_control",
        sequence=n,
        data=data,
    )


def test_every_summarised_type_is_covered_here() -> None:
    assert {kind for kind, _, _ in SUMMARISED} == set(SUMMARIES)


@pytest.mark.parametrize(("kind", "data", "summary"), SUMMARISED)
def test_the_code_and_its_facts_fill_the_english_template_to_the_summary_as_it_was(
    kind: str, data: dict[str, Any], summary: str
) -> None:
    row = entry(event(kind, data))
    assert row is not None
    params = json.loads(row["summary_params"])
    assert row["summary_code"] in CODES
    assert row["summary"] == summary, "nothing changes in English"
    assert english(Said(row["summary_code"], params)) == summary
    assert all(isinstance(v, str | int | bool) for v in params.values()), "facts, not words"


def test_every_code_has_an_english_template_and_an_unknown_code_is_refused() -> None:
    assert set(CODES) == set(ENGLISH)
    with pytest.raises(ValueError, match="no English template"):
        Said("nothing_like_it")


def test_an_entry_summarised_in_english_only_has_no_code() -> None:
    row = entry(envelope("r-1", Spec("waste", Sensitivity.PERSONAL), 1))
    assert row is not None
    assert (row["summary"], row["summary_code"], row["summary_params"]) == (
        "Case updated",
        None,
        None,
    )


async def stored(sessions: async_sessionmaker[AsyncSession], event_id: str) -> dict[str, Any]:
    async with sessions() as session:
        found = await session.execute(select(t).where(t.c.event_id == event_id))
        return dict(found.mappings().one())


@pytest.mark.parametrize("confirmed_first", [False, True])
async def test_a_confirmed_claimed_report_reads_as_the_residents_own_in_its_code(
    sessions: async_sessionmaker[AsyncSession], confirmed_first: bool
) -> None:
    resident, case_id = uuid.uuid4(), uuid.uuid4()
    reference = f"PC-{uuid.uuid4().hex[:8].upper()}"
    common: dict[str, Any] = {
        "case_id": case_id,
        "reference": reference,
        "service_code": "pest_control",
        "resident_id": resident,
        "domain": "pest_control",
        "sensitivity": "personal",
    }
    at = datetime(2026, 11, 3, 9, 0, tzinfo=UTC)
    claimed = contracts.CaseSubmitted(
        **common,
        status="submitted",
        channel="online",
        submitted_by="anonymous",
        due_at=at,
        reporter_claimed=True,
    ).to_envelope(sequence=1, time=at, correlation_id="claim")
    confirmed = contracts.CaseReporterConfirmed(
        **common, confirmed_by=f"resident:{resident}"
    ).to_envelope(sequence=2, time=at, correlation_id="claim")
    projector = Projector(1)
    for arriving in [confirmed, claimed] if confirmed_first else [claimed, confirmed]:
        async with sessions.begin() as session:
            await projector(session, [arriving])
    after = await stored(sessions, claimed.id)

    assert entry(claimed, 1)["summary_code"] == "request_claimed"  # type: ignore[index]
    assert (after["summary_code"], json.loads(after["summary_params"])) == (
        "request_submitted",
        {"service_code": "pest_control", "reference": reference},
    )
    assert after["summary"] == f"Pest control request {reference} submitted"


async def test_an_erased_residents_entries_say_so_as_a_code(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    resident = str(uuid.uuid4())
    paid = event("townhall.payments.payment.succeeded.v1", {"amount": 6500, "case_reference": REF})
    paid = paid.model_copy(update={"residentid": resident})
    async with sessions.begin() as session:
        await Projector(1)(session, [paid])
        await erasure.blank_entries(session, 1, [resident], except_event="the erasure")
    blank = await stored(sessions, paid.id)
    assert (blank["summary"], blank["summary_code"], blank["summary_params"]) == (
        "Personal data erased",
        "erased",
        "{}",
    )


async def test_the_timeline_and_tracking_reads_hand_out_the_code_and_an_old_entry_reads_without(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    resident = str(uuid.uuid4())
    reference = f"PC-{uuid.uuid4().hex[:8].upper()}"
    paid = event(
        "townhall.payments.payment.succeeded.v1",
        {"amount": 6500, "case_reference": reference},
        resident,
    )
    old = entry(event(paid.type, paid.data, resident, n=2))
    assert old is not None  # stored before codes existed: its summary in English only
    old.update(summary="Paid £65.00 for it", summary_code=None, summary_params=None)
    old["case_reference"] = reference
    async with sessions.begin() as session:
        await Projector(1)(session, [paid])
        await session.execute(insert(t), [old])
    seen = timeline.Scope(1, resident, AS_RESIDENT)
    async with sessions() as session:
        page, _ = await timeline.page(session, seen, filters=timeline.Filters(), limit=10)
        steps = await tracking.steps(session, 1, reference, AS_RESIDENT)

    facts = {"amount_pence": 6500, "reference": reference}
    assert [(e["summary_code"], e["summary_params"]) for e in page] == [(None, {}), ("paid", facts)]
    assert [(s["summary_code"], s["summary_params"]) for s in steps] == [
        ("paid", facts),
        (None, {}),
    ]
