"""Rules and templates are files a council edits; a bad one stops the service at start-up
with an error naming the file and the field, never at send time."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from townhall.notifications.adapters.notify import check_notify_ids
from townhall.notifications.adapters.rulebook import BUNDLED, load_rulebook
from townhall.notifications.bootstrap import bootstrap
from townhall.notifications.domain.exceptions import RuleBookError
from townhall.notifications.domain.rules import render
from townhall.notifications.service_layer.fields import offered, personalisation
from townhall.notifications.testing import settings_for


@pytest.fixture
def council(tmp_path: Path) -> Path:
    """A copy of the bundled rules and templates, to edit."""
    for folder in ("rules", "templates"):
        shutil.copytree(BUNDLED / folder, tmp_path / folder)
    return tmp_path


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_the_bundled_rules_cover_cases_payments_booking_and_identitys_codes() -> None:
    book = load_rulebook()
    assert book.event_types == {
        "townhall.cases.case.submitted.v1",
        "townhall.cases.case.status_changed.v1",
        "townhall.cases.case.update_posted.v1",
        "townhall.cases.case.resident_matched.v1",
        "townhall.identity.one_time_code.issued.v1",
        "townhall.identity.contact_point.already_registered.v1",
        "townhall.payments.payment.succeeded.v1",
        "townhall.payments.refund.refunded.v1",
        "townhall.booking.appointment.confirmed.v1",
        "townhall.booking.appointment.reminder_due.v1",
        "townhall.booking.appointment.cancelled.v1",
        "townhall.booking.appointment.rescheduled.v1",
    }
    for template in book.templates.values():
        for by_language in template.wordings.values():
            assert set(by_language) == {"en", "cy"}


def test_a_rule_for_an_unknown_event_type_is_refused(council: Path) -> None:
    _edit(council / "rules/case_submitted.yaml", "case.submitted.v1", "case.submited.v1")
    with pytest.raises(RuleBookError, match=r"^case_submitted.yaml: event: unknown event type"):
        load_rulebook(council)


def test_a_template_naming_a_field_the_event_does_not_carry_is_refused(council: Path) -> None:
    _edit(council / "templates/case_submitted.yaml", "Diolch.", "Diolch ((given_name)).")
    with pytest.raises(RuleBookError) as refused:
        load_rulebook(council)
    assert str(refused.value).startswith("case_submitted.yaml → case_submitted.yaml: email.cy:")
    assert "((given_name)) is not a field townhall.cases.case.submitted.v1 carries" in str(
        refused.value
    )


def test_a_sealed_field_is_not_offered_to_templates(council: Path) -> None:
    _edit(council / "templates/case_update_posted.yaml", "Sign in to read it.", "((text))")
    with pytest.raises(RuleBookError, match=r"sms.en: \(\(text\)\) is not a field"):
        load_rulebook(council)


def test_a_template_without_its_welsh_version_is_refused(council: Path) -> None:
    path = council / "templates/one_time_code.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.index("  cy:", text.index("sms:"))], encoding="utf-8")
    with pytest.raises(RuleBookError, match=r"^one_time_code.yaml: sms.cy: missing Welsh version"):
        load_rulebook(council)


def test_a_rule_naming_a_missing_template_is_refused(council: Path) -> None:
    _edit(council / "rules/case_submitted.yaml", "template: case_submitted", "template: nope")
    with pytest.raises(RuleBookError, match=r"^case_submitted.yaml: template: no template 'nope'"):
        load_rulebook(council)


def test_a_rule_using_a_channel_its_template_lacks_is_refused(council: Path) -> None:
    _edit(council / "rules/one_time_code.yaml", "[email, sms]", "[email, sms, letter]")
    with pytest.raises(RuleBookError, match=r"^one_time_code.yaml: channels: .* no letter"):
        load_rulebook(council)


def test_an_email_without_a_subject_is_refused(council: Path) -> None:
    _edit(
        council / "templates/case_status_changed.yaml",
        '    subject: "Your request ((reference)) has moved on"\n',
        "",
    )
    with pytest.raises(RuleBookError, match=r"^case_status_changed.yaml: email.en.subject"):
        load_rulebook(council)


def test_an_unknown_rule_field_is_refused(council: Path) -> None:
    _edit(council / "rules/case_submitted.yaml", "urgent: false", "urgnet: false")
    with pytest.raises(RuleBookError, match=r"^case_submitted.yaml: urgnet: unknown field"):
        load_rulebook(council)


def test_the_service_refuses_to_start_on_a_bad_file(council: Path) -> None:
    _edit(council / "rules/case_submitted.yaml", "recipient: resident", "recipient: officer")
    with pytest.raises(RuleBookError, match=r"case_submitted.yaml: recipient"):
        bootstrap(settings_for(rules_dir=council))


def test_sending_through_notify_needs_every_template_id() -> None:
    with pytest.raises(
        RuleBookError, match=r"^appointment_cancelled.yaml: email.notify_id.en: needed"
    ):
        check_notify_ids(load_rulebook())


def test_a_destination_only_events_that_name_one_can_have(council: Path) -> None:
    _edit(council / "rules/case_submitted.yaml", "recipient: resident", "recipient: destination")
    with pytest.raises(
        RuleBookError, match=r"^case_submitted.yaml: recipient: .* names no destination"
    ):
        load_rulebook(council)


MATCHED = "townhall.cases.case.resident_matched.v1"
PAID = "townhall.payments.payment.succeeded.v1"
BOOKED = "townhall.booking.appointment.confirmed.v1"
MOVED = "townhall.booking.appointment.rescheduled.v1"


def _said(
    template: str, channel: str, language: str, event_type: str, data: dict[str, object]
) -> str:
    wording = load_rulebook().templates[template].wording(channel, language)
    return render(wording.body, personalisation(event_type, data, {}))


def test_a_receipt_says_the_amount_in_pounds_in_both_languages() -> None:
    data = {"case_reference": "PC-2026-000123", "amount": 6500, "service_code": "pest_control"}
    assert "payment of £65.00 for your pest control request PC-2026-000123" in _said(
        "payment_succeeded", "email", "en", PAID, data
    )
    assert "taliad o £65.00" in _said("payment_succeeded", "sms", "cy", PAID, data)


@pytest.mark.parametrize(
    ("starts_at", "english", "welsh"),
    [
        # Greenwich time in winter, British Summer Time after the clocks go forward
        (
            "2026-03-24T09:00:00Z",
            "Tuesday 24 March 2026 at 09:00",
            "Dydd Mawrth 24 Mawrth 2026 am 09:00",
        ),
        (
            "2026-03-31T08:00:00Z",
            "Tuesday 31 March 2026 at 09:00",
            "Dydd Mawrth 31 Mawrth 2026 am 09:00",
        ),
    ],
)
def test_a_visit_is_told_in_london_time_in_the_residents_language(
    starts_at: str, english: str, welsh: str
) -> None:
    data = {
        "case_reference": "BW-2026-000001",
        "service_code": "bulky_waste",
        "starts_at": starts_at,
    }
    assert english in _said("appointment_confirmed", "email", "en", BOOKED, data)
    assert welsh in _said("appointment_confirmed", "email", "cy", BOOKED, data)


def test_a_moved_visit_says_from_when_to_when() -> None:
    data = {
        "case_reference": "BW-2026-000001",
        "service_code": "bulky_waste",
        "starts_at": "2026-06-02T08:00:00Z",
        "previous_starts_at": "2026-06-01T08:00:00Z",
    }
    said = _said("appointment_rescheduled", "letter", "en", MOVED, data)
    assert "from Monday 1 June 2026 at 09:00 to Tuesday 2 June 2026 at 09:00" in said


def test_no_message_about_money_or_visits_carries_an_identifier_or_who_acted() -> None:
    withheld = {"resident_id", "case_id", "payment_id", "provider_id", "appointment_id"}
    withheld |= {"hold_id", "replaces", "booked_by", "rescheduled_by", "reason"}
    for event_type in (PAID, BOOKED, MOVED):
        assert offered(event_type).isdisjoint(withheld), event_type


def test_a_request_matched_late_is_acknowledged_with_the_london_day_it_was_made() -> None:
    # 23:30 in June is already the next day in London (British Summer Time)
    data = {
        "reference": "PC-2026-000777",
        "service_code": "pest_control",
        "submitted_at": "2026-06-01T23:30:00Z",
    }
    english = _said("case_resident_matched", "email", "en", MATCHED, data)
    assert "pest control request you made on Tuesday 2 June 2026" in english
    assert "Your reference is PC-2026-000777" in english
    welsh = _said("case_resident_matched", "email", "cy", MATCHED, data)
    assert "Dyddiad y cais: Dydd Mawrth 2 Mehefin 2026" in welsh
    assert "Eich cyfeirnod yw PC-2026-000777" in welsh
    sms = _said("case_resident_matched", "sms", "cy", MATCHED, data)
    assert sms == (
        "Rydym wedi derbyn eich cais pest control, dyddiad Dydd Mawrth 2 Mehefin 2026. "
        "Eich cyfeirnod yw PC-2026-000777."
    )


def test_the_late_acknowledgement_is_offered_no_identifier() -> None:
    assert offered(MATCHED).isdisjoint({"resident_id", "case_id", "sealed"})
