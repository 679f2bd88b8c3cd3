"""What a timeline entry says, as a code and its facts, and the same in English.

A front door words an entry in its reader's language from :class:`Said`: a stable
``code`` (one of :data:`ENGLISH`'s keys) and ``params``, the facts as the events carry
them, in no language: ``reference``, ``service_code``, ``channel``, ``from_status`` and
``to_status``, the contact's ``reason``, ``amount_pence``, a visit's ``starts_at`` (ISO,
UTC) and its ``outcome``. :func:`english` fills the code's English template with the
facts in English words; that is the entry's ``summary``, kept beside the code for
whoever reads English only (the officer workspace, older clients) and for entries
stored before codes existed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

Params = dict[str, str | int | bool]

#: Each code's English template; its placeholders are the facts in English words
#: (:func:`_english_words`).
ENGLISH: dict[str, str] = {
    "registered": "Registered with the council ({channel})",
    "request_submitted": "{service} request {reference} submitted",
    "request_claimed": (
        "{service} request {reference} reported by someone giving this name and email or "
        "phone, not confirmed"
    ),
    "request_raised_by_officer": (
        "{service} request {reference} raised by an officer on the resident's behalf ({channel})"
    ),
    "reporter_confirmed": "Request {reference} confirmed as reported by this resident",
    "reporter_confirmed_by_officer": (
        "Request {reference} confirmed as reported by this resident by an officer on their behalf"
    ),
    "status_changed": "Request {reference}: {from_status} → {to_status}",
    "contact_logged": "Contacted the council by {channel}: {reason}",
    "contact_logged_chasing": "Contacted the council by {channel}: {reason} (chasing progress)",
    "paid": "Paid {amount} for {reference}",
    "refunded": "Refunded {amount} for {reference}",
    "slot_held": "Request {reference}: slot on {when} held",
    "visit_booked": "Request {reference}: visit booked for {when}",
    "visit_cancelled": "Request {reference}: visit on {when} cancelled",
    "visit_moved": "Request {reference}: visit moved to {when}",
    "visit_recorded": "Request {reference}: visit on {when}: {outcome}",
    "visit_reminder": "Request {reference}: reminder of the visit on {when}",
    "erased": "Personal data erased",
}
#: The codes, for an API to list.
CODES = tuple(ENGLISH)
#: A visit's outcome in English words (booking's codes).
OUTCOMES = {"completed": "done", "no_access": "no access", "not_home": "nobody was home"}
_LONDON = ZoneInfo("Europe/London")


@dataclass(frozen=True)
class Said:
    """What an entry says: one of :data:`CODES` and its facts."""

    code: str
    params: Params = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.code not in ENGLISH:
            raise ValueError(f"no English template for the summary code {self.code!r}")


def words(value: object) -> str:
    """A code in words: ``face_to_face`` → ``face to face``."""
    return str(value).replace("_", " ")


def pounds(pence: object) -> str:
    return f"£{int(str(pence)) / 100:,.2f}"


def visit_time(starts_at: object) -> str:
    """A visit's moment as the council says it: Monday 7 December 2026 at 09:00."""
    moment = datetime.fromisoformat(str(starts_at)).astimezone(_LONDON)
    return f"{moment:%A} {moment.day} {moment:%B %Y} at {moment:%H:%M}"


def _english_words(params: Mapping[str, str | int | bool]) -> dict[str, str]:
    said = {name: words(value) for name, value in params.items()}
    if "service_code" in params:
        said["service"] = words(params["service_code"]).capitalize()
    if "reference" in params:
        said["reference"] = str(params["reference"])
    if "amount_pence" in params:
        said["amount"] = pounds(params["amount_pence"])
    if "starts_at" in params:
        said["when"] = visit_time(params["starts_at"])
    if "outcome" in params:
        said["outcome"] = OUTCOMES.get(str(params["outcome"]), "")
    return said


def english(said: Said) -> str:
    """The entry's summary in English, from its code and facts."""
    return ENGLISH[said.code].format(**_english_words(said.params))
