"""Events become messages: once per event, rule and recipient, by the right channel, in
the resident's language, never to an erased resident, texts not at night."""

from __future__ import annotations

import contextlib
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from prometheus_client import REGISTRY

from townhall.notifications.domain import commands
from townhall.notifications.domain.rules import render
from townhall.notifications.service_layer.senders import Message, SendFailedError, SendRefusedError
from townhall.notifications.testing import (
    already_registered,
    case_submitted,
    code_issued,
    contact_points,
    erased,
    harness,
    registered,
    resident_matched,
    status_changed,
    visit_booked,
)
from townhall.runtime.data_keys import DataKeyUnavailableError
from townhall.runtime.outbox import EventContext

SENT = "townhall.notifications.notification.sent.v1"
FAILED = "townhall.notifications.notification.failed.v1"


async def test_a_submitted_case_sends_one_email_in_the_residents_language() -> None:
    h = harness()
    resident = uuid.uuid4()
    await h.consume(registered(h.keys, resident, language="cy", email="ada@example.test"))
    await h.consume(case_submitted(resident))
    assert await h.dispatch() == 1
    [message] = h.sender.sent
    assert (message.channel, message.language, message.to) == ("email", "cy", "ada@example.test")
    assert message.personalisation == {
        "reference": "PC-2026-000123",
        "service": "pest control",
        "service_cy": "pest control",  # an older event: no Welsh name, the code in words
    }
    [event] = h.published()
    assert event.type == SENT
    assert (event.data["channel"], event.data["case_reference"]) == ("email", "PC-2026-000123")
    assert event.domain == "pest_control"
    assert event.data["summary"] == "Email about request PC-2026-000123 sent"


async def test_a_welsh_message_names_the_service_in_welsh_as_the_catalogue_does() -> None:
    """Cases names the type in each language with the submitted request; what follows
    it (booking's confirmation here) is named the same way, though booking says only
    its code."""
    h = harness()
    resident = uuid.uuid4()
    names = {"en": "Pest control", "cy": "Rheoli plâu"}
    await h.consume(registered(h.keys, resident, language="cy", email="ada@example.test"))
    await h.consume(case_submitted(resident, service_names=names))
    await h.consume(visit_booked(resident, starts_at=datetime(2026, 12, 8, 9, tzinfo=UTC)))

    assert await h.dispatch() == 2
    submitted, booked = h.sender.sent
    assert submitted.personalisation["service_cy"] == "rheoli plâu"
    assert booked.personalisation["service_cy"] == "rheoli plâu"
    assert booked.personalisation["service"] == "pest control"
    body = render(booked.template.wording("email", "cy").body, booked.personalisation)
    assert "Mae eich ymweliad rheoli plâu ar gyfer cais PC-2026-000123" in body


async def test_every_event_delivered_twice_sends_each_message_once() -> None:
    h = harness()
    resident = uuid.uuid4()
    events = [
        registered(h.keys, resident, email="ada@example.test"),
        case_submitted(resident),
        status_changed(resident),
        code_issued(h.keys, resident, "sms", "+447700900123", "123456"),
    ]
    for event in events:
        await h.consume(event, event)
    await h.dispatch()
    await h.consume(*events)  # a broker reset replays everything
    await h.dispatch()
    assert sorted(m.template.name for m in h.sender.sent) == [
        "case_status_changed",
        "case_submitted",
        "one_time_code",
    ]
    assert len(h.store.notifications) == 3
    assert [e.type for e in h.published()].count(SENT) == 3


def skipped(reason: str) -> float:
    return (
        REGISTRY.get_sample_value("townhall_notifications_skipped_total", {"reason": reason}) or 0
    )


async def test_an_erased_residents_event_is_skipped_counted_and_nothing_is_sent() -> None:
    h = harness()
    resident = uuid.uuid4()
    h.keys.erase(resident)
    before = skipped("no_data_key")
    await h.consume(case_submitted(resident))
    assert h.store.notifications == {}
    assert await h.dispatch() == 0
    assert skipped("no_data_key") == before + 1


async def test_a_duplicate_is_counted_not_recorded() -> None:
    h = harness()
    event = case_submitted(uuid.uuid4())
    before = skipped("duplicate")
    await h.consume(event, event)
    assert len(h.store.notifications) == 1
    assert skipped("duplicate") == before + 1


async def test_identity_down_makes_the_event_wait_not_vanish() -> None:
    h = harness()
    h.keys.down = True
    with pytest.raises(DataKeyUnavailableError):  # retryable: the consumer tries again
        await h.consume(case_submitted(uuid.uuid4()))
    assert h.store.notifications == {}


