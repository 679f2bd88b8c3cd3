"""A father and son of one name in a batch: which records a generation suffix settles.

A record of "Robert Smith Sr" (or "Jr") says a second Robert Smith exists, usually at
the same home. Three rules follow, for clusters of records among households:

* a record that names no generation joins a Jr's or a Sr's records only if a date of
  birth or NI number they share says it is that one (`generation_unsettled`): "Mr R
  Smith" with neither may be the father or the son, however well it fits one of them.
  An incoming record is held to the same rule (`matcher.either_generation`);
* a Jr's or a Sr's records that give no date of birth join the one of two people of
  their name, a generation apart, that the suffix names (`by_age`): a Sr is the elder,
  a Jr the younger;
* a record known to be another person than a Sr of its own name (the other holder of
  his joint account) is his Jr, and the other way round (`named_by_the_other`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import replace

from townhall.identity.linkage.comparisons import GENERATION_GAP, given_agrees, names_differ
from townhall.identity.linkage.features import Features

Consistent = Callable[[list[str], list[str]], bool]


def generation_unsettled(left: list[Features], right: list[Features]) -> bool:
    """One side names a generation and the other names none, and no date of birth or
    NI number shared across them says which of the two people of that name it is."""
    if any(f.suffix for f in left) == any(f.suffix for f in right):
        return False
    dobs = {f.dob for f in left if f.dob is not None}
    nis = {f.ni for f in left if f.ni is not None}
    return not any(f.dob in dobs or f.ni in nis for f in right)


def by_age(
    clusters: list[list[str]],
    pairs: dict[tuple[str, str], float],
    features: dict[str, Features],
    consistent: Consistent,
) -> list[list[str]]:
    """Clusters where each Jr's or Sr's cluster without a date of birth has joined the
    person of its name its suffix names.

    Among the clusters its records are paired with and `consistent` with (nothing
    conflicts), naming no generation and giving dates of birth, a Sr's goes to the one
    born a generation before another of them, a Jr's to the one born a generation
    after another. When none or several fit, it stays apart: the records cannot say.
    """
    cluster_of = {rid: n for n, group in enumerate(clusters) for rid in group}
    linked: defaultdict[int, set[int]] = defaultdict(set)
    for a, b in pairs:
        if a in cluster_of and b in cluster_of and cluster_of[a] != cluster_of[b]:
            linked[cluster_of[a]].add(cluster_of[b])
            linked[cluster_of[b]].add(cluster_of[a])
    joins: dict[int, int] = {}
    for n, group in enumerate(clusters):
        suffixes = {s for rid in group if (s := features[rid].suffix) is not None}
        named = _NAMED.get(suffixes.pop()) if len(suffixes) == 1 else None
        if named is None or _born(group, features):
            continue
        candidates = [
            m
            for m in sorted(linked[n])
            if _born(clusters[m], features)
            and not any(features[rid].suffix for rid in clusters[m])
            and consistent(group, clusters[m])
        ]
        found = [m for m in candidates if named(m, candidates, clusters, features)]
        if len(found) == 1:
            joins[n] = found[0]
    merged = [list(group) for group in clusters]
    for n, m in joins.items():
        if m not in joins:  # a generation's cluster joins a person, not another's suffix
            merged[m] += merged[n]
            merged[n] = []
    return [group for group in merged if group]


def _born(group: list[str], features: dict[str, Features]) -> list[int]:
    return [int(dob[:4]) for rid in group if (dob := features[rid].dob) is not None]


def _generation_before(older: list[int], younger: list[int]) -> bool:
    return max(older) + GENERATION_GAP <= min(younger)


def _elder(
    m: int, candidates: list[int], clusters: list[list[str]], features: dict[str, Features]
) -> bool:
    born = _born(clusters[m], features)
    return any(_generation_before(born, _born(clusters[o], features)) for o in candidates)


def _younger(
    m: int, candidates: list[int], clusters: list[list[str]], features: dict[str, Features]
) -> bool:
    born = _born(clusters[m], features)
    return any(_generation_before(_born(clusters[o], features), born) for o in candidates)


_NAMED = {"sr": _elder, "jr": _younger}


def named_by_the_other(
    features: dict[str, Features], apart: set[tuple[str, str]]
) -> dict[str, Features]:
    """The features, where a record known to be another person than a Sr (or Jr) of
    its own name, and naming no generation itself, names the other one.

    "MR A WALKER SNR & MR A WALKER" on one council-tax account: the second holder is
    not the Sr, and shares his name, so he is the Jr the suffix was written to tell
    apart from him.
    """
    named = dict(features)
    for a, b in sorted(apart):
        fa, fb = features.get(a), features.get(b)
        if fa is None or fb is None:  # a pair about records not in this batch
            continue
        if fa.family != fb.family or names_differ(fa, fb) or not given_agrees(fa, fb):
            continue
        for rid, own, other in ((a, fa, fb), (b, fb, fa)):
            opposite = _OPPOSITE.get(other.suffix or "")
            if own.suffix is None and opposite is not None:
                named[rid] = replace(own, suffix=opposite)
    return named


_OPPOSITE = {"sr": "jr", "jr": "sr"}
