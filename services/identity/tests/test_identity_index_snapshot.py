"""A snapshot restores only what matching needs at once, and saves the index as it
stood when frozen, whatever changes while its bytes are made."""

from __future__ import annotations

from collections import defaultdict

import pytest

from townhall.identity.adapters import index_restored, index_snapshot
from townhall.identity.adapters.index_restored import Records
from townhall.identity.adapters.index_snapshot import IndexState
from townhall.identity.linkage import Matcher, Model, Record
from townhall.identity.linkage.features import Features, features_of
from townhall.identity.linkage.index import BlockingIndex, Key, facet_keys
from townhall.identity.linkage.synthetic import Council, generate


@pytest.fixture(scope="module")
def council() -> Council:
    return generate(40, seed=9, queries_per_case=2)


def _built(model: Model, records: list[Record]) -> Matcher:
    matcher = Matcher(model)
    for record in records:
        matcher.add(record)
    return matcher


def _restored(matcher: Matcher) -> BlockingIndex:
    state = IndexState(Records(), {}, defaultdict(set), matcher.index)
    return index_snapshot.loads(index_snapshot.payload(index_snapshot.freeze(state))).index


def _answers(index: BlockingIndex, queries: list[Record]) -> list[set[str]]:
    return [index.candidates(features_of(query)) for query in queries]


def test_a_restore_works_out_no_blocking_keys_and_reads_only_the_facets_matching_reads(
    model: Model, council: Council, monkeypatch: pytest.MonkeyPatch
) -> None:
    built = _built(model, council.population)
    worked_out: list[int] = []
    read: list[object] = []
    features = index_restored._features

    def counted_keys(facets: list[Features]) -> set[Key]:
        worked_out.append(len(facets))
        return facet_keys(facets)

    def counted_features(saved: tuple[object, ...]) -> Features:
        read.append(saved)
        return features(saved)

    monkeypatch.setattr(index_restored, "facet_keys", counted_keys)
    monkeypatch.setattr(index_restored, "_features", counted_features)
    restored = Matcher(model, index=_restored(built))
    assert (worked_out, read) == ([], []), "restoring turns no resident back into objects"
    query = council.queries[0].record
    found = restored.match(query)
    assert [c.resident_id for c in found] == [c.resident_id for c in built.match(query)]
    assert 0 < len(read) <= len(restored.index.candidates(features_of(query)))
    assert worked_out == [], "matching needs no resident's keys"


def test_a_restored_resident_that_changes_leaves_every_block_it_was_in(
    model: Model, council: Council
) -> None:
    built = _built(model, council.population)
    restored = Matcher(model, index=_restored(built))
    mover = council.population[0]
    assert mover.resident_id is not None
    moved = Record(mover.given_name, mover.family_name, resident_id=mover.resident_id,
                   postcode="ZX9 9ZZ", house_number="1", town="Elsewhere")  # fmt: skip
    for matcher in (built, restored):
        matcher.update(moved)
        matcher.remove(str(council.population[1].resident_id))
    queries = [q.record for q in council.queries] + [mover]
    assert _answers(restored.index, queries) == _answers(built.index, queries)
    assert restored.index.keys(mover.resident_id) == built.index.keys(mover.resident_id)


def test_a_frozen_index_saves_as_it_stood_whatever_changes_after(
    model: Model, council: Council
) -> None:
    population = council.population
    restored = Matcher(model, index=_restored(_built(model, population)))
    queries = [q.record for q in council.queries]
    restored.match(queries[0])  # some residents read, the rest still as restored
    before = _answers(restored.index, queries)
    frozen = index_snapshot.freeze(IndexState(Records(), {}, defaultdict(set), restored.index))
    for record in population[:10]:
        assert record.resident_id is not None
        restored.remove(record.resident_id)
    restored.add(Record("Late", "Comer", resident_id="late", postcode="ZX1 1AA"))
    saved = index_snapshot.loads(index_snapshot.payload(frozen)).index
    assert _answers(saved, queries) == before
    assert set(saved) == {r.resident_id for r in population}
