"""Search keys: the normal forms officers search by, and the terms indexed for them.

Names are indexed as several keys per word, so a look-up is an index hit rather than a
scan, and so it tolerates what people get wrong on the phone:

* ``~word`` and ``~`` each one-letter deletion of it (a *deletion neighbourhood*: two
  words one typo apart, "Smtih"/"Smith", "Jonson"/"Johnson", share a key);
* ``#`` Soundex and ``%`` Metaphone codes (sound-alikes: "Smyth"/"Smith");
* the same for the word's canonical given name (nicknames: "Bill" → "William").

Ranking then compares the candidates properly (see :mod:`.ranking`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import jellyfish

from townhall.runtime.names import canonical_given_name
from townhall.runtime.normal_forms import normalise_postcode

NAME = "name"
DOB = "dob"
POSTCODE = "postcode"
DISTRICT = "district"
UPRN = "uprn"
EMAIL = "email"
PHONE = "phone"
IDENTIFIER = "identifier"

_OUTWARD = re.compile(r"^(?:[A-PR-UWYZ][0-9][0-9A-HJKPSTUW]?|[A-PR-UWYZ][A-HK-Y][0-9][0-9A-Z]?)$")
_UPRN = re.compile(r"^[0-9]{1,12}$")
_MIN_DELETION_LENGTH = 4


def outward_code(text: str) -> str | None:
    """The district ("SW1A") when ``text`` is an outward code alone, else None."""
    compact = re.sub(r"\s+", "", text).upper()
    return compact if _OUTWARD.match(compact) else None


def stored_postcode(text: str | None) -> str | None:
    """A postcode as identity holds it, normalised where it can be (kept as given if not)."""
    if not text or not text.strip():
        return None
    try:
        return normalise_postcode(text)
    except ValueError:
        return re.sub(r"\s+", " ", text.strip().upper())[:10]


def district(normal_postcode: str) -> str:
    return normal_postcode.split(" ")[0]


def uprn(text: str | None) -> str | None:
    """A UPRN as a string of up to 12 digits (leading zeros kept); None if it is not one."""
    value = "".join(text.split()) if text else ""
    return value if _UPRN.match(value) else None


def _deletions(word: str) -> set[str]:
    if len(word) < _MIN_DELETION_LENGTH:
        return set()
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def _word_terms(word: str) -> set[str]:
    terms = {f"~{word}", *(f"~{d}" for d in _deletions(word))}
    terms.add(f"#{jellyfish.soundex(word)}")
    if code := jellyfish.metaphone(word):
        terms.add(f"%{code}")
    return terms


def name_terms(words: Iterable[str]) -> set[str]:
    """Every search key of these normalised name words (and their canonical forms)."""
    terms: set[str] = set()
    for word in words:
        for form in {word, canonical_given_name(word)}:
            terms |= _word_terms(form)
    return terms