async def test_erasure_cancels_what_waits_and_forgets_how_to_reach_them() -> None:
    h = harness()
    resident = uuid.uuid4()
    await h.consume(
        registered(h.keys, resident, email="ada@example.test"), case_submitted(resident)
    )
    await h.consume(erased(resident))
    h.keys.erase(resident)
    assert await h.dispatch() == 0
    assert h.store.contacts == {}
    assert all(n.sealed is None for n in h.store.notifications.values())


async def test_an_event_about_nobody_records_nothing_and_is_counted() -> None:
    h = harness()
    before = skipped("no_resident")
    await h.consume(case_submitted(None))
    assert h.store.notifications == {}
    assert skipped("no_resident") == before + 1


async def test_a_request_matched_after_it_was_made_is_acknowledged_once_at_the_match() -> None:
    h = harness()
    resident = uuid.uuid4()
    await h.consume(registered(h.keys, resident, language="cy", email="ada@example.test"))
    await h.consume(case_submitted(None, "PC-2026-000777"))  # identity away: nobody to tell
    assert await h.dispatch() == 0
    matched = resident_matched(resident, "PC-2026-000777")
    await h.consume(matched, matched)
    assert await h.dispatch() == 1
    [message] = h.sender.sent
    assert (message.template.name, message.channel, message.language) == (
        "case_resident_matched",
        "email",
        "cy",
    )
    assert message.personalisation == {
        "reference": "PC-2026-000777",
        "service": "pest control",
        "service_cy": "pest control",
        "submitted_on": "Monday 5 January 2026",
        "submitted_on_cy": "Dydd Llun 5 Ionawr 2026",
    }
    [event] = h.published()
    assert (event.type, event.data["case_reference"]) == (SENT, "PC-2026-000777")


async def test_the_code_goes_where_the_event_says_and_never_into_the_timeline() -> None:
    h = harness(datetime(2026, 1, 5, 23, 30, tzinfo=UTC))  # quiet hours: codes are urgent
    resident = uuid.uuid4()
    await h.consume(code_issued(h.keys, resident, "sms", "+447700900123", "987654"))
    assert await h.dispatch() == 1
    [message] = h.sender.sent
    assert (message.channel, message.to, message.personalisation["code"]) == (
        "sms",
        "+447700900123",
        "987654",
    )
    assert "987654" not in str([e.model_dump() for e in h.published()])
    assert all(n.sealed is None for n in h.store.notifications.values())


async def test_a_code_goes_in_the_language_it_was_asked_in_over_the_residents_own() -> None:
    h = harness()
    welsh, english = uuid.uuid4(), uuid.uuid4()
    await h.consume(registered(h.keys, welsh, language="en", email="ada@example.test"))
    await h.consume(registered(h.keys, english, language="cy", email="bo@example.test"))
    await h.consume(code_issued(h.keys, welsh, "email", "ada@example.test", "111111", "cy"))
    await h.consume(code_issued(h.keys, english, "email", "bo@example.test", "222222", "en"))
    assert await h.dispatch() == 2
    languages = {m.personalisation["code"]: m.language for m in h.sender.sent}
    assert languages == {"111111": "cy", "222222": "en"}


async def test_a_code_asked_without_a_language_goes_in_the_residents_own() -> None:
    h = harness()
    resident = uuid.uuid4()
    await h.consume(registered(h.keys, resident, language="cy", email="ada@example.test"))
    await h.consume(code_issued(h.keys, resident, "email", "ada@example.test", "333333"))
    assert await h.dispatch() == 1
    assert h.sender.sent[0].language == "cy"


async def test_the_owner_of_an_address_someone_tried_is_told_there_and_only_there() -> None:
    h = harness()
    resident = uuid.uuid4()
    await h.consume(registered(h.keys, resident, language="cy", email="ada@example.test"))
    await h.consume(already_registered(h.keys, resident, "sms", "+447700900123"))
    assert await h.dispatch() == 1
    [message] = h.sender.sent
    assert (message.template.name, message.channel, message.to, message.language) == (
        "contact_point_already_registered",
        "sms",
        "+447700900123",
        "cy",
    )
    assert message.personalisation == {}
    [event] = h.published()
    assert event.type == SENT
    assert "+447700900123" not in str(event.model_dump())


async def test_a_text_in_quiet_hours_waits_for_eight_in_the_morning_london_time() -> None:
    h = harness(datetime(2026, 7, 1, 20, 30, tzinfo=UTC))  # 21:30 BST
    resident = uuid.uuid4()
    await h.consume(
        contact_points(h.keys, resident, phone="+447700900123"), case_submitted(resident)
    )
    assert await h.dispatch() == 0
    h.clock.advance(timedelta(hours=10))  # 07:30 BST
    assert await h.dispatch() == 0
    h.clock.advance(timedelta(minutes=30))  # 08:00 BST
    assert await h.dispatch() == 1
    assert h.sender.sent[0].channel == "sms"


