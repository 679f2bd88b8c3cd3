"""Service types: what a council offers, each defined by one configuration file.

Standard library only. The files are read and validated by
:mod:`townhall.cases.adapters.catalogue`; this module holds what they become.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Literal, get_args

#: Every state a case can be in; each service type uses a subset of them.
STATES: tuple[str, ...] = (
    "submitted",
    "triaged",
    "awaiting_payment",
    "scheduled",
    "in_progress",
    "resolved",
    "closed",
    "cancelled",
    "rejected",
)
INITIAL_STATE = "submitted"
#: States a case never leaves.
TERMINAL_STATES = frozenset({"closed", "cancelled", "rejected"})
#: States in which the council's work is done (the SLA clock stops, Open311 says closed).
FINISHED_STATES = TERMINAL_STATES | {"resolved"}
SENSITIVITIES = ("public", "personal", "sensitive", "special")
#: What a public type's Open311 listing may show beyond status, type and dates; nothing
#: else (reporter, UPRN, internal notes) is ever shown there.
#: ``description``: the reporter's words; ``address``: the address text (never the UPRN);
#: ``location``: latitude and longitude; ``updates``: the latest public update, in an
#: officer's words; ``media``: the first photo's URL.
Disclosure = Literal["description", "address", "location", "updates", "media"]
DISCLOSABLE: tuple[str, ...] = get_args(Disclosure)


@dataclass(frozen=True)
class Lifecycle:
    """The states a type uses and the transitions allowed between them."""

    transitions: Mapping[str, frozenset[str]]
    #: Where a case goes when its payment succeeds (from awaiting_payment).
    after_payment: str | None = None
    #: Where a scheduled case goes when its appointment is cancelled.
    after_booking_cancelled: str | None = None

    @property
    def states(self) -> frozenset[str]:
        return frozenset(self.transitions)

    def allows(self, source: str, target: str) -> bool:
        return target in self.transitions.get(source, frozenset())

    def reachable(self) -> frozenset[str]:
        seen = {INITIAL_STATE}
        frontier = [INITIAL_STATE]
        while frontier:
            for target in self.transitions.get(frontier.pop(), frozenset()):
                if target not in seen:
                    seen.add(target)
                    frontier.append(target)
        return frozenset(seen)


@dataclass(frozen=True)
class Open311Definition:
    """How the type appears on the Open311 GeoReport v2 API (absent: not offered).

    ``public``: its requests are listed to anyone (``GET requests``) without a key;
    otherwise only a client holding an Open311 key sees them, and only their status.
    ``show``: what a listing of a public type shows (see :data:`DISCLOSABLE`).
    The default is the safe one: not listed, nothing shown.
    """

    type: str = "realtime"
    group: str = ""
    keywords: tuple[str, ...] = ()
    public: bool = False
    show: frozenset[str] = frozenset()

    def shows(self, what: str) -> bool:
        return self.public and what in self.show


@dataclass(frozen=True)
class Translation:
    """A service type in another language: what a resident reading it is shown."""

    name: str
    description: str
    #: property -> the question, as the form's ``title`` says it in English
    questions: Mapping[str, str] = field(default_factory=dict)
    #: property -> value -> words, for the form's closed choices
    choices: Mapping[str, Mapping[str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class ServiceType:
    code: str
    name: str
    description: str
    prefix: str
    domain: str
    sensitivity: str
    form: Mapping[str, Any]
    lifecycle: Lifecycle
    sla: timedelta
    fee_pence: int | None = None
    booking: bool = False
    evidence_required: bool = False
    location_required: bool = False
    open311: Open311Definition | None = None
    #: The words for the form's closed choices (property -> value -> words), in English.
    choices: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    #: The same in other languages (``cy``): name, description, questions, choices.
    translations: Mapping[str, Translation] = field(default_factory=dict)
    #: Where it was defined, for error messages.
    source: str = field(default="", compare=False)

    @property
    def names(self) -> dict[str, str]:
        """Its name in each language the catalogue gives it: ``en`` and its translations."""
        return {"en": self.name, **{lang: words.name for lang, words in self.translations.items()}}

    def presented(self, language: str) -> tuple[str, str, dict[str, Any]]:
        """The name, description and form as a person reading ``language`` is shown
        them: each question's ``title`` in that language, and each closed choice's words
        as ``x-choices`` (value -> words). Validation keeps to :attr:`form`."""
        words = self.translations.get(language)
        name = words.name if words else self.name
        description = words.description if words else self.description
        choices = words.choices if words else self.choices
        properties = {}
        for prop, schema in self.form.get("properties", {}).items():
            shown = dict(schema)
            if words and prop in words.questions:
                shown["title"] = words.questions[prop]
            if prop in choices:
                shown["x-choices"] = dict(choices[prop])
            properties[prop] = shown
        return name, description, {**self.form, "properties": properties}

    @property
    def needs_payment(self) -> bool:
        return self.fee_pence is not None

    def kept_on_erasure(self, details: Mapping[str, Any]) -> dict[str, Any]:
        """The details an erasure keeps: answers picked from the form's closed lists
        (``enum``, yes/no) say what the work was, not who it was for. Anything typed in
        (text, numbers, dates, registrations, photos' addresses) may be personal: dropped.
        """
        properties = self.form.get("properties", {})
        return {k: v for k, v in details.items() if _closed_choice(properties.get(k, {}))}


def _closed_choice(schema: Mapping[str, Any]) -> bool:
    if "enum" in schema or "const" in schema or schema.get("type") == "boolean":
        return True
    items = schema.get("items")
    return schema.get("type") == "array" and isinstance(items, Mapping) and "enum" in items


class Catalogue:
    """Every service type the council offers, by code."""

    def __init__(self, types: Mapping[str, ServiceType]):
        self._types = dict(types)

    def __iter__(self) -> Iterator[ServiceType]:
        return iter(sorted(self._types.values(), key=lambda t: t.code))

    def __len__(self) -> int:
        return len(self._types)

    def get(self, code: str) -> ServiceType | None:
        return self._types.get(code)
