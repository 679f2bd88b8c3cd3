"""Tracking one request end to end: steps from every service in order, the state and
what happens next, who may follow it, and the audit."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from townhall.resident_view.reads.request_state import NEXT_STEPS, NextStep, state
from townhall.resident_view.testing_identity import Searchable
from townhall.runtime.settings import KafkaSettings
from townhall.runtime.testkit.topics import publish
from townhall.runtime.testkit.waiting import eventually
from townhall.schemas.envelope import Envelope, Sensitivity
from townhall.schemas.events import booking, payments
from townhall.schemas.events import cases as contracts
from townhall.schemas.events.base import DomainEvent

START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


class Request:
    """One pest-control request's events, as cases, payments, booking and notifications
    would publish them."""

    def __init__(self, resident: str, reference: str | None = None):
        self.resident = resident
        # unique: the topics keep every test's events, and each store reads them all
        self.reference = reference or f"PC-{uuid.uuid4().hex[:10].upper()}"
        self.case_id = uuid.uuid4()
        self.sequence = iter(range(1, 10**6))

    def _envelope(self, source: str, type_: str, data: dict[str, Any], minute: int) -> Envelope:
        return Envelope(
            id=str(uuid.uuid4()),
            source=source,
            type=type_,
            time=START + timedelta(minutes=minute),
            subject=f"case/{self.reference}",
            residentid=self.resident,
            correlationid="journey",
            sensitivity=Sensitivity.PERSONAL,
            domain="pest_control",
            sequence=next(self.sequence),
            data=data,
        )

    def case(self, event: type[DomainEvent], minute: int, **fields: Any) -> Envelope:
        common = {
            "case_id": self.case_id,
            "reference": self.reference,
            "service_code": "pest_control",
            "resident_id": uuid.UUID(self.resident),
            "domain": "pest_control",
            "sensitivity": "personal",
        }
        data = event(**common, **fields).model_dump(mode="json")
        return self._envelope("/townhall/cases", event.TYPE, data, minute)

    def submitted(self, minute: int = 0, fee_pence: int | None = 3500) -> Envelope:
        due = (START + timedelta(days=10)).isoformat()
        return self.case(
            contracts.CaseSubmitted,
            minute,
            status="submitted",
            channel="online",
            submitted_by="resident",
            due_at=due,
            fee_pence=fee_pence,
        )

    def status(self, minute: int, before: str, after: str, reason: str = "") -> Envelope:
        return self.case(
            contracts.CaseStatusChanged,
            minute,
            from_status=before,
            to_status=after,
            reason=reason,
            changed_by="officer:1",
        )

    def internal_note(self, minute: int) -> Envelope:
        return self.case(
            contracts.CaseInternalNoteAdded,
            minute,
            note_id=uuid.uuid4(),
            text="neighbour says the resident feeds the rats",
            author="officer:1",
        )

    def other(self, service: str, type_: str, minute: int, **data: Any) -> Envelope:
        body = {"case_reference": self.reference, **data}
        return self._envelope(f"/townhall/{service}", type_, body, minute)

    def payment(self, event: type[DomainEvent], minute: int, **fields: Any) -> Envelope:
        """Payments' event about this request, as its contract says."""
        data = event(
            payment_id=uuid.uuid4(),
            case_reference=self.reference,
            resident_id=uuid.UUID(self.resident),
            service_code="pest_control",
            amount=3500,
            domain="pest_control",
            sensitivity="personal",
            **fields,
        ).model_dump(mode="json")
        return self._envelope("/townhall/payments", event.TYPE, data, minute)

    def booked(self, minute: int, starts_at: str) -> Envelope:
        """Booking's confirmed visit for this request, as its contract says."""
        starts = datetime.fromisoformat(starts_at)
        data = booking.AppointmentConfirmed(
            appointment_id=uuid.uuid4(),
            case_reference=self.reference,
            case_id=self.case_id,
            resident_id=uuid.UUID(self.resident),
            service_code="pest_control",
            domain="pest_control",
            sensitivity="personal",
            resource="pest-crew-1",
            starts_at=starts,
            ends_at=starts + timedelta(hours=1),
            booked_by=f"resident:{self.resident}",
        ).model_dump(mode="json")
        return self._envelope("/townhall/booking", booking.AppointmentConfirmed.TYPE, data, minute)


def journey(request: Request) -> list[Envelope]:
    return [
        request.submitted(0),
        request.status(5, "submitted", "triaged"),
        request.internal_note(6),
        request.status(10, "triaged", "awaiting_payment"),
        request.payment(payments.PaymentSucceeded, 20, provider_id="p-1"),
        request.status(21, "awaiting_payment", "scheduled"),
        request.booked(30, starts_at="2026-11-05T10:30:00+00:00"),
        request.other(
            "notifications",
            "townhall.notifications.message.sent.v1",
            31,
            channel="email",
            summary="We emailed you the visit details",
        ),
    ]


