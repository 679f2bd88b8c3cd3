"""Issue 12's speed goals, each against a baseline measured in the same run.

* Single-record matching against 100,000 residents that hold the FULL record (current
  and former addresses with flat and house name, former surnames, middle names, NI
  number, suffix, phones, emails), as identity holds them once legacy records have been
  linked: matches per second (goal at least 1,000), and the ratio to the same matcher
  against the same residents holding only what FEBRL-era records held (names, date of
  birth, one postcode), so the cost of the full record shows.
* A batch of 50,000 legacy records (council tax, waste, housing: the council
  benchmark's generator at scale): Townhall's `deduplicate` (Splink training, the
  index, the Python scorer, clustering) against Splink alone on the same records with
  the same trained settings (train, `predict`, Splink's own clustering). Goal: under
  twice Splink's time.
* identity's duplicate pass (`linkage.duplicates`, what ``adapters.duplicate_pass`` runs
  in the background) over 100,000 residents holding the full record (or the number
  given): its wall time beside the same pass scoring pairs one resident at a time, in
  the same run. No goal in the issue; it runs daily, off the request path.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import replace

from bench_identity.council.mapping import sightings
from bench_identity.council.people import WINDOW_END, Council, Person, make_council
from bench_identity.council.systems import legacy_rows
from bench_identity.runs import THRESHOLD, Row
from townhall.identity.linkage import Address, Matcher, Record, train
from townhall.identity.linkage.batch import deduplicate
from townhall.identity.linkage.duplicates import Duplicate, find_duplicates
from townhall.identity.linkage.features import features_of
from townhall.identity.linkage.pairs import scored_pairs, scored_pairs_one_by_one
from townhall.identity.linkage.training import TrainingOptions, fit, splink_linker

#: The generator's council: about 2.4 people and 4.5 legacy records a household.
PEOPLE_PER_HOUSEHOLD = 2.39
RECORDS_PER_HOUSEHOLD = 4.47
Advance = Callable[[str, int], Callable[[], None]]


def resident_record(council: Council, person: Person) -> Record:
    """A person as identity holds them after linking: everything, every address."""
    homes = [home for _, home in reversed(person.homes)]
    current, *former = homes
    formers = tuple(name for _, name in person.names[:-1])
    return Record(
        person.given,
        person.family,
        resident_id=person.pid,
        former_family_names=formers,
        date_of_birth=person.born,
        postcode=current.postcode,
        house_number=current.number,
        address_line=current.street,
        town=current.town,
        uprn=current.uprn,
        flat=current.flat,
        house_name=current.building,
        previous_addresses=tuple(
            Address(h.postcode, h.number, h.flat, h.building, h.street, h.town, h.uprn)
            for h in former
        ),
        email=person.email,
        phone=person.phone,
        title=person.title_at(WINDOW_END),
        middle_names=(person.middle,) if person.middle else (),
        suffix=person.suffix,
        ni_number=person.ni,
    )


def _slim(record: Record) -> Record:
    return Record(record.given_name, record.family_name, resident_id=record.resident_id,
                  date_of_birth=record.date_of_birth, postcode=record.postcode)  # fmt: skip


def _residents(residents: int) -> tuple[list[Record], list[Record]]:
    """``residents`` people as identity holds them, and the legacy records they came from."""
    council = make_council(round(residents / PEOPLE_PER_HOUSEHOLD) + 50, seed=21)
    people = list(council.people.values())[:residents]
    full = [resident_record(council, p) for p in people]
    kept = {p.pid for p in people}
    seen = [s.record for s in sightings(council, legacy_rows(council, 22)) if s.person in kept]
    return full, seen


def duplicate_pass(residents: int = 100_000) -> list[Row]:
    """The duplicate pass over residents who are each one person (what it finds is
    wrong merges): its wall time, scoring with the service's thresholds, beside the same
    pass scoring its pairs one resident at a time through the matcher's `match_features`
    (`pairs.scored_pairs_one_by_one`, the plain statement of the pairs), in the same run.
    The two must decide the same; the bench stops if they do not."""
    full, seen = _residents(residents)
    model = train(random.Random(24).sample(seen, min(len(seen), 25_000)))
    timed: list[tuple[float, float, list[Duplicate]]] = []
    for scorer in (scored_pairs_one_by_one, scored_pairs):
        start, cpu = time.perf_counter(), time.process_time()
        found = find_duplicates(full, model, link=0.90, review=0.50, scorer=scorer)
        timed.append((time.perf_counter() - start, time.process_time() - cpu, found))
    (plain_seconds, plain_cpu, plain), (seconds, cpu, found) = timed
    if found != plain:
        raise AssertionError("the duplicate pass decided otherwise than matching one by one")
    merges = sum(d.merge for d in found)
    task = f"duplicate pass over {len(full):,} residents"
    return [
        Row(task, "find_duplicates, pairs one by one", None, plain_seconds,
            f"{len(full) / plain_seconds:,.0f} residents/s; {plain_cpu:.1f} s of CPU"),
        Row(task, "find_duplicates", None, seconds,
            f"{len(full) / seconds:,.0f} residents/s, {plain_seconds / seconds:.1f}x faster "
            f"({plain_cpu / cpu:.1f}x in CPU time: {cpu:.1f} s); same decisions: {merges} "
            f"merges (each a wrong one: every resident is another person), "
            f"{len(found) - merges} questions"),
    ]  # fmt: skip


def matching_rate(
    residents: int = 100_000, queries: int = 3000, progress: Advance | None = None
) -> list[Row]:
    full, seen = _residents(residents)
    rng = random.Random(23)
    probes = rng.sample(seen, min(queries, len(seen)))
    # trained as a council would train it: on legacy records, which hold duplicates
    model = train(rng.sample(seen, min(len(seen), 25_000)))
    rows = []
    for label, records in (("names, birth date, postcode", [_slim(r) for r in full]),
                           ("full record", full)):  # fmt: skip
        matcher = Matcher(model, households=True)  # as identity's LinkageMatcher builds it
        advance = progress(f"index {len(records):,} residents: {label}", len(records)) \
            if progress else None  # fmt: skip
        for record in records:
            matcher.add(record)
            if advance:
                advance()
        start = time.perf_counter()
        for probe in probes:
            matcher.decide(matcher.match(probe))
        seconds = time.perf_counter() - start
        rows.append(Row(f"match one record vs {len(records):,} residents", label, None,
                        seconds, f"{len(probes) / seconds:,.0f} matches/s"))  # fmt: skip
    slim_rate, full_rate = (len(probes) / row.seconds for row in rows)
    ratio = f"{full_rate / slim_rate:.2f}x the rate on names, birth date, postcode"
    rows[-1] = replace(rows[-1], note=f"{rows[-1].note} ({ratio}; goal >= 1,000/s)")
    return rows


def batch_against_splink(records: int = 50_000) -> list[Row]:
    council = make_council(round(records / RECORDS_PER_HOUSEHOLD) + 50, seed=31)
    batch = [s.record for s in sightings(council, legacy_rows(council, 32))][:records]
    # both sides train with Splink, which identity imports only when it trains: import
    # it before either clock starts, or the side timed first pays for it
    import splink  # noqa: F401

    start = time.perf_counter()
    ours = deduplicate(batch, threshold=THRESHOLD)
    ours_seconds = time.perf_counter() - start
    start = time.perf_counter()
    linker = splink_linker([features_of(r) for r in batch])
    fit(linker, TrainingOptions())
    predictions = linker.inference.predict(threshold_match_probability=THRESHOLD)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=THRESHOLD
    )
    splink_pairs = predictions.as_pandas_dataframe().shape[0]  # type: ignore[no-untyped-call]
    clusters.as_pandas_dataframe()  # type: ignore[no-untyped-call]
    splink_seconds = time.perf_counter() - start
    return [
        Row(f"batch of {len(batch):,} legacy records", "Splink alone: train, predict, cluster",
            None, splink_seconds, f"{splink_pairs:,} pairs above even odds"),
        Row(f"batch of {len(batch):,} legacy records", "townhall deduplicate", None,
            ours_seconds, f"{len(ours):,} pairs; {ours_seconds / splink_seconds:.2f}x Splink's "
            "time (goal < 2)"),
    ]  # fmt: skip
