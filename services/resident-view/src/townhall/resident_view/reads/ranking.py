"""Ranking search candidates: how well one resident answers what the officer asked.

Each field the officer gave scores 0 to 1 against the resident's records (their own,
and those merged into them), and the score is the weighted mean over the fields given.
Names compare word by word with Jaro-Winkler, a nickname counting nearly as much as the
name itself (Bill for William) and a former name a little less than the current one;
a date of birth with day and month swapped counts for part; a former address likewise.
Residents scoring under :data:`MIN_SCORE` are not shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date

from rapidfuzz.distance import JaroWinkler

from townhall.resident_view.residents import search_keys as keys
from townhall.resident_view.residents.record import PersonName, ResidentRecord, identifier_term
from townhall.runtime.names import canonical_given_name

WEIGHTS = {
    "name": 3.0,
    "date_of_birth": 2.0,
    "postcode": 1.5,
    "uprn": 2.0,
    "email": 3.0,
    "phone": 3.0,
    "identifier": 3.0,
    "case_reference": 3.0,
}
MIN_SCORE = 0.5
#: Below this a name is no match at all (two different names, however alike).
MIN_NAME_SIMILARITY = 0.8
NICKNAME = 0.95
FORMER = 0.95
SWAPPED_DATE = 0.6
FORMER_ADDRESS = 0.7
SAME_DISTRICT = 0.3


@dataclass(frozen=True)
class Criteria:
    """What an officer searched for, each field already in its normal form."""

    name: tuple[str, ...] = ()  # normalised words
    date_of_birth: date | None = None
    postcode: str | None = None  # "SW1A 1AA", or just the district "SW1A"
    uprn: str | None = None
    email: str | None = None
    phone: str | None = None
    identifier: str | None = None
    case_reference: str | None = None

    def given(self) -> list[str]:
        """The names of the fields given, e.g. ["name", "date_of_birth"]."""
        return [f.name for f in fields(self) if getattr(self, f.name) not in (None, ())]


@dataclass(frozen=True)
class Score:
    value: float
    reasons: tuple[str, ...]


Part = tuple[float, str]  # a component's score and why
NO = (0.0, "")


def _word(query: str, word: str) -> Part:
    if query == word:
        return 1.0, "name"
    if canonical_given_name(query) == canonical_given_name(word):
        return NICKNAME, "nickname"
    return JaroWinkler.similarity(query, word), "similar_name"


def _best(parts: Sequence[Part]) -> Part:
    return max(parts, default=NO, key=lambda part: part[0])


def _person(query: Sequence[str], name: PersonName) -> Part:
    words = name.words
    if not words:
        return NO
    best = [_best([_word(q, w) for w in words]) for q in query]
    value = sum(score for score, _ in best) / len(best)
    kinds = {kind for _, kind in best}
    for kind in ("similar_name", "nickname"):  # the loosest word decides the reason
        if kind in kinds:
            return value, kind
    return value, "name"


def _name(query: Sequence[str], record: ResidentRecord) -> Part:
    parts = [_person(query, name) for name in record.names[:1]]
    for former in record.names[1:]:
        value, _ = _person(query, former)
        parts.append((value * FORMER, "former_name"))
    value, reason = _best(parts)
    return (value, reason) if value >= MIN_NAME_SIMILARITY else NO


def _date_of_birth(wanted: date, record: ResidentRecord) -> Part:
    known = record.date_of_birth
    if known is None:
        return NO
    if known == wanted:
        return 1.0, "date_of_birth"
    if (known.year, known.month, known.day) == (wanted.year, wanted.day, wanted.month):
        return SWAPPED_DATE, "date_of_birth_swapped"
    return NO


def _postcode(wanted: str, record: ResidentRecord) -> Part:
    """``wanted`` is a whole postcode ("SW1A 1AA") or a district alone ("SW1A")."""
    whole, parts = " " in wanted, []
    for n, (postcode, _) in enumerate(record.addresses):
        if postcode is None:
            continue
        current, same_district = n == 0, keys.district(postcode) == keys.district(wanted)
        if (postcode == wanted or (same_district and not whole)) and not current:
            parts.append((FORMER_ADDRESS, "former_address"))
        elif postcode == wanted:
            parts.append((1.0, "postcode"))
        elif same_district and current:
            parts.append((SAME_DISTRICT if whole else 1.0, "postcode_district"))
    return _best(parts)


def _uprn(wanted: str, record: ResidentRecord) -> Part:
    for n, (_, uprn) in enumerate(record.addresses):
        if uprn == wanted:
            return (1.0, "uprn") if n == 0 else (FORMER_ADDRESS, "former_address")
    return NO


def _exact(found: bool, reason: str) -> Part:
    return (1.0, reason) if found else NO


def _part(criteria: Criteria, field: str, record: ResidentRecord) -> Part:
    if field == "name":
        return _name(criteria.name, record)
    if field == "date_of_birth" and criteria.date_of_birth:
        return _date_of_birth(criteria.date_of_birth, record)
    if field == "postcode" and criteria.postcode:
        return _postcode(criteria.postcode, record)
    if field == "uprn" and criteria.uprn:
        return _uprn(criteria.uprn, record)
    if field == "email":
        return _exact(criteria.email in record.emails, "email")
    if field == "phone":
        return _exact(criteria.phone in record.phones, "phone")
    if field == "identifier":
        values = {identifier_term(v) for _, v in record.identifiers}
        return _exact(criteria.identifier in values, "identifier")
    return NO


def score(
    criteria: Criteria, survivor: str, records: Sequence[ResidentRecord], case_hit: bool
) -> Score:
    """How well the resident ``survivor`` (with ``records``: theirs and those merged into
    them) answers ``criteria``; ``case_hit``: the case reference is one of theirs."""
    given = criteria.given()
    total, reasons, merged = 0.0, [], False
    for field in given:
        if field == "case_reference":
            value, reason = _exact(case_hit, "case_reference")
        else:
            candidates = [(_part(criteria, field, r), r.resident_id) for r in records]
            (value, reason), whose = max(candidates, default=(NO, survivor), key=lambda c: c[0][0])
            merged = merged or (value > 0 and whose != survivor)
        total += WEIGHTS[field] * value
        if value > 0:
            reasons.append(reason)
    if merged:
        reasons.append("merged_record")
    weight = sum(WEIGHTS[field] for field in given)
    return Score(round(total / weight, 4) if weight else 0.0, tuple(reasons))