async def track(env: Searchable, reference: str, token: str, **params: object) -> Any:
    return await env.get(f"/tracking/{reference}", token, **params)


async def test_the_resident_follows_every_step_across_services_in_order(
    searchable: Searchable, kafka_settings: KafkaSettings
) -> None:
    env = searchable
    resident = str(uuid.uuid4())
    request = Request(resident)
    events = journey(request)
    for event in random.sample(events, len(events)):  # each service on its own topic
        topic = event.source.removeprefix("/townhall/") + ".events"
        await publish(kafka_settings, topic, event)
    token = env.issuer.resident(resident)

    async def steps_shown() -> Any:
        return await track(env, request.reference, token)

    response = await eventually(
        steps_shown, lambda r: r.status_code == 200 and len(r.json()["steps"]) == 7
    )
    body = response.json()
    shown = [e for e in events if e.type != contracts.CaseInternalNoteAdded.TYPE]
    assert [s["event_id"] for s in body["steps"]] == [e.id for e in shown]
    assert [s["service"] for s in body["steps"]] == [
        "cases", "cases", "cases", "payments", "cases", "booking", "notifications",
    ]  # fmt: skip
    assert "rats" not in response.text, "officer-internal notes never reach the resident"
    assert body["status"] == "scheduled"
    assert body["status_since"] == "2026-11-02T09:21:00Z"
    assert body["due_at"] == "2026-11-12T09:00:00Z"
    assert body["next_step"] == "A visit is booked for 5 November 2026 at 10:30."
    assert body["next"] == {
        "code": "visit_booked",
        "params": {"visit_at": "2026-11-05T10:30:00+00:00"},
    }
    assert body["steps"][-1]["summary"] == "We emailed you the visit details"
    assert (body["steps"][0]["summary_code"], body["steps"][0]["summary_params"]) == (
        "request_submitted",
        {"service_code": "pest_control", "reference": request.reference},
    ), "for a front door to word in its reader's language"
    assert (body["steps"][-1]["summary_code"], body["steps"][-1]["summary_params"]) == (None, {})


async def test_the_residents_tracking_token_sees_what_they_see_and_nobody_elses_does(
    searchable: Searchable,
) -> None:
    env = searchable
    resident = str(uuid.uuid4())
    request = Request(resident)
    await env.project(*journey(request))
    own_code = env.issuer.tracking(resident, request.reference)
    someone_elses = env.issuer.tracking(str(uuid.uuid4()), request.reference)

    mine = (await track(env, request.reference, env.issuer.resident(resident))).json()
    with_code = await track(env, request.reference, own_code)
    not_theirs = await track(env, request.reference, someone_elses)

    assert with_code.status_code == 200, with_code.text
    assert with_code.json() == mine
    assert not_theirs.status_code == 404, "a ref names a request, it does not make it yours"


async def test_a_resident_sees_only_their_own_entries_under_a_reference(
    searchable: Searchable,
) -> None:
    env = searchable
    mine, theirs = Request(str(uuid.uuid4())), Request(str(uuid.uuid4()))
    theirs.reference = mine.reference  # two systems that reused one reference
    await env.project(mine.submitted(0), theirs.submitted(1))
    for request in (mine, theirs):
        body = (await track(env, request.reference, env.issuer.resident(request.resident))).json()
        assert [s["data"]["resident_id"] for s in body["steps"]] == [request.resident]


async def test_officers_follow_a_request_as_the_policy_allows(searchable: Searchable) -> None:
    env = searchable
    request = Request(str(uuid.uuid4()))
    await env.project(*journey(request))
    pests = env.issuer.officer(("pest_control", "personal"))
    detail = await track(env, request.reference, pests, purpose="visit planning")
    assert detail.status_code == 200, detail.text
    assert "rats" in detail.text, "officers of the domain see internal notes"
    centre = env.issuer.officer(("contact_centre", "personal"))
    summary = (await track(env, request.reference, centre, purpose="resident rang")).json()
    assert {s["view"] for s in summary["steps"]} == {"summary"}
    assert {s["data"] is None for s in summary["steps"]} == {True}
    waste = env.issuer.officer(("waste", "personal"))
    assert (await track(env, request.reference, waste, purpose="curious")).status_code == 404
    assert (await track(env, request.reference, pests)).status_code == 400, "state a purpose"


