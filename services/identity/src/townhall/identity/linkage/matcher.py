"""Single-record matching against the index, with decisions by threshold."""

from __future__ import annotations

import heapq
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from townhall.identity.linkage.comparisons import (
    IDENTITY_LEVELS,
    conflicts,
    household_conflicts,
    names_differ,
)
from townhall.identity.linkage.errors import InvalidRecordError, LinkageError
from townhall.identity.linkage.features import Features, features_of
from townhall.identity.linkage.index import BlockingIndex
from townhall.identity.linkage.model import Model, probability
from townhall.identity.linkage.record import Record

#: The weight (log2 odds) a conflict with any of a resident's facets costs: another NI
#: number, Jr against Sr, a date of birth years away. Two records that agree on
#: everything else (twice 2^20) still come out far below even odds.
CONFLICT_WEIGHT = -40.0
#: The most a record can weigh towards a resident whose given name (or initial, or the
#: sex its title implies) differs from the record's in every facet: even odds of 2^3
#: leave it short of a link (FEBRL replaces a tenth of given names: weighed, not vetoed).
NAMES_DIFFER_CAP = 3.0
#: The same cap among households, unless an NI number agrees: odds of 1 in 16, another
#: person (twins, a husband and wife, a mother and daughter). At 2^3 every household
#: member's first record would go to an officer, who would see two plainly two people.
HOUSEHOLD_NAMES_DIFFER_CAP = -4.0
#: The most a record without a generation suffix can weigh towards a resident known as
#: a Jr or a Sr, or a Jr's or Sr's record towards a resident known by no suffix, unless
#: a date of birth or NI number agrees: a Sr has a Jr of his name, and "John Smith" at
#: their home may be either (an officer decides).
UNSTATED_SUFFIX_CAP = 2.0
#: The best candidate's posterior when the record fits two or more residents of one
#: household that it cannot tell apart (`Matcher.namesakes`): in the review zone of the
#: engine's thresholds and of the service's (0.5 to 0.9 by default), neither a link to
#: one of them nor a third resident.
AMBIGUOUS_POSTERIOR = 0.75


