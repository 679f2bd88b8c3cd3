"""The plain recordlinkage baseline: standard blocking, comparisons and ECM."""

from __future__ import annotations

import pandas as pd
import recordlinkage
from recordlinkage.base import BaseIndexAlgorithm

_STRINGS = ("given_name", "surname", "address_1", "suburb")
_EXACT = ("street_number", "postcode", "state", "date_of_birth")


def _indexer() -> BaseIndexAlgorithm:
    indexer = recordlinkage.Index()
    indexer.block("given_name")
    indexer.block("surname")
    indexer.block("date_of_birth")
    return indexer


def _features(pairs: pd.MultiIndex, left: pd.DataFrame, right: pd.DataFrame) -> pd.DataFrame:
    compare = recordlinkage.Compare()
    for column in _STRINGS:
        compare.string(column, column, method="jarowinkler", threshold=0.85, label=column)
    for column in _EXACT:
        compare.exact(column, column, label=column)
    return compare.compute(pairs, left, right)


def ecm_link(left: pd.DataFrame, right: pd.DataFrame) -> set[tuple[str, str]]:
    pairs = _indexer().index(left, right)
    predicted = recordlinkage.ECMClassifier().fit_predict(_features(pairs, left, right))
    return {(str(a), str(b)) for a, b in predicted}


def ecm_dedupe(frame: pd.DataFrame) -> set[tuple[str, str]]:
    pairs = _indexer().index(frame)
    predicted = recordlinkage.ECMClassifier().fit_predict(_features(pairs, frame, frame))
    return {(str(a), str(b)) for a, b in predicted}
