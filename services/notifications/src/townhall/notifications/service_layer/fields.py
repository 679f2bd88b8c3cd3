"""What each event type offers a template: the personalisation fields it carries.

Read from the event contracts in ``townhall.schemas``, so a rule for booking's or
payments' events works by name once their contracts are registered. Left out: ids,
who did what, and anything sealed (free text about the resident); added: ``service``
and ``service_cy`` (the service type's name as cases' catalogue gives it in English and
Welsh, learnt from its submitted requests; the code in words until one is seen),
``amount_in_pounds`` (payments' pence as "£65.00"),
``visit_time`` and ``previous_visit_time`` (booking's UTC times as a resident reads them
in Europe/London: "Tuesday 3 March 2026 at 09:00"; ``…_cy`` in Welsh: "Dydd Mawrth 3
Mawrth 2026 am 09:00"), ``submitted_on`` / ``submitted_on_cy`` (the London day a
request was made: "Tuesday 3 March 2026", "Dydd Mawrth 3 Mawrth 2026"), and what a rule
may open from the sealed part (the ``code`` of identity's one-time codes). A message
carries no more than these.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from townhall.schemas.registry import EVENT_TYPES

ONE_TIME_CODE = "townhall.identity.one_time_code.issued.v1"
ALREADY_REGISTERED = "townhall.identity.contact_point.already_registered.v1"
#: Never offered: identifiers, authors, sealed blobs and the free text they hold.
_WITHHELD = {
    "sealed",
    "personal_data",
    "resident_id",
    "case_id",
    "note_id",
    "attachment_id",
    "author",
    "changed_by",
    "raised_by",
    "officer",
    "assigned_by",
    "added_by",
    "confirmed_by",
    "payment_id",
    "provider_id",
    "refund_id",
    "requested_by",
    "appointment_id",
    "hold_id",
    "replaces",
    "booked_by",
    "cancelled_by",
    "rescheduled_by",
    "recorded_by",
    "domain",
    "sensitivity",
    "text",
    "reason",
    "filename",
}
#: Event types that name where their message goes (sealed): ``recipient: destination``.
DESTINATIONS = frozenset({ONE_TIME_CODE, ALREADY_REGISTERED})
#: Opened from the sealed part, for the rules that need it.
_OPENED: dict[str, tuple[str, ...]] = {ONE_TIME_CODE: ("code",)}


_LONDON = ZoneInfo("Europe/London")


def _pounds(pence: Any) -> str:
    return f"£{int(pence) / 100:,.2f}"


_DAYS_CY = (
    "Dydd Llun",
    "Dydd Mawrth",
    "Dydd Mercher",
    "Dydd Iau",
    "Dydd Gwener",
    "Dydd Sadwrn",
    "Dydd Sul",
)
_MONTHS_CY = (
    "Ionawr",
    "Chwefror",
    "Mawrth",
    "Ebrill",
    "Mai",
    "Mehefin",
    "Gorffennaf",
    "Awst",
    "Medi",
    "Hydref",
    "Tachwedd",
    "Rhagfyr",
)


def _london(moment: Any) -> datetime:
    when = moment if isinstance(moment, datetime) else datetime.fromisoformat(str(moment))
    return when.astimezone(_LONDON)


def _local_date(moment: Any) -> str:
    local = _london(moment)
    return f"{local:%A} {local.day} {local:%B %Y}"


def _local_date_cy(moment: Any) -> str:
    local = _london(moment)
    return f"{_DAYS_CY[local.weekday()]} {local.day} {_MONTHS_CY[local.month - 1]} {local.year}"


def _local_time(moment: Any) -> str:
    return f"{_local_date(moment)} at {_london(moment):%H:%M}"


def _local_time_cy(moment: Any) -> str:
    return f"{_local_date_cy(moment)} am {_london(moment):%H:%M}"


#: Fields in words, each made from a field the event carries: name → (source, words).
_IN_WORDS: dict[str, tuple[str, Callable[[Any], str]]] = {
    "service": ("service_code", lambda code: str(code).replace("_", " ")),
    "service_cy": ("service_code", lambda code: str(code).replace("_", " ")),
    "amount_in_pounds": ("amount", _pounds),
    "visit_time": ("starts_at", _local_time),
    "visit_time_cy": ("starts_at", _local_time_cy),
    "previous_visit_time": ("previous_starts_at", _local_time),
    "previous_visit_time_cy": ("previous_starts_at", _local_time_cy),
    "submitted_on": ("submitted_at", _local_date),
    "submitted_on_cy": ("submitted_at", _local_date_cy),
}


def known(event_type: str) -> bool:
    return event_type in EVENT_TYPES and "resident_id" in EVENT_TYPES[event_type].model_fields


def offered(event_type: str) -> set[str]:
    """The personalisation fields a template for ``event_type`` may name."""
    names = set(EVENT_TYPES[event_type].model_fields) - _WITHHELD
    names |= {name for name, (source, _) in _IN_WORDS.items() if source in names}
    return names | set(_OPENED.get(event_type, ()))


def _in_a_sentence(name: str) -> str:
    """A catalogue name as a sentence says it: "Pest control" → "pest control"; a name
    that starts with an acronym ("SPD review") is kept."""
    return name[:1].lower() + name[1:] if name[1:2].islower() else name


def personalisation(
    event_type: str,
    data: Mapping[str, Any],
    opened: Mapping[str, Any],
    service_names: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The fields of one event a template may use, as text; ``service_names``: the
    event's service type's name by language, when known."""
    names = offered(event_type)
    values = {name: data[name] for name in names if data.get(name) is not None}
    for name, (source, words) in _IN_WORDS.items():
        if name in names and data.get(source) is not None:
            values[name] = words(data[source])
    for name, language in (("service", "en"), ("service_cy", "cy")):
        said = (service_names or {}).get(language) or (service_names or {}).get("en")
        if name in values and said:
            values[name] = _in_a_sentence(said)
    for name in _OPENED.get(event_type, ()):
        if opened.get(name) is not None:
            values[name] = opened[name]
    return {name: str(value) for name, value in values.items()}
