"""Booking's domain errors; the API maps them to problem responses in one place."""

from __future__ import annotations

from datetime import date, datetime, timedelta


class BookingError(Exception):
    """Base of every booking domain error."""


class SlotChoiceError(BookingError):
    """The slot chosen cannot be booked (a 422: choose another)."""

    title = "Slot cannot be booked"


class WrongServiceTypeError(SlotChoiceError):
    title = "Resource does not do this service type"

    def __init__(self, resource: str, service_type: str):
        super().__init__(f"resource {resource!r} takes no bookings for {service_type}")


class SlotInPastError(SlotChoiceError):
    title = "Slot in the past"

    def __init__(self, starts_at: datetime):
        super().__init__(f"the slot at {starts_at.isoformat()} has already started")


class NotASlotError(SlotChoiceError):
    title = "Not a slot"

    def __init__(self, resource: str, starts_at: datetime, why: str):
        super().__init__(f"{resource} at {starts_at.isoformat()} cannot be booked: {why}")


class OutsideAreaError(SlotChoiceError):
    title = "Outside the resource's area"

    def __init__(self, resource: str, postcode: str):
        super().__init__(f"resource {resource!r} does not cover postcode {postcode}")


class OutsideWindowError(SlotChoiceError):
    title = "Outside the booking window"

    def __init__(self, starts_at: datetime, first: date, last: date):
        super().__init__(
            f"{starts_at.isoformat()} is outside the booking window ({first} to {last})"
        )


class TooLittleNoticeError(SlotChoiceError):
    title = "Too little notice"

    def __init__(self, starts_at: datetime, notice: timedelta):
        hours = notice.total_seconds() / 3600
        super().__init__(f"{starts_at.isoformat()} is less than {hours:g} hours away")


class CutOffPassedError(BookingError):
    """Too late to book, change or cancel (a 409)."""

    def __init__(self, starts_at: datetime, closed_at: datetime | None):
        when = f" (it closed at {closed_at.isoformat()})" if closed_at else ""
        super().__init__(f"bookings for {starts_at.isoformat()} can no longer change{when}")
        #: When it closed: the problem's ``cut_off_at`` (None: the visit has begun).
        self.closed_at = closed_at


class SlotTakenError(BookingError):
    def __init__(self, what: str):
        super().__init__(what)


class HoldExpiredError(BookingError):
    def __init__(self, hold_id: object):
        super().__init__(f"hold {hold_id} has expired or was released: choose a slot again")


class NotFoundError(BookingError):
    """Something that does not exist, or is not the caller's to see (a 404)."""


class CaseNotKnownError(NotFoundError):
    def __init__(self, reference: str):
        super().__init__(f"no bookable case with reference {reference!r}")


class HoldNotFoundError(NotFoundError):
    def __init__(self, hold_id: object):
        super().__init__(f"no hold {hold_id}")


class AppointmentNotFoundError(NotFoundError):
    def __init__(self, appointment_id: object):
        super().__init__(f"no appointment {appointment_id}")


class NoCalendarError(BookingError):
    def __init__(self, service_type: str):
        super().__init__(f"service type {service_type!r} takes no bookings")


class NoLocationError(BookingError):
    def __init__(self, reference: str):
        super().__init__(f"case {reference} has no postcode: give the property's postcode")


class AppointmentStateError(BookingError):
    """The appointment is not in a state that allows this (a 409)."""


class ConcurrentUpdateError(BookingError):
    def __init__(self, what: object):
        super().__init__(f"{what} was changed by someone else; try again")


class NotPermittedError(BookingError):
    """The caller may not do this (a 403)."""