class Outcome(StrEnum):
    LINK = "link"
    REVIEW = "review"
    NEW = "new"


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Match probabilities: at or above `link` link, at or above `review` review."""

    link: float = 0.99
    review: float = 0.50

    def __post_init__(self) -> None:
        if not 0.0 < self.review <= self.link < 1.0:
            raise LinkageError("thresholds must satisfy 0 < review <= link < 1")


@dataclass(frozen=True, slots=True)
class FieldEvidence:
    comparison: str
    level: str
    weight: float  # log2(m/u) for the level this pair hit; 0 for a missing value


@dataclass(frozen=True, slots=True)
class Candidate:
    """A resident that may be the record's person.

    `match_weight` and `probability` are the pairwise Fellegi-Sunter values, as Splink's
    `predict()` would give them. `posterior` also weighs the other candidates: assuming
    at most one resident is this person, it is this candidate's odds over one plus the
    sum of every candidate's odds. Twins, or a father and son of one name, each look
    like a strong pairwise match; the posterior says which of them it is, or that it
    cannot tell. The index may also hold two records of one person never merged (a
    legacy duplicate): other candidates whose names and date of birth agree with the
    best candidate's, and that match it above the link threshold, count as that person,
    so the best candidate's posterior includes theirs rather than being split with them.
    """

    resident_id: str
    probability: float
    posterior: float
    match_weight: float
    evidence: tuple[FieldEvidence, ...]
    #: Other residents the record shows to be this one's person (see `Matcher.bridged`).
    same_person: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Decision:
    outcome: Outcome
    resident_id: str | None
    candidates: tuple[Candidate, ...]


class Matcher:
    """Matches records to residents. Keep it current with add/update/remove/merge."""

    def __init__(
        self,
        model: Model,
        thresholds: Thresholds | None = None,
        *,
        max_candidates: int = 5,
        index: BlockingIndex | None = None,
        households: bool = False,
    ) -> None:
        self.model = model
        #: Records of people in households (a council's): dates of birth a generation
        #: apart are also a conflict (`household_conflicts`), so a son does not join the
        #: father whose name he shares.
        self.households = households
        self.thresholds = thresholds or Thresholds()
        self.max_candidates = max_candidates
        self.index = index or BlockingIndex()

    def __len__(self) -> int:
        return len(self.index)

    def add(self, record: Record) -> None:
        resident_id = _require_id(record)
        if resident_id in self.index:
            raise LinkageError(f"resident {resident_id} is already indexed; use update()")
        self.index.put(resident_id, [features_of(record)])

    def update(self, record: Record) -> None:
        """Replace what the index knows of a resident by this record."""
        resident_id = _require_id(record)
        self.index.facets(resident_id)
        self.index.put(resident_id, [features_of(record)])

    def remove(self, resident_id: str) -> None:
        self.index.delete(resident_id)

    def merge(self, surviving_id: str, merged_id: str) -> None:
        """The merged resident's facets move to the survivor; the merged id leaves."""
        if surviving_id == merged_id:
            raise LinkageError("a resident cannot be merged into itself")
        merged = self.index.facets(merged_id)
        survivor = self.index.facets(surviving_id)
        self.index.delete(merged_id)
        self.index.put(surviving_id, [*survivor, *merged])

    def match(self, record: Record) -> list[Candidate]:
        """The best candidates, most probable first (at most `max_candidates`)."""
        return self.match_features(features_of(record))

    def match_features(self, features: Features, exclude: str | None = None) -> list[Candidate]:
        top = self._top(features, exclude)
        if not top:
            return []
        best = top[0][0][0]
        shifted = [2.0 ** (w - best) for (w, _), _ in top]
        denominator = 2.0**-best + sum(shifted) if best < 1000 else sum(shifted)
        posteriors = [share / denominator for share in shifted]
        if posteriors[0] < self.thresholds.link:
            facets = [facet for (_, facet), _ in top]
            posteriors[0] = min(1.0, posteriors[0] + self._duplicates_share(facets, posteriors))
        bridged = self.bridged([(rid, w) for (w, _), rid in top])
        if bridged:
            shares = dict(zip((rid for _, rid in top), posteriors, strict=True))
            posteriors[0] = min(1.0, posteriors[0] + sum(shares[rid] for rid in bridged))
        namesakes = self.namesakes(features, [(rid, w) for (w, _), rid in top])
        if namesakes[:1] == [top[0][1]] and self._told_apart(namesakes):
            posteriors[0] = AMBIGUOUS_POSTERIOR  # either of them: an officer's question
        found = [
            self._candidate(features, rid, facet, w, posterior)
            for ((w, facet), rid), posterior in zip(top, posteriors, strict=True)
        ]
        return [replace(found[0], same_person=bridged), *found[1:]] if bridged else found

    def _top(
        self, features: Features, exclude: str | None
    ) -> list[tuple[tuple[float, Features], str]]:
        moved = self.moved_here(features)
        scored = (
            (self._best(features, rid, moved=rid in moved), rid)
            for rid in self.index.candidates(features) | moved
            if rid != exclude
        )
        # ties broken by id, so the same index gives the same answer in every process
        return heapq.nlargest(self.max_candidates, scored, key=lambda pair: (pair[0][0], pair[1]))

    def bridged(self, ranked: list[tuple[str, float]]) -> tuple[str, ...]:
        """Residents that the record shows to be the best candidate's person: a move.

        Among households only. Each is a link on its own (pairwise, at or above the
        link threshold), as the best is; each is consistent with the best in every facet
        (`household_conflicts`: no other given name, sex, NI number, suffix, or date of
        birth a generation away); and neither is known at an address of the other. A
        phone known at the old address and a name at the new one is a person who moved,
        known twice until this record; two residents of one name at one address are
        more likely a father and son than one person the matcher failed to join.
        """
        if not self.households or len(ranked) < 2:
            return ()
        best_id, best_weight = ranked[0]
        if probability(best_weight) < self.thresholds.link:
            return ()
        best = self.index.facets(best_id)
        homes = _homes(best)
        return tuple(
            rid
            for rid, weight in ranked[1:]
            if probability(weight) >= self.thresholds.link
            and not homes & _homes(self.index.facets(rid))
            and not any(household_conflicts(a, b) for a in best for b in self.index.facets(rid))
        )

    def namesakes(self, features: Features, ranked: list[tuple[str, float]]) -> list[str]:
        """Residents at the record's address the record cannot tell apart: among
        households, for a record with no suffix, date of birth or NI number ("Mr J Smith"),
        the candidates known at its address, of its family name, whose names it fits
        (`names_differ` with none of their facets) and that are plausible on their own
        (at or above the review threshold). A father and son of one name, told apart by
        their dates of birth or suffixes, are two such residents: the record may be
        either, and an officer decides."""
        if not self.households or features.suffix or features.dob or features.ni:
            return []
        here = _homes([features])
        if not here:
            return []
        found = []
        for rid, weight in ranked:
            facets = self.index.facets(rid)
            if (
                probability(weight) >= self.thresholds.review
                and here & _homes(facets)
                and any(f.family == features.family for f in facets)
                and not any(names_differ(features, f) or conflicts(features, f) for f in facets)
            ):
                found.append(rid)
        return found

    def held_apart(
        self,
        features: Features,
        candidates: Sequence[Candidate],
        apart: Callable[[str, str], bool],
    ) -> bool:
        """Whether the record fits its best candidate and another it cannot tell apart
        (`namesakes`) that the caller knows to be two people by what the engine does not
        hold (``apart``: the two holders of one joint account, say). Then it is either of
        them, as for namesakes told apart by their dates of birth: an officer's question."""
        ranked = [(c.resident_id, c.match_weight) for c in candidates]
        found = self.namesakes(features, ranked)
        if not ranked or found[:1] != [ranked[0][0]]:
            return False
        return any(apart(found[0], other) for other in found[1:])

    def _told_apart(self, residents: list[str]) -> bool:
        """Two of the residents are known to be two people: another NI number, a Jr
        and a Sr, dates of birth a generation apart (not merely two residents of one
        name, who may be one person known twice: the duplicate pass looks at those)."""
        for n, a in enumerate(residents):
            for b in residents[n + 1 :]:
                if any(
                    self._clash(x, y) for x in self.index.facets(a) for y in self.index.facets(b)
                ):
                    return True
        return False

    def decide(self, candidates: list[Candidate]) -> Decision:
        """Link above the upper threshold, review in the grey zone, else new.

        Thresholds apply to the posterior, so two near-equal candidates (twins with
        missing given names, say) go to review rather than to whichever scored higher.
        """
        ranked = tuple(sorted(candidates, key=lambda c: c.posterior, reverse=True))
        if not ranked or ranked[0].posterior < self.thresholds.review:
            return Decision(Outcome.NEW, None, ranked)
        if ranked[0].posterior >= self.thresholds.link:
            return Decision(Outcome.LINK, ranked[0].resident_id, ranked)
        return Decision(Outcome.REVIEW, ranked[0].resident_id, ranked)

    def _duplicates_share(self, facets: list[Features], posteriors: list[float]) -> float:
        """The posterior of the other candidates that are the best one's own duplicates."""
        best = facets[0]
        return sum(
            posterior
            for facet, posterior in zip(facets[1:], posteriors[1:], strict=True)
            if posterior > 0.0 and self._same_person(best, facet)
        )

    def _same_person(self, a: Features, b: Features) -> bool:
        agreeing = 0
        for trained in self.model.comparisons:
            wanted = IDENTITY_LEVELS.get(trained.comparison.name)
            if wanted is not None:
                if trained.comparison.labels[trained.comparison.level_of(a, b)] not in wanted:
                    return False
                agreeing += 1
        if agreeing < len(IDENTITY_LEVELS):
            return False
        return probability(self.model.weight(a, b)) >= self.thresholds.link

    def moved_here(self, features: Features) -> set[str]:
        """Residents whose household is known to have moved to the record's address.

        Among households only. Another resident, of a family name in common, is known
        both at the record's address and at an address this one is known at (and this
        one is not known here): their household moved here, as a husband and wife or a
        family do, and the record may be this one's first sighting at the new home.
        """
        here = _homes([features])
        if not self.households or not here:
            return set()
        found: set[str] = set()
        for other in set().union(*(self.index.block(key) for key in here)):
            facets = self.index.facets(other)
            families = {name for f in facets for name in f.family_names}
            for home in _homes(facets) - here:
                for rid in self.index.block(home) - {other}:
                    theirs = self.index.facets(rid)
                    if not _homes(theirs) & here and any(
                        name in families for f in theirs for name in f.family_names
                    ):
                        found.add(rid)
        return found

    def _best(
        self, features: Features, resident_id: str, *, moved: bool = False
    ) -> tuple[float, Features]:
        """The best facet's weight; a conflict with ANY facet (the resident as a whole)
        costs CONFLICT_WEIGHT, so a record does not join through one facet it resembles.
        A resident whose household `moved_here` is scored as known at the record's
        address too (its names and dates of birth still have to agree)."""
        weight = self.model.weight
        facets = self.index.facets(resident_id)
        scored = [_also_at(f, features) for f in facets] if moved else facets
        if len(scored) == 1:  # most residents: no merged record
            best = weight(features, scored[0]), facets[0]
        else:
            best = max(
                ((weight(features, s), f) for s, f in zip(scored, facets, strict=True)),
                key=lambda pair: pair[0],
            )
        return self.held_down(features, facets, best[0]), best[1]

    def held_down(self, features: Features, facets: list[Features], weight: float) -> float:
        """The best facet's weight after what the resident as a whole says of the record:
        a conflict with any facet costs CONFLICT_WEIGHT; names that differ from every
        facet, or an unstated generation among households, cap it. Only ever lower."""
        if self._checkable(features) and any(self._clash(features, f) for f in facets):
            return weight + CONFLICT_WEIGHT
        cap = HOUSEHOLD_NAMES_DIFFER_CAP if self.households else NAMES_DIFFER_CAP
        if (
            weight > cap
            and all(names_differ(features, f) for f in facets)
            and not any(features.ni is not None and features.ni == f.ni for f in facets)
        ):
            return cap
        if self.households and weight > UNSTATED_SUFFIX_CAP and either_generation(features, facets):
            return UNSTATED_SUFFIX_CAP
        return weight

    def _checkable(self, features: Features) -> bool:
        if self.households and features.dob is not None:
            return True
        return features.ni is not None or features.suffix is not None

    def _clash(self, a: Features, b: Features) -> tuple[str, ...]:
        """What makes the two records two people: `conflicts`, and in households a date
        of birth a generation away too (never another given name: that is weighed)."""
        found = conflicts(a, b)
        if self.households and "date_of_birth" in household_conflicts(a, b):
            found += ("date_of_birth",)
        return found

    def _candidate(
        self, a: Features, rid: str, b: Features, weight: float, posterior: float
    ) -> Candidate:
        evidence = tuple(
            FieldEvidence(t.comparison.name, t.comparison.labels[level], t.weights[level])
            for t, level in zip(self.model.comparisons, self.model.levels(a, b), strict=True)
        )
        clashes = sorted({c for facet in self.index.facets(rid) for c in self._clash(a, facet)})
        if clashes:
            label = "conflicts with the resident on " + ", ".join(clashes)
            evidence += (FieldEvidence("consistency", label, CONFLICT_WEIGHT),)
        return Candidate(rid, probability(weight), posterior, weight, evidence)


