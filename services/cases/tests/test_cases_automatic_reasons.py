"""The words cases writes itself (a fee due, a payment or booking arriving) travel with a
stable code and its facts, in clear, so a front door words them in the resident's
language; the English is the same as before, and an officer's own words have no code
(through bootstrap() with the fake unit of work and in-memory keys)."""

from __future__ import annotations

from typing import Any

import pytest

from services.cases.tests.test_cases_sealing_unit import ADA, World
from townhall.cases.domain import commands
from townhall.schemas.envelope import Envelope
from townhall.schemas.events import cases as contracts

PEST_OFFICER = commands.Actor("officer-2", "officer", {"pest_control": ("personal",)})


@pytest.fixture
def world() -> World:
    return World()


async def _rats(world: World) -> str:
    command = commands.SubmitCase(
        service_code="pest_control",
        details={"pest": "rats", "rooms_affected": 1},
        channel="phone",
        actor=PEST_OFFICER,
        resident_id=ADA,
        location=commands.Location(address="1 High Street"),
    )
    return str((await world.handle(command)).reference)


def _changes(world: World) -> list[dict[str, Any]]:
    return [e.data for e in world.outbox.envelopes if e.type == contracts.CaseStatusChanged.TYPE]


async def test_each_automatic_status_change_carries_its_code_facts_and_the_same_english(
    world: World,
) -> None:
    reference = await _rats(world)
    await world.handle(commands.RecordPayment(reference, "pay-1", succeeded=True))
    booked = commands.RecordAppointment(reference, "ap-1", True, "2026-03-09T09:00:00+00:00")
    await world.handle(booked)
    await world.handle(commands.RecordAppointment(reference, "ap-1", confirmed=False))

    said = [(d["reason"], d["reason_code"], d["reason_params"]) for d in _changes(world)]
    assert said == [
        ("Pay £65.00 to continue", "fee_due", {"amount_pence": 6500}),
        ("Payment received", "payment_received", None),
        (
            "Appointment booked for 2026-03-09T09:00:00+00:00",
            "appointment_booked",
            {"starts_at": "2026-03-09T09:00:00+00:00"},
        ),
        ("Appointment cancelled: please book a new one", "appointment_cancelled", None),
    ]


async def test_a_booking_without_a_time_says_so_in_its_code_without_facts(world: World) -> None:
    reference = await _rats(world)
    await world.handle(commands.RecordPayment(reference, "pay-1", succeeded=True))
    await world.handle(commands.RecordAppointment(reference, "ap-1", confirmed=True))

    last = _changes(world)[-1]
    assert (last["reason"], last["reason_code"], last["reason_params"]) == (
        "Appointment booked",
        "appointment_booked",
        None,
    )


async def test_a_failed_payments_update_is_sealed_but_its_code_travels_in_clear(
    world: World,
) -> None:
    reference = await _rats(world)
    await world.handle(commands.RecordPayment(reference, "pay-0", succeeded=False))

    update: Envelope = world.last()
    assert update.type == contracts.CaseUpdatePosted.TYPE
    assert (update.data["text"], update.data["text_code"]) == ("", "payment_failed")
    assert world.opened(update)["text"] == "Your payment did not go through. Please try again."


async def test_an_officers_own_words_stay_as_typed_with_no_code(world: World) -> None:
    reference = await _rats(world)
    await world.handle(commands.ChangeStatus(reference, "cancelled", "Rats gone", PEST_OFFICER))
    await world.handle(commands.AddNote(reference, "We called you", True, PEST_OFFICER))

    moved, posted = world.outbox.envelopes[-2:]
    assert (moved.data["reason_code"], moved.data["reason_params"]) == (None, None)
    assert world.opened(moved)["reason"] == "Rats gone"
    assert posted.data["text_code"] is None
    assert world.opened(posted)["text"] == "We called you"


def test_the_codes_round_trip_through_their_contracts_and_older_events_still_read() -> None:
    base = {
        "case_id": "7d3c2b9e-5b1a-4f0e-9c1d-2a3b4c5d6e7f",
        "reference": "PC-2026-000001",
        "service_code": "pest_control",
        "domain": "environmental_health",
        "sensitivity": "personal",
        "resident_id": None,
    }
    changed = contracts.CaseStatusChanged.model_validate(
        {
            **base,
            "from_status": "submitted",
            "to_status": "awaiting_payment",
            "reason": "Pay £65.00 to continue",
            "changed_by": "system:fee",
            "reason_code": "fee_due",
            "reason_params": {"amount_pence": 6500},
        }
    )
    again = contracts.CaseStatusChanged.model_validate_json(changed.model_dump_json())
    assert (again.reason_code, again.reason_params) == ("fee_due", {"amount_pence": 6500})
    update = {**base, "note_id": base["case_id"], "text": "", "author": "system:payments:p"}
    posted = contracts.CaseUpdatePosted.model_validate({**update, "text_code": "payment_failed"})
    assert contracts.CaseUpdatePosted.model_validate_json(posted.model_dump_json()) == posted
    older = contracts.CaseUpdatePosted.model_validate(update)
    assert older.text_code is None
