"""A timeline entry in the resident's language, from resident-view's summary code.

Resident-view says what each entry was as a ``summary_code`` and its facts
(``summary_params``: a reference, a service type's code, a channel, statuses, an amount
in pence, a visit's moment…), beside the same in English (``summary``). Here each code
has the front door's own words, marked for translation, and each fact is worded in the
page's language: statuses as :data:`progress.STATUS` says them, service types by cases'
catalogue in that language, amounts and moments as the council writes them. An entry
whose code or a fact is new to the front door gets no words here; the page then shows
what it would have before (the step's own words, or resident-view's English summary).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, MutableMapping, Sequence
from datetime import datetime
from typing import Any

from babel.dates import format_datetime

from townhall.web.i18n import DEFAULT, N_, translations
from townhall.web.resident.progress import STATUS, pounds
from townhall.web.templating import COUNCIL_TIME
from townhall.web.upstream import Cases, UpstreamError

#: Resident-view's ``summary_code`` -> what happened (its facts as placeholders).
SUMMARIES = {
    "registered": N_("You were registered with the council %(how)s"),
    "request_submitted": N_("%(service)s request %(reference)s submitted"),
    "request_claimed": N_(
        "%(service)s request %(reference)s made by someone who gave your name and contact "
        "details. It is not confirmed as yours."
    ),
    "request_raised_by_officer": N_(
        "%(service)s request %(reference)s: an officer made it for you %(how)s"
    ),
    "reporter_confirmed": N_("You confirmed request %(reference)s is yours"),
    "reporter_confirmed_by_officer": N_(
        "An officer confirmed for you that request %(reference)s is yours"
    ),
    "status_changed": N_("Request %(reference)s: %(from_status)s → %(to_status)s"),
    "contact_logged": N_("You contacted the council %(how)s: %(reason)s"),
    "contact_logged_chasing": N_("You contacted the council %(how)s to chase progress"),
    "paid": N_("You paid %(amount)s for %(reference)s"),
    "refunded": N_("%(amount)s refunded to you for %(reference)s"),
    "slot_held": N_("Request %(reference)s: a visit on %(day)s at %(time)s was held for you"),
    "visit_booked": N_("Request %(reference)s: visit booked for %(day)s at %(time)s"),
    "visit_cancelled": N_("Request %(reference)s: the visit on %(day)s at %(time)s was cancelled"),
    "visit_moved": N_("Request %(reference)s: visit moved to %(day)s at %(time)s"),
    "visit_recorded": N_("Request %(reference)s: visit on %(day)s at %(time)s: %(outcome)s"),
    "visit_reminder": N_("Request %(reference)s: a reminder of the visit on %(day)s at %(time)s"),
    "erased": N_("Personal data erased"),
}
#: How the resident reached the council (a channel's code), to end a sentence.
HOW = {
    "online": N_("online"),
    "phone": N_("by phone"),
    "face_to_face": N_("face to face"),
    "email": N_("by email"),
    "webchat": N_("by webchat"),
    "letter": N_("by letter"),
    "open311": N_("through another service's app"),
    "legacy": N_("from another council system"),
}
#: Why they got in touch (cases' contact reasons).
REASONS = {
    "new_request": N_("a new request"),
    "progress_chase": N_("chasing progress"),
    "complaint": N_("a complaint"),
    "information": N_("asking for information"),
    "payment": N_("a payment"),
    "booking": N_("a booking"),
    "other": N_("something else"),
}
#: How a visit went (booking's outcomes).
OUTCOMES = {
    "completed": N_("done"),
    "no_access": N_("we could not get in"),
    "not_home": N_("nobody was home"),
}
Words = tuple[str, dict[str, str]]


def _moment(value: object, language: str) -> dict[str, str]:
    moment = datetime.fromisoformat(str(value))
    when = {"day": "EEEE d MMMM yyyy", "time": "HH:mm"}
    return {
        k: format_datetime(moment, f, tzinfo=COUNCIL_TIME, locale=language) for k, f in when.items()
    }


def _facts(
    params: Mapping[str, Any], language: str, services: Mapping[str, str]
) -> dict[str, str] | None:
    """The facts in words in ``language``; None when one is new to the front door."""
    say = translations(language).gettext
    marked: dict[str, tuple[Mapping[str, str], Callable[[str], str]]] = {
        "channel": (HOW, say),
        "reason": (REASONS, say),
        "outcome": (OUTCOMES, say),
        "from_status": (STATUS, say),
        "to_status": (STATUS, say),
        "service_code": (services, str),
    }
    facts: dict[str, str] = {}
    try:
        for name, value in params.items():
            if name in marked:
                known, word = marked[name]
                facts[name] = word(known[str(value)])
            elif name == "amount_pence":
                facts["amount"] = pounds(value) or "£0.00"
            elif name == "starts_at":
                facts |= _moment(value, language)
            else:
                facts[name] = str(value)
    except (KeyError, ValueError, TypeError):
        return None
    renamed = {"channel": "how", "service_code": "service"}
    return {renamed.get(name, name): said for name, said in facts.items()}


def words(entry: Mapping[str, Any], language: str, services: Mapping[str, str]) -> Words | None:
    """What ``entry`` (resident-view's timeline entry or tracking step) was, as marked
    words and their facts in ``language``; None when its code or a fact is new here.
    ``services``: the catalogue's names of service types in ``language``."""
    template = SUMMARIES.get(str(entry.get("summary_code")))
    params = entry.get("summary_params")
    if template is None or not isinstance(params, Mapping):
        return None
    facts = _facts(params, language, services)
    return (template, facts) if facts is not None else None


async def service_names(cases: Cases, language: str) -> dict[str, str]:
    """The catalogue's service type names in ``language`` (none when cases is away:
    the entries that name one then show as before)."""
    try:
        found = await cases.service_types(None, language)
    except UpstreamError:
        return {}
    # a type without the language's words comes in English (cases says which, as ``language``)
    return {str(kind["code"]): str(kind["name"]) for kind in found if "code" in kind}


async def word(
    cases: Cases, entries: Sequence[MutableMapping[str, Any]], language: str = DEFAULT
) -> None:
    """Give each of ``entries`` its ``line`` and ``line_args`` in ``language`` (None
    and no facts where :func:`words` has none); cases is asked for service type names
    only when an entry names one."""
    named = any("service_code" in (e.get("summary_params") or {}) for e in entries)
    services = await service_names(cases, language) if named else {}
    for entry in entries:
        said = words(entry, language, services)
        entry["line"], entry["line_args"] = said if said else (None, {})
