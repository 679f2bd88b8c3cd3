"""Slots from calendars: local hours across the clock changes, bank holidays, the
window, notice and cut-off. Pure domain: no database."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from townhall.booking.domain import exceptions as ex
from townhall.booking.domain.calendar import LONDON, CutOff, at_local, covers, local
from townhall.booking.testing import MONDAY, calendar


def _nine_oclock(day: date) -> datetime:
    return datetime.combine(day, time(9), LONDON).astimezone(UTC)


@pytest.mark.parametrize(
    ("day", "utc_hour"),
    [
        (date(2026, 3, 28), 9),  # GMT, the day before the clocks go forward
        (date(2026, 3, 29), 8),  # the clocks went forward at 01:00 GMT: BST
        (date(2026, 10, 24), 8),  # BST
        (date(2026, 10, 25), 9),  # the clocks went back at 02:00 BST: GMT
    ],
)
def test_a_nine_oclock_slot_stays_nine_oclock_local_across_clock_changes(
    day: date, utc_hour: int
) -> None:
    van = calendar().resources[0]
    starts = [start for start, _ in van.slots_on(day)]
    assert starts[0] == datetime.combine(day, time(utc_hour), UTC)
    assert [local(s).strftime("%H:%M") for s in starts] == ["09:00", "10:00", "11:00"]


def test_an_hour_the_clocks_skip_is_no_slot_and_a_repeated_hour_is_its_first() -> None:
    assert at_local(date(2026, 3, 29), time(1, 30)) is None
    repeated = at_local(date(2026, 10, 25), time(1, 30))
    assert repeated == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 01:30 BST


def test_the_cut_off_is_local_time_on_the_day_before_whatever_the_clocks_do() -> None:
    cutoff = CutOff(days_before=1, at=time(14))
    # Monday 30 March closes on Sunday 29 March at 14:00 BST, 13:00 UTC.
    assert cutoff.deadline(date(2026, 3, 30)) == datetime(2026, 3, 29, 13, tzinfo=UTC)
    assert cutoff.deadline(date(2026, 10, 26)) == datetime(2026, 10, 25, 14, tzinfo=UTC)


def test_offers_skip_england_and_wales_bank_holidays() -> None:
    now = datetime(2026, 3, 30, 8, tzinfo=UTC)
    days = {offer.day for offer in calendar().offers("N1 1AA", now)}
    assert date(2026, 4, 3) not in days  # Good Friday
    assert date(2026, 4, 6) not in days  # Easter Monday (England and Wales)
    assert date(2026, 4, 4) in days


def test_the_window_opens_on_the_first_day_whose_cut_off_has_not_passed() -> None:
    rules = calendar(window_days=10).rules
    before = datetime(2026, 3, 2, 13, 59, tzinfo=UTC)  # Monday 13:59 GMT
    after = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
    assert rules.window(before) == (date(2026, 3, 3), date(2026, 3, 12))
    assert rules.window(after) == (date(2026, 3, 4), date(2026, 3, 13))


def test_minimum_notice_hides_slots_too_soon() -> None:
    cal = calendar(minimum_notice_hours=48, cutoff=None)
    first = min(offer.starts_at for offer in cal.offers("N1 1AA", MONDAY))
    assert first >= MONDAY + timedelta(hours=48)
    with pytest.raises(ex.TooLittleNoticeError):
        cal.offer("van-1", _nine_oclock(date(2026, 3, 3)), "N1 1AA", MONDAY)


@pytest.mark.parametrize(
    ("resource", "starts_at", "postcode", "error"),
    [
        ("van-1", datetime(2026, 3, 1, 9, tzinfo=UTC), "N1 1AA", ex.SlotInPastError),
        ("van-1", datetime(2026, 3, 3, 9, 30, tzinfo=UTC), "N1 1AA", ex.NotASlotError),
        ("van-1", datetime(2026, 4, 3, 8, tzinfo=UTC), "N1 1AA", ex.NotASlotError),
        ("van-1", datetime(2026, 5, 5, 8, tzinfo=UTC), "N1 1AA", ex.OutsideWindowError),
        ("van-1", datetime(2026, 3, 2, 11, tzinfo=UTC), "N1 1AA", ex.CutOffPassedError),
        ("van-1", datetime(2026, 3, 4, 9, tzinfo=UTC), "SW1A 1AA", ex.OutsideAreaError),
        ("crew-9", datetime(2026, 3, 4, 9, tzinfo=UTC), "N1 1AA", ex.WrongServiceTypeError),
    ],
)
def test_a_slot_that_cannot_be_booked_says_why(
    resource: str, starts_at: datetime, postcode: str, error: type[Exception]
) -> None:
    with pytest.raises(error):
        calendar().offer(resource, starts_at, postcode, MONDAY)


@pytest.mark.parametrize(
    ("areas", "postcode", "covered"),
    [
        (("N1",), "n1 2ab", True),
        (("N1",), "N12 3AB", False),
        (("N",), "N12 3AB", True),
        (("N",), "NW1 3AB", False),
        (("SW1A 1",), "SW1A 1AA", True),
        (("SW1A 1",), "SW1A 2AA", False),
        (("E1",), "E1W 1AA", False),
        # a sector, as cases publishes it in clear
        (("N1",), "N1 2", True),
        (("N",), "n12 3", True),
        (("SW1A 1",), "SW1A 1", True),
        (("SW1A 1",), "SW1A 2", False),
        (("N19 4",), "N1 9", False),
    ],
)
def test_areas_are_outward_codes_sectors_or_postcode_areas(
    areas: tuple[str, ...], postcode: str, covered: bool
) -> None:
    assert covers(areas, postcode) is covered