async def test_the_residents_chosen_channel_comes_first() -> None:
    h = harness()
    resident = uuid.uuid4()
    await h.consume(
        contact_points(h.keys, resident, email="ada@example.test", phone="+447700900123")
    )
    await h.service.bus.handle(commands.SetPreferences(resident, ("sms",)), EventContext("t"))
    await h.consume(case_submitted(resident))
    await h.dispatch()
    assert h.sender.sent[0].channel == "sms"


async def test_a_resident_with_no_email_or_phone_gets_a_letter() -> None:
    h = harness()
    resident = uuid.uuid4()
    await h.consume(registered(h.keys, resident, postcode="EX1 1AA"), case_submitted(resident))
    await h.dispatch()
    [letter] = h.sender.sent
    assert letter.channel == "letter"
    assert letter.to == ["Ada Example", "1 Test Street", "Exampleton", "EX1 1AA"]


async def test_an_opt_out_stops_non_essential_messages_only() -> None:
    h = harness()
    resident = uuid.uuid4()
    await h.consume(contact_points(h.keys, resident, email="ada@example.test"))
    await h.service.bus.handle(
        commands.SetPreferences(resident, (), None, non_essential=False), EventContext("t")
    )
    await h.consume(status_changed(resident), case_submitted(resident))
    await h.dispatch()
    assert [m.template.name for m in h.sender.sent] == ["case_submitted"]


async def test_an_unreachable_resident_waits_then_fails_with_an_event() -> None:
    h = harness()
    resident = uuid.uuid4()
    await h.consume(case_submitted(resident))
    for _ in range(8):
        await h.dispatch()
        h.clock.advance(timedelta(hours=2))
    [event] = h.published()
    assert (event.type, event.data["reason"], event.data["channel"]) == (
        FAILED,
        "unreachable",
        "none",
    )


async def test_contact_points_arriving_late_are_used_on_the_next_try() -> None:
    h = harness()
    resident = uuid.uuid4()
    await h.consume(case_submitted(resident))
    assert await h.dispatch() == 0
    await h.consume(contact_points(h.keys, resident, email="ada@example.test"))
    h.clock.advance(timedelta(minutes=1))
    assert await h.dispatch() == 1


async def test_a_refusal_fails_at_once_and_a_passing_failure_is_tried_again() -> None:
    h = harness()
    first, second = uuid.uuid4(), uuid.uuid4()
    await h.consume(contact_points(h.keys, first, email="a@example.test"), case_submitted(first))
    h.sender.failing = SendRefusedError("400 BadRequestError")
    await h.dispatch()
    assert [e.data["reason"] for e in h.published()] == ["rejected"]
    await h.consume(contact_points(h.keys, second, email="b@example.test"), case_submitted(second))
    h.sender.failing = SendFailedError("Notify: 503")
    assert await h.dispatch() == 0
    h.sender.failing = None
    h.clock.advance(timedelta(minutes=1))
    assert await h.dispatch() == 1


async def test_a_send_whose_answer_was_lost_is_recorded_not_sent_again() -> None:
    h = harness()
    resident = uuid.uuid4()
    await h.consume(
        contact_points(h.keys, resident, email="a@example.test"), case_submitted(resident)
    )
    h.sender.lost_answers = 1
    with contextlib.suppress(ConnectionResetError):
        await h.dispatch()  # the process "dies" with the notification claimed
    assert await h.dispatch() == 0  # the claim holds
    h.clock.advance(timedelta(minutes=6))
    await h.dispatch()
    assert len(h.sender.sent) == 1
    assert [e.type for e in h.published()] == [SENT]


async def test_a_receipt_that_overtakes_the_senders_answer_is_kept_and_told_once() -> None:
    h = harness()
    resident = uuid.uuid4()
    await h.consume(
        contact_points(h.keys, resident, phone="+447700900123"), case_submitted(resident)
    )

    async def notify_calls_back_first(message: Message) -> None:
        receipt = commands.RecordReceipt(message.reference, "delivered", "sms", "notify-1")
        await h.service.bus.handle(receipt, EventContext("callback"))

    h.sender.while_sending = notify_calls_back_first
    await h.dispatch()
    [notification] = h.store.notifications.values()
    assert notification.status == "delivered"
    assert [e.type.rsplit(".", 2)[-2] for e in h.published()] == ["sent", "delivered"]
