"""What a legacy row says about a person, as identity's ``POST /records/match`` takes it.

Legacy systems keep names as they were typed: ``MRS SMITH``, ``R J Smith``, ``Smith,
John``, ``MR J SMITH SNR``, or a joint account's ``Mr J & Mrs A Smith`` (two people, one
family name given once). :func:`parse_names` reads one such field into the parts identity
matches on; a title with a surname and no forename is a record identity accepts.
Dates of birth arrive as Debezium encodes them (days since the epoch, or text).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

TITLES = frozenset(
    {"mr", "mrs", "ms", "miss", "mx", "dr", "rev", "revd", "prof", "sir", "dame", "lady", "lord"}
)
SUFFIXES = {"jr": "Jr", "jnr": "Jr", "junior": "Jr", "sr": "Sr", "snr": "Sr", "senior": "Sr"}
_JOINT = re.compile(r"\s+(?:&|and)\s+", re.IGNORECASE)
_EPOCH = date(1970, 1, 1)


class UnparsableNameError(ValueError):
    """A name field with no family name in it (dead-lettered, with the text's shape)."""


@dataclass(frozen=True)
class ParsedName:
    title: str | None = None
    given_name: str | None = None
    initials: str | None = None
    middle_names: tuple[str, ...] = field(default=())
    family_name: str | None = None
    suffix: str | None = None


def _word(token: str) -> str:
    return token.strip(".,").strip()


def _tidy(token: str) -> str:
    """``SMITH`` -> ``Smith``, ``o'brien`` -> ``O'Brien``; mixed case is kept as typed."""
    if token.isupper() or token.islower():
        return re.sub(r"[A-Za-z]+", lambda m: m.group(0).capitalize(), token.lower())
    return token


def _one(text: str) -> ParsedName:
    family_first = "," in text
    if family_first:  # "Smith, John A"
        surname, _, rest = text.partition(",")
        tokens = [_word(t) for t in rest.split()] + [_word(surname)]
    else:
        tokens = [_word(t) for t in text.split()]
    tokens = [t for t in tokens if t]
    title: str | None = None
    suffix: str | None = None
    if tokens and tokens[0].lower() in TITLES:
        title = _tidy(tokens.pop(0))
    if tokens and tokens[-1].lower() in SUFFIXES:
        suffix = SUFFIXES[tokens.pop().lower()]
    # a last token of one letter is an initial ("MR J" of "Mr J & Mrs A Smith")
    family = _tidy(tokens.pop()) if tokens and len(tokens[-1]) > 1 else None
    names = [_tidy(t) for t in tokens if len(t) > 1]
    has_initial = any(len(t) == 1 for t in tokens)
    return ParsedName(
        title=title,
        given_name=names[0] if names else None,
        # the forenames' first letters, when the source kept some only as initials
        initials="".join(t[0].upper() for t in tokens) if has_initial else None,
        middle_names=tuple(names[1:]),
        family_name=family,
        suffix=suffix,
    )


def parse_names(text: str) -> list[ParsedName]:
    """The people a name field names: one, or two for a joint account. A part without a
    family name of its own takes the last part's (``Mr J & Mrs A Smith``)."""
    parts = [part for part in _JOINT.split(text.strip()) if part.strip()]
    parsed = [_one(part) for part in parts]
    last_family = next((p.family_name for p in reversed(parsed) if p.family_name), None)
    if last_family is None:
        raise UnparsableNameError("the name has no family name in it")
    return [
        p if p.family_name else ParsedName(**{**vars(p), "family_name": last_family})
        for p in parsed
    ]


def birth_date(value: Any) -> date | None:
    """Debezium's ``io.debezium.time.Date`` (days since the epoch), or ISO text."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError(f"a date of birth cannot be {value!r}")
    if isinstance(value, int):
        return _EPOCH + timedelta(days=value)
    if isinstance(value, str):
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return datetime.strptime(value.strip(), "%d/%m/%Y").date()
    raise ValueError(f"a date of birth cannot be {type(value).__name__}")


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def match_requests(
    system: str, reference: str, fields: Mapping[str, Any], recorded_on: date | None
) -> list[dict[str, Any]]:
    """Identity's ``POST /records/match`` bodies for one legacy row: one per person it
    names (a joint account's second holder has ``#2`` after the reference)."""
    given = _text(fields.get("forenames"))
    surname = _text(fields.get("surname"))
    if surname is not None:
        name = " ".join(t for t in (_text(fields.get("title")), given, surname) if t)
    else:
        name = _text(fields.get("name")) or ""
    people = parse_names(name) if name else []
    if not people:
        raise UnparsableNameError("the row holds no name")
    shared: dict[str, Any] = {
        "date_of_birth": _iso(birth_date(fields.get("date_of_birth"))),
        "ni_number": _text(fields.get("ni_number")),
        "address_line": _text(fields.get("address")),
        "postcode": _text(fields.get("postcode")),
        "uprn": _text(fields.get("uprn")),
        "email": _text(fields.get("email")),
        "phone": _text(fields.get("phone")),
        "recorded_on": _iso(recorded_on),
    }
    moved_from = {
        "address_line": _text(fields.get("previous_address")),
        "postcode": _text(fields.get("previous_postcode")),
        "uprn": _text(fields.get("previous_uprn")),
    }
    if any(moved_from.values()):  # the holders moved in from there
        shared["previous_addresses"] = [{k: v for k, v in moved_from.items() if v}]
    previous_surname = _text(fields.get("previous_surname"))
    if previous_surname:
        shared["former_family_names"] = [{"family_name": previous_surname}]
    if len(people) > 1:  # one date of birth, NI number, email, phone or surname is one holder's
        shared.update(date_of_birth=None, ni_number=None, email=None, phone=None,
                      former_family_names=None)  # fmt: skip
    bodies = []
    for index, person in enumerate(people):
        body = {
            "system": system,
            "reference": reference if index == 0 else f"{reference}#{index + 1}",
            "title": person.title,
            "given_name": person.given_name,
            "initials": person.initials,
            "middle_names": list(person.middle_names),
            "family_name": person.family_name,
            "suffix": person.suffix,
            **shared,
        }
        bodies.append({k: v for k, v in body.items() if v not in (None, [])})
    return bodies


def _iso(value: date | None) -> str | None:
    return None if value is None else value.isoformat()