async def test_what_happens_next_follows_payment(searchable: Searchable) -> None:
    env = searchable
    resident = str(uuid.uuid4())
    request = Request(resident)
    token = env.issuer.resident(resident)
    await env.project(request.submitted(0), request.status(1, "submitted", "awaiting_payment"))
    body = (await track(env, request.reference, token)).json()
    assert body["next_step"] == "Pay £35.00 so that we can go ahead with your request."
    assert body["next"] == {"code": "pay", "params": {"fee_pence": 3500}}
    failed = request.payment(payments.PaymentFailed, 2, status="failed", reason="card declined")
    await env.project(failed)
    body = (await track(env, request.reference, token)).json()
    assert (
        body["next_step"]
        == "Your payment did not go through (card declined): please pay £35.00 again."
    )
    assert body["next"] == {
        "code": "pay_again",
        "params": {"fee_pence": 3500, "reason": "card declined"},
    }


async def test_strangers_and_wrong_references_get_404_and_every_attempt_is_audited(
    searchable: Searchable,
) -> None:
    env = searchable
    resident = str(uuid.uuid4())
    request = Request(resident)
    await env.project(*journey(request))
    stranger = env.issuer.resident(str(uuid.uuid4()))
    other_ref = env.issuer.tracking(resident, "PC-2026-000001")
    owner = env.issuer.resident(resident)
    service = env.issuer.token("service:web", "service")
    assert (await track(env, request.reference, stranger)).status_code == 404
    assert (await track(env, request.reference, other_ref)).status_code == 403, "not its ref"
    assert (await track(env, "PC-2026-999999", owner)).status_code == 404
    assert (await track(env, request.reference, service)).status_code == 403
    bad = await track(env, "not a reference!", owner)
    assert bad.status_code == 422 and bad.headers["Content-Type"] == "application/problem+json"
    shown = await track(env, request.reference, owner)
    assert shown.status_code == 200
    admin = env.issuer.officer(("admin", "special"))
    trail = (await env.get("/audit/lookups", admin, action="tracking")).json()
    assert [(a["query"], a["outcome"], a["resident_ids"]) for a in trail] == [
        (request.reference, "shown", [resident]),
        (request.reference, "denied", [resident]),
        ("PC-2026-999999", "not_found", []),
        (request.reference, "denied", [resident]),
        (request.reference, "denied", [resident]),
    ]
    log = (await env.get(f"/residents/{resident}/access-log", owner)).json()
    assert [a["outcome"] for a in log] == ["shown", "denied", "denied", "denied"]
    assert log[0]["entry_ids"] == [s["event_id"] for s in shown.json()["steps"]]


def steps(*items: tuple[str, str, dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {"source": source, "type": type_, "data": data, "time": START + timedelta(minutes=n)}
        for n, (source, type_, data) in enumerate(items)
    ]


def test_the_next_step_is_told_honestly_from_the_latest_status() -> None:
    cases, changed = "/townhall/cases", contracts.CaseStatusChanged.TYPE
    submitted = ("/townhall/cases", contracts.CaseSubmitted.TYPE, {
        "status": "submitted", "due_at": "2026-11-12T09:00:00+00:00"
    })  # fmt: skip
    fresh = state(steps(submitted), START)
    assert fresh.next_step.endswith("We aim to finish by 12 November 2026.")
    late = state(steps(submitted), START + timedelta(days=11))
    assert late.overdue and "past the date we aimed for (12 November 2026)" in late.next_step
    rejected = (cases, changed, {"to_status": "rejected", "reason": "not a council matter"})
    done = state(steps(submitted, rejected), START + timedelta(days=11))
    assert not done.overdue
    assert done.next_step == "Nothing more: we could not take this request on: not a council matter"
    assert state([], START).status is None


def test_the_next_step_is_a_stable_code_with_the_facts_its_words_need() -> None:
    """A front door words the code in its own language (Welsh too); the facts are
    values, never English: the London day it aims for, the fee in pence."""
    cases, changed = "/townhall/cases", contracts.CaseStatusChanged.TYPE
    submitted = ("/townhall/cases", contracts.CaseSubmitted.TYPE, {
        "status": "submitted", "due_at": "2026-11-12T23:30:00+00:00", "fee_pence": 6500
    })  # fmt: skip
    assert state(steps(submitted), START).next == NextStep("received", {"due_on": "2026-11-12"})
    late = state(steps(submitted), START + timedelta(days=11)).next
    assert late == NextStep("received", {"due_on": "2026-11-12", "overdue": True})
    summer = ("/townhall/cases", contracts.CaseSubmitted.TYPE, {
        "status": "submitted", "due_at": "2026-07-12T23:30:00+00:00"
    })  # fmt: skip
    assert state(steps(summer), START).next.params["due_on"] == "2026-07-13", "London time"
    paying = (cases, changed, {"to_status": "awaiting_payment"})
    assert state(steps(submitted, paying), START).next == NextStep("pay", {"fee_pence": 6500})
    for status in ("closed", "cancelled"):
        ended = (cases, changed, {"to_status": status})
        assert state(steps(submitted, ended), START).next == NextStep("ended", {"status": status})
    assert state([], START).next == NextStep("no_progress")
    assert state([], START).next.code in NEXT_STEPS
