"""Reactions to payments and booking, and the SLA check: each one small handler.

An outcome that does not fit the case's state (a payment for a cancelled case, say) is
never dropped: it becomes an internal note, so an officer can act (refund, rebook).
"""

from __future__ import annotations

from townhall.cases.domain import commands
from townhall.cases.domain.catalogue import FINISHED_STATES
from townhall.cases.domain.model import Case
from townhall.cases.service_layer.handlers import load
from townhall.cases.service_layer.unit_of_work import UnitOfWork
from townhall.runtime.clock import Clock


def _note(
    case: Case, text: str, *, public: bool, by: str, clock: Clock, code: str | None = None
) -> None:
    case.add_note(text=text, public=public, by=by, now=clock(), text_code=code)


def _on_payment(case: Case, cmd: commands.RecordPayment, clock: Clock) -> None:
    by = f"system:payments:{cmd.payment_id}"
    after = case.service_type.lifecycle.after_payment
    if case.status != "awaiting_payment" or after is None:
        outcome = "succeeded" if cmd.succeeded else "failed"
        text = f"Payment {cmd.payment_id} {outcome} while the case was {case.status}"
        _note(case, text, public=False, by=by, clock=clock)
    elif cmd.succeeded:
        case.move_to(
            after, reason="Payment received", by=by, now=clock(), reason_code="payment_received"
        )
    else:
        text = "Your payment did not go through. Please try again."
        _note(case, text, public=True, by=by, clock=clock, code="payment_failed")


def _on_appointment(case: Case, cmd: commands.RecordAppointment, clock: Clock) -> None:
    by = f"system:booking:{cmd.appointment_id}"
    after_cancel = case.service_type.lifecycle.after_booking_cancelled
    if cmd.confirmed and case.can_move_to("scheduled"):
        when = f" for {cmd.starts_at}" if cmd.starts_at else ""
        case.move_to(
            "scheduled",
            reason=f"Appointment booked{when}",
            by=by,
            now=clock(),
            reason_code="appointment_booked",
            reason_params={"starts_at": cmd.starts_at} if cmd.starts_at else None,
        )
    elif not cmd.confirmed and case.status == "scheduled" and after_cancel:
        reason = "Appointment cancelled: please book a new one"
        case.move_to(
            after_cancel,
            reason=reason,
            by=by,
            now=clock(),
            reason_code="appointment_cancelled",
        )
    else:
        outcome = "confirmed" if cmd.confirmed else "cancelled"
        text = f"Appointment {cmd.appointment_id} {outcome} while the case was {case.status}"
        _note(case, text, public=False, by=by, clock=clock)


async def record_payment(cmd: commands.RecordPayment, uow: UnitOfWork, *, clock: Clock) -> str:
    async with uow:
        case = await load(uow, cmd.case_reference)
        _on_payment(case, cmd, clock)
        await uow.cases.save(case)
        await uow.commit()
    return case.status


async def record_appointment(
    cmd: commands.RecordAppointment, uow: UnitOfWork, *, clock: Clock
) -> str:
    async with uow:
        case = await load(uow, cmd.case_reference)
        _on_appointment(case, cmd, clock)
        await uow.cases.save(case)
        await uow.commit()
    return case.status


async def check_sla(cmd: commands.CheckSla, uow: UnitOfWork, *, clock: Clock) -> int:
    """Record a breach for each overdue open case. The case's version makes it once only:
    a second checker racing this one fails its save and rolls back."""
    now = clock()
    async with uow:
        overdue = await uow.cases.overdue(now, sorted(FINISHED_STATES), cmd.limit)
        for case in overdue:
            if case.sla_breached(now):
                await uow.cases.save(case)
        await uow.commit()
    return len(overdue)
