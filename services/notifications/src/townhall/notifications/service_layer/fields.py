"""What each event type offers a template: the personalisation fields it carries.

Read from the event contracts in ``townhall.schemas``, so a rule for booking's or
payments' events works by name once their contracts are registered. Left out: ids,
who did what, and anything sealed (free text about the resident); added: ``service``
(a service code in words) and what a rule may open from the sealed part (the ``code``
of identity's one-time codes). A message carries no more than these.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from townhall.schemas.registry import EVENT_TYPES

ONE_TIME_CODE = "townhall.identity.one_time_code.issued.v1"
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
    "domain",
    "sensitivity",
    "text",
    "reason",
    "filename",
}
#: Event types that name where their message goes (sealed): ``recipient: destination``.
DESTINATIONS = frozenset({ONE_TIME_CODE})
#: Opened from the sealed part, for the rules that need it.
_OPENED: dict[str, tuple[str, ...]] = {ONE_TIME_CODE: ("code",)}


def known(event_type: str) -> bool:
    return event_type in EVENT_TYPES and "resident_id" in EVENT_TYPES[event_type].model_fields


def offered(event_type: str) -> set[str]:
    """The personalisation fields a template for ``event_type`` may name."""
    names = set(EVENT_TYPES[event_type].model_fields) - _WITHHELD
    if "service_code" in names:
        names.add("service")
    return names | set(_OPENED.get(event_type, ()))


def personalisation(
    event_type: str, data: Mapping[str, Any], opened: Mapping[str, Any]
) -> dict[str, str]:
    """The fields of one event a template may use, as text."""
    values = {name: data[name] for name in offered(event_type) if data.get(name) is not None}
    if "service_code" in values:
        values["service"] = str(values["service_code"]).replace("_", " ")
    for name in _OPENED.get(event_type, ()):
        if opened.get(name) is not None:
            values[name] = opened[name]
    return {name: str(value) for name, value in values.items()}
