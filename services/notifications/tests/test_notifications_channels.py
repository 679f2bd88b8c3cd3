"""Which channel, and when a text may go: pure rules, no I/O."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from townhall.notifications.domain.channels import Reach, choose_channel, send_after

ALL = ("email", "sms", "letter")


@pytest.mark.parametrize(
    ("allowed", "chosen", "reach", "expected"),
    [
        (ALL, (), Reach(email=True, sms=True, letter=True), "email"),
        (ALL, ("sms",), Reach(email=True, sms=True), "sms"),
        (ALL, ("sms",), Reach(email=True), "email"),  # chosen but unreachable: fall back
        (ALL, ("letter",), Reach(email=True, letter=True), "letter"),
        (ALL, (), Reach(sms=True), "sms"),
        (ALL, (), Reach(letter=True), "letter"),  # nobody offline is left out
        (("email", "sms"), (), Reach(letter=True), None),
        (ALL, (), Reach(), None),
    ],
)
def test_the_channel_follows_choice_then_reach(
    allowed: tuple[str, ...], chosen: tuple[str, ...], reach: Reach, expected: str | None
) -> None:
    assert choose_channel(allowed, chosen, reach) == expected


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (datetime(2026, 1, 5, 20, 59, tzinfo=UTC), datetime(2026, 1, 5, 20, 59, tzinfo=UTC)),
        (datetime(2026, 1, 5, 21, 0, tzinfo=UTC), datetime(2026, 1, 6, 8, 0, tzinfo=UTC)),
        (datetime(2026, 1, 6, 3, 0, tzinfo=UTC), datetime(2026, 1, 6, 8, 0, tzinfo=UTC)),
        (datetime(2026, 1, 6, 8, 0, tzinfo=UTC), datetime(2026, 1, 6, 8, 0, tzinfo=UTC)),
        # British Summer Time: 21:00 London is 20:00 UTC, 08:00 London is 07:00 UTC
        (datetime(2026, 7, 1, 20, 0, tzinfo=UTC), datetime(2026, 7, 2, 7, 0, tzinfo=UTC)),
        (datetime(2026, 7, 2, 6, 59, tzinfo=UTC), datetime(2026, 7, 2, 7, 0, tzinfo=UTC)),
        # the night the clocks go forward (29 March 2026)
        (datetime(2026, 3, 28, 23, 0, tzinfo=UTC), datetime(2026, 3, 29, 7, 0, tzinfo=UTC)),
    ],
)
def test_texts_wait_out_quiet_hours_in_london_time(now: datetime, expected: datetime) -> None:
    assert send_after(now, "sms", urgent=False) == expected


def test_urgent_texts_and_other_channels_go_at_any_hour() -> None:
    night = datetime(2026, 1, 5, 23, 0, tzinfo=UTC)
    assert send_after(night, "sms", urgent=True) == night
    assert send_after(night, "email", urgent=False) == night
    assert send_after(night, "letter", urgent=False) == night
