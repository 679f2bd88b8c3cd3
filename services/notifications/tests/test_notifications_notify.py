"""The GOV.UK Notify sender, through the official client, against a local Notify stub
that checks requests as Notify does: what Townhall sends is what Notify accepts."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator

import pytest

from townhall.notifications.adapters.notify import NotifySender, RateLimit
from townhall.notifications.adapters.rulebook import load_rulebook
from townhall.notifications.domain.rules import LANGUAGES, RuleBook
from townhall.notifications.service_layer.senders import Message, SendFailedError, SendRefusedError
from townhall.notifications.testing import case_submitted, contact_points, harness, registered
from townhall.notifications.testing_notify import NotifyStub, running

BOOK = load_rulebook()


@pytest.fixture(scope="module")
def notify() -> Iterator[NotifyStub]:
    with running(NotifyStub()) as stub:
        yield stub


def with_notify_ids(book: RuleBook, stub: NotifyStub) -> RuleBook:
    """The bundled templates, each registered in the stub as a council would in Notify."""
    templates = {}
    for name, template in book.templates.items():
        ids = {
            channel: {lang: stub.template(channel, *template.fields()) for lang in LANGUAGES}
            for channel in template.channels
        }
        templates[name] = dataclasses.replace(template, notify_ids=ids)
    return RuleBook(book.rules, templates)


def _message(book: RuleBook, channel: str, to: str | list[str], **personalisation: str) -> Message:
    return Message(
        str(uuid.uuid4()),
        uuid.uuid4(),
        channel,
        "cy",
        book.template("case_submitted"),
        to,
        personalisation
        or {"reference": "PC-2026-000001", "service": "pest control", "service_cy": "rheoli plâu"},
    )


async def test_an_email_text_and_letter_are_accepted_as_sent(notify: NotifyStub) -> None:
    book = with_notify_ids(BOOK, notify)
    sender = NotifySender(notify.api_key, notify.base_url)
    email = _message(book, "email", "ada@example.test")
    text = _message(book, "sms", "+447700900123")
    letter = _message(book, "letter", ["Ada Example", "1 Test Street", "Exampleton", "EX1 1AA"])
    for message in (email, text, letter):
        provider_id = await sender.send(message)
        kept = notify.sent[provider_id]
        assert kept["reference"] == message.reference
        assert kept["template_id"] == message.template.notify_id(message.channel, "cy")
    assert notify.sent[await sender.send(email)]["email_address"] == "ada@example.test"
    lines = [
        v
        for k, v in sorted(notify.sent[await sender.send(letter)]["personalisation"].items())
        if k.startswith("address_line_")
    ]
    assert lines == ["Ada Example", "1 Test Street", "Exampleton", "EX1 1AA"]


async def test_find_answers_what_notify_holds_for_a_reference(notify: NotifyStub) -> None:
    book = with_notify_ids(BOOK, notify)
    sender = NotifySender(notify.api_key, notify.base_url)
    message = _message(book, "sms", "+447700900123")
    assert await sender.find(message.reference) is None
    provider_id = await sender.send(message)
    found = await sender.find(message.reference)
    assert found is not None
    assert (found.provider_id, found.channel) == (provider_id, "sms")


async def test_notify_refusals_are_never_retried(notify: NotifyStub) -> None:
    book = with_notify_ids(BOOK, notify)
    sender = NotifySender(notify.api_key, notify.base_url)
    with pytest.raises(SendRefusedError, match="Missing personalisation: service"):
        await sender.send(_message(book, "email", "a@example.test", reference="PC-1"))
    wrong = dataclasses.replace(
        book.template("case_submitted"),
        notify_ids={"email": {"cy": book.template("case_submitted").notify_id("sms", "cy") or ""}},
    )
    with pytest.raises(SendRefusedError, match="sms template is not suitable for email"):
        await sender.send(
            dataclasses.replace(_message(book, "email", "a@example.test"), template=wrong)
        )
    impostor = NotifySender(f"townhall_test-{notify.service_id}-{uuid.uuid4()}", notify.base_url)
    with pytest.raises(SendRefusedError, match="403"):
        await impostor.send(_message(book, "email", "a@example.test"))


@pytest.mark.parametrize("status", [500, 503, 429])
async def test_server_errors_and_rate_limits_may_pass(notify: NotifyStub, status: int) -> None:
    book = with_notify_ids(BOOK, notify)
    sender = NotifySender(notify.api_key, notify.base_url)
    notify.failures.append(status)
    with pytest.raises(SendFailedError, match=str(status)):
        await sender.send(_message(book, "email", "a@example.test"))
    assert await sender.send(_message(book, "email", "a@example.test"))


async def test_a_network_error_may_pass() -> None:
    with running(NotifyStub()) as gone:
        book = with_notify_ids(BOOK, gone)
    sender = NotifySender(gone.api_key, gone.base_url, timeout_s=2)  # nobody listens now
    with pytest.raises(SendFailedError):
        await sender.send(_message(book, "email", "a@example.test"))


async def test_the_service_sends_through_notify_in_the_residents_language(
    notify: NotifyStub,
) -> None:
    book = with_notify_ids(BOOK, notify)
    h = harness(rulebook=book, sender=NotifySender(notify.api_key, notify.base_url))
    resident = uuid.uuid4()
    await h.consume(
        registered(h.keys, resident, language="cy"),
        contact_points(h.keys, resident, email="ada@example.test"),
        case_submitted(resident, service_names={"en": "Pest control", "cy": "Rheoli plâu"}),
    )
    assert await h.dispatch() == 1
    [notification] = h.store.notifications.values()
    [kept] = [n for n in notify.sent.values() if n.get("reference") == str(notification.id)]
    assert kept["template_id"] == book.template("case_submitted").notify_id("email", "cy")
    assert kept["personalisation"] == {
        "reference": "PC-2026-000123",
        "service": "pest control",
        "service_cy": "rheoli plâu",
    }


async def test_at_most_the_rate_a_minute_waiting_not_dropping() -> None:
    now = [0.0]
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        now[0] += seconds

    limit = RateLimit(3, clock=lambda: now[0], sleep=sleep)
    for _ in range(4):
        await limit.acquire()
        now[0] += 1
    assert waits == [57.0]