def _homes(facets: list[Features]) -> set[tuple[str, ...]]:
    """Every address the facets know, as the index keys it: by UPRN, and by postcode
    with house number."""
    homes: set[tuple[str, ...]] = set()
    for facet in facets:
        for place in facet.places:
            if place.uprn:
                homes.add(("uprn", place.uprn))
            if place.postcode and place.house_number:
                homes.add(("postcode+number", place.postcode, place.house_number))
    return homes


def either_generation(record: Features, facets: list[Features]) -> bool:
    """One side names a generation and the other does not, and neither a date of birth
    nor an NI number they share says which of the two it is: the resident is a Jr or a
    Sr and the record names none, or the record is a Jr's or a Sr's ("MR J SMITH JNR")
    and nothing the resident is known by names one (a Jr has a Sr of his name, and the
    resident may be either)."""
    stated = any(f.suffix for f in facets)
    if (record.suffix is not None) == stated:
        return False
    return not any(
        (record.dob is not None and record.dob == f.dob) or (record.ni and record.ni == f.ni)
        for f in facets
    )


def _also_at(facet: Features, record: Features) -> Features:
    """The facet as if also known at the record's addresses."""
    return replace(facet, places=(*(facet.places or ()), *record.places))


def _require_id(record: Record) -> str:
    if record.resident_id is None:
        raise InvalidRecordError("resident_id", "an indexed resident needs an id")
    return record.resident_id
