"""Residents re-scored against each other: which of them are one person after all.

The product path decides each record once, against the residents known at the time. A
person first seen twice with nothing to join the two sightings (a council-tax row with
an initial and no date of birth, a housing row at another address) becomes two
residents; later records may bring the evidence that joins them (an address, a phone,
a date of birth added by a link), but nothing looks again. This pass does: every
resident against every other, with the batch engine's rules (`pairs.scored_pairs`
and `batch.people` among households: no chaining, no cluster across another NI number,
suffix, given name, sex or a generation's gap in dates of birth, none across residents
known to be two people, such as a joint account's two holders).

A group of residents joined by pairs at or above the link threshold is one person: the
others merge into the first named (the caller orders them, oldest first). A resident's
best pair in the grey zone (at or above the review threshold, below the link one), with
a resident outside its own group, is a question for an officer.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from townhall.identity.linkage.batch import people
from townhall.identity.linkage.comparisons import household_conflicts
from townhall.identity.linkage.features import Features, features_of
from townhall.identity.linkage.matcher import UNSTATED_SUFFIX_CAP, either_generation
from townhall.identity.linkage.model import Model, probability
from townhall.identity.linkage.pairs import PairScorer, scored_pairs
from townhall.identity.linkage.record import Record


@dataclass(frozen=True, slots=True)
class Duplicate:
    """``other`` is ``survivor``'s person: merge it (``merge``) or ask an officer."""

    survivor: str
    other: str
    probability: float
    merge: bool


def find_duplicates(
    records: Sequence[Record],
    model: Model,
    *,
    link: float,
    review: float,
    cannot_link: Iterable[tuple[str, str]] = (),
    scorer: PairScorer = scored_pairs,
) -> list[Duplicate]:
    """Merges, then review questions, among ``records`` (by resident id, oldest first).

    Each resident is in at most one merge (into its group's first resident) and one
    question, so the pass's answers do not contradict each other. ``scorer`` finds the
    scored pairs (the bench passes `pairs.scored_pairs_one_by_one` to compare).
    """
    order = {_id(record): n for n, record in enumerate(records)}
    features = {rid: features_of(record) for rid, record in zip(order, records, strict=True)}
    apart = {(a, b) if a <= b else (b, a) for a, b in cannot_link}
    pairs = _either_generation_capped(scorer(records, features, model, review, apart), features)
    pairs = _either_namesake_capped(pairs, features, link)
    strong = {key: p for key, p in pairs.items() if p >= link}
    found: list[Duplicate] = []
    group_of: dict[str, int] = {}
    for n, group in enumerate(people(strong, features, model, apart, households=True)):
        ranked = sorted(group, key=order.__getitem__)
        for rid in ranked:
            group_of[rid] = n
        for other in ranked[1:]:
            key = (ranked[0], other) if ranked[0] <= other else (other, ranked[0])
            p = pairs.get(key)
            if p is None:
                p = probability(model.weight(features[ranked[0]], features[other]))
            found.append(Duplicate(ranked[0], other, p, merge=True))
    asked: set[str] = set()
    for (a, b), p in sorted(pairs.items(), key=lambda item: (-item[1], item[0])):
        if p >= link or group_of.get(a, -1) == group_of.get(b, -2) or {a, b} & asked:
            continue
        if household_conflicts(features[a], features[b]):  # two people, plainly
            continue
        survivor, other = (a, b) if order[a] <= order[b] else (b, a)
        found.append(Duplicate(survivor, other, p, merge=False))
        asked |= {a, b}
    return found


def _either_generation_capped(
    pairs: dict[tuple[str, str], float], features: dict[str, Features]
) -> dict[tuple[str, str], float]:
    """The matcher's rule for a generation one side names and the other does not
    (`matcher.UNSTATED_SUFFIX_CAP`): unless a date of birth or NI number they share says
    which, the pair is at most a question. A resident known as "Ewan Williams Jr" and
    one known by no suffix at the same home may be the son or his father."""
    cap = probability(UNSTATED_SUFFIX_CAP)
    return {
        (a, b): min(p, cap) if either_generation(features[a], [features[b]]) else p
        for (a, b), p in pairs.items()
    }


def _either_namesake_capped(
    pairs: dict[tuple[str, str], float], features: dict[str, Features], link: float
) -> dict[tuple[str, str], float]:
    """The matcher's rule for namesakes (`Matcher.namesakes`): a resident with nothing to
    tell a father from his son (no date of birth, suffix or NI number: "Mr Jones" on a
    council-tax account) that would join two residents who are plainly two people (two
    Harry Joneses born a generation apart) may be either of them. Each such pair is at
    most a question, never a merge by whichever scored higher."""
    strong: dict[str, list[str]] = {}
    for (a, b), p in pairs.items():
        if p >= link:
            strong.setdefault(a, []).append(b)
            strong.setdefault(b, []).append(a)
    ambiguous: set[tuple[str, str]] = set()
    for rid, partners in strong.items():
        f = features[rid]
        if len(partners) < 2 or f.dob or f.suffix or f.ni:
            continue
        apart = [
            (x, y)
            for n, x in enumerate(partners)
            for y in partners[n + 1 :]
            if household_conflicts(features[x], features[y])
        ]
        for x, y in apart:
            ambiguous |= {(min(rid, x), max(rid, x)), (min(rid, y), max(rid, y))}
    cap = min(probability(UNSTATED_SUFFIX_CAP), link)
    return {pair: min(p, cap) if pair in ambiguous else p for pair, p in pairs.items()}


def _id(record: Record) -> str:
    if record.resident_id is None:
        raise ValueError("the duplicate pass needs residents' ids")
    return record.resident_id
