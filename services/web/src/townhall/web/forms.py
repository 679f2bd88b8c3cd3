"""The workspace's forms: what an officer typed, checked before any service is called.

A form with a mistake is shown again with the GOV.UK error summary and a message at
each field; nothing is sent anywhere, so nothing changes and nothing is audited.
Messages are English text marked with ``N_``; the page shows them in the officer's
language.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from townhall.web.i18n import N_

POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][0-9A-Z]?(\s*[0-9][A-Z]{2})?$", re.IGNORECASE)
REFERENCE = re.compile(r"^[A-Z]{2,5}-[0-9]{4}-[0-9]{3,}$", re.IGNORECASE)
DATE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
PHONE = re.compile(r"^\+?[0-9 ()-]+$")


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


@dataclass
class Checked:
    """What a form gave: the values to show again, the errors, and what to send on."""

    values: dict[str, str]
    errors: list[FieldError] = field(default_factory=list)
    criteria: list[tuple[str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def error(self, name: str, message: str) -> None:
        self.errors.append(FieldError(name, message))

    def message_for(self, name: str) -> str | None:
        return next((e.message for e in self.errors if e.field == name), None)


def _values(form: Mapping[str, str], names: tuple[str, ...]) -> dict[str, str]:
    return {name: str(form.get(name, "")).strip() for name in names}


def sign_in(form: Mapping[str, str]) -> Checked:
    checked = Checked(_values(form, ("email",)))
    email = checked.values["email"]
    if not email:
        checked.error("email", N_("Enter your email address"))
    elif "@" not in email.strip("@"):
        checked.error(
            "email", N_("Enter an email address in the correct format, like name@example.org")
        )
    if not str(form.get("password", "")):
        checked.error("password", N_("Enter your password"))
    return checked


def check_purpose(checked: Checked) -> None:
    purpose = checked.values["purpose"]
    if not purpose:
        checked.error("purpose", N_("Enter why you are looking for this resident"))
    elif len(purpose) < 3:
        checked.error("purpose", N_("Why you are looking must be 3 characters or more"))
    elif len(purpose) > 500:
        checked.error("purpose", N_("Why you are looking must be 500 characters or fewer"))


def purpose(form: Mapping[str, str]) -> Checked:
    checked = Checked(_values(form, ("purpose",)))
    check_purpose(checked)
    return checked


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def _as_date(day: str, month: str, year: str, today: date) -> date | str:
    """The date, or the message saying what is wrong with it."""
    if not (day or month or year):
        return N_("Enter a date of birth")
    if not (day.isdigit() and month.isdigit() and year.isdigit() and len(year) == 4):
        return N_("Date of birth must be a real date")
    try:
        born = date(int(year), int(month), int(day))
    except ValueError:
        return N_("Date of birth must be a real date")
    if born > today:
        return N_("Date of birth must be in the past")
    return born


def quick_search(form: Mapping[str, str], today: date) -> Checked:
    """One box: a reference, an email, a postcode, a phone number, a date of birth or a name."""
    checked = Checked(_values(form, ("query", "purpose")))
    query = checked.values["query"]
    check_purpose(checked)
    if not query:
        checked.error("query", N_("Enter a name, reference, postcode, email or phone number"))
    elif REFERENCE.match(query):
        checked.criteria.append(("case", query.upper()))
    elif "@" in query:
        checked.criteria.append(("email", query))
    elif POSTCODE.match(query):
        checked.criteria.append(("postcode", query.upper()))
    elif PHONE.match(query) and 7 <= len(_digits(query)) <= 15:
        checked.criteria.append(("phone", query))
    elif found := DATE.match(query):
        born = _as_date(found[1], found[2], found[3], today)
        if isinstance(born, str):
            checked.error("query", born)
        else:
            checked.criteria.append(("date_of_birth", born.isoformat()))
    elif sum(ch.isalpha() for ch in query) >= 2 and len(query) <= 100:
        checked.criteria.append(("name", query))
    else:
        checked.error("query", N_("Enter a name, reference, postcode, email or phone number"))
    return checked


ADVANCED = ("name", "dob-day", "dob-month", "dob-year", "postcode", "email", "phone")
ADVANCED_MORE = ("case", "identifier", "purpose")


def advanced_search(form: Mapping[str, str], today: date) -> Checked:
    """Any of name, date of birth, postcode, email, phone, case reference, identifier."""
    checked = Checked(_values(form, ADVANCED + ADVANCED_MORE))
    v = checked.values
    check_purpose(checked)
    if v["name"]:
        if sum(ch.isalpha() for ch in v["name"]) < 2 or len(v["name"]) > 100:
            checked.error("name", N_("Name must have at least 2 letters"))
        else:
            checked.criteria.append(("name", v["name"]))
    if v["dob-day"] or v["dob-month"] or v["dob-year"]:
        born = _as_date(v["dob-day"], v["dob-month"], v["dob-year"], today)
        if isinstance(born, str):
            checked.error("dob-day", born)
        else:
            checked.criteria.append(("date_of_birth", born.isoformat()))
    if v["postcode"]:
        if POSTCODE.match(v["postcode"]):
            checked.criteria.append(("postcode", v["postcode"].upper()))
        else:
            checked.error("postcode", N_("Enter a real postcode, or its first half"))
    if v["email"]:
        if "@" in v["email"].strip("@") and len(v["email"]) <= 254:
            checked.criteria.append(("email", v["email"]))
        else:
            checked.error(
                "email", N_("Enter an email address in the correct format, like name@example.org")
            )
    if v["phone"]:
        if PHONE.match(v["phone"]) and 7 <= len(_digits(v["phone"])) <= 15:
            checked.criteria.append(("phone", v["phone"]))
        else:
            checked.error("phone", N_("Enter a phone number, like 01632 960 001 or 07700 900 982"))
    for name in ("case", "identifier"):
        if v[name]:
            if 2 <= len(v[name]) <= 64:
                checked.criteria.append((name, v[name]))
            else:
                checked.error(name, N_("Enter between 2 and 64 characters"))
    if not checked.criteria and not any(e.field != "purpose" for e in checked.errors):
        checked.error("name", N_("Enter at least one thing to search by"))
    return checked


def transition(form: Mapping[str, str]) -> Checked:
    checked = Checked(_values(form, ("to", "reason")))
    if not checked.values["to"]:
        checked.error("to", N_("Select what the case moves to"))
    if len(checked.values["reason"]) > 1000:
        checked.error("reason", N_("The reason must be 1000 characters or fewer"))
    return checked


#: How a visit went: booking's outcomes.
VISIT_OUTCOMES = ("completed", "no_access", "not_home")


def visit_outcome(form: Mapping[str, str]) -> Checked:
    """How the officer's visit went: one of booking's outcomes."""
    checked = Checked(_values(form, ("outcome",)))
    if checked.values["outcome"] not in VISIT_OUTCOMES:
        checked.error("outcome", N_("Select how the visit went"))
    return checked


def assignment(form: Mapping[str, str]) -> Checked:
    checked = Checked(_values(form, ("team", "officer")))
    if not checked.values["team"]:
        checked.error("team", N_("Enter the team"))
    for name in ("team", "officer"):
        if len(checked.values[name]) > 100:
            checked.error(name, N_("Enter 100 characters or fewer"))
    return checked


def written(form: Mapping[str, str], field: str) -> Checked:
    """A public update (``update``) or an internal note (``note``)."""
    checked = Checked(_values(form, (field,)))
    text = checked.values[field]
    if not text:
        checked.error(field, N_("Enter the text"))
    elif len(text) > 4000:
        checked.error(field, N_("The text must be 4000 characters or fewer"))
    return checked


def contact(
    form: Mapping[str, str],
    channels: Collection[str],
    reasons: Collection[str],
    outcomes: Collection[str],
) -> Checked:
    """A contact with a resident: how, why (chasing something is failure demand), what
    came of it, how long it took, and the request it was about when there was one."""
    checked = Checked(_values(form, ("channel", "reason", "outcome", "minutes", "case")))
    v = checked.values
    if v["channel"] not in channels:
        checked.error("channel", N_("Select how they got in touch"))
    if v["reason"] not in reasons:
        checked.error("reason", N_("Select why they got in touch"))
    if v["reason"] == "progress_chase" and not v["case"]:
        checked.error("case", N_("Enter the reference of the request they are chasing"))
    elif v["case"] and not REFERENCE.match(v["case"]):
        checked.error("case", N_("Enter a request reference, like MB-2026-000123"))
    if v["outcome"] not in outcomes:
        checked.error("outcome", N_("Select what came of it"))
    if not v["minutes"].isdigit() or not 0 <= int(v["minutes"]) <= 24 * 60:
        checked.error("minutes", N_("Enter how many minutes it took, as a number"))
    return checked


COUNCIL_TIME = ZoneInfo("Europe/London")


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def timeline_filters(
    query: Mapping[str, str], domains: Collection[str], channels: Collection[str] = ()
) -> Checked:
    """The history's filters: a service area, how the resident got in touch, and dates
    from and to (both included, the council's days) as resident-view's ``since`` and
    ``until``."""
    checked = Checked(_values(query, ("domain", "channel", "from", "to")))
    v = checked.values
    if v["domain"] in domains:
        checked.criteria.append(("domain", v["domain"]))
    if v["channel"] in channels:
        checked.criteria.append(("channel", v["channel"]))
    elif v["channel"]:
        checked.error("channel", N_("Choose how they got in touch from the list"))
    start, end = _day(v["from"]), _day(v["to"])
    for name, day in (("from", start), ("to", end)):
        if v[name] and day is None:
            checked.error(name, N_("Enter a real date, like 2026-11-27"))
    if start and end and end < start:
        checked.error("to", N_("The end date must be on or after the start date"))
    if checked.ok and start:
        checked.criteria.append(
            ("since", datetime.combine(start, time(), COUNCIL_TIME).isoformat())
        )
    if checked.ok and end:
        after = datetime.combine(end + timedelta(days=1), time(), COUNCIL_TIME)
        checked.criteria.append(("until", after.isoformat()))
    return checked
