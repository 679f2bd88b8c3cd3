"""Decisions follow the thresholds; bad input is refused with a clear error."""

from __future__ import annotations

from datetime import date

import pytest

from townhall.identity.linkage import (
    Candidate,
    InvalidRecordError,
    LinkageError,
    Matcher,
    Model,
    Outcome,
    Record,
    Thresholds,
    parse_date_of_birth,
)

EMPTY_MODEL = Model(0.001, (), {})


def _candidate(resident_id: str, posterior: float) -> Candidate:
    return Candidate(resident_id, posterior, posterior, 0.0, ())


@pytest.mark.parametrize(
    ("posterior", "outcome"),
    [(0.999, Outcome.LINK), (0.99, Outcome.LINK), (0.98, Outcome.REVIEW),
     (0.5, Outcome.REVIEW), (0.49, Outcome.NEW)],
)  # fmt: skip
def test_decisions_respect_the_thresholds(posterior: float, outcome: Outcome) -> None:
    matcher = Matcher(EMPTY_MODEL, Thresholds(link=0.99, review=0.5))
    decision = matcher.decide([_candidate("R1", posterior)])
    assert decision.outcome is outcome
    assert decision.resident_id == (None if outcome is Outcome.NEW else "R1")


def test_no_candidate_means_a_new_resident() -> None:
    assert Matcher(EMPTY_MODEL).decide([]).outcome is Outcome.NEW


def test_the_best_candidate_is_chosen_whatever_the_order() -> None:
    decision = Matcher(EMPTY_MODEL).decide([_candidate("R1", 0.001), _candidate("R2", 0.995)])
    assert (decision.outcome, decision.resident_id) == (Outcome.LINK, "R2")


def test_inverted_thresholds_are_refused() -> None:
    with pytest.raises(LinkageError):
        Thresholds(link=0.4, review=0.9)


@pytest.mark.parametrize("field", ["given_name", "family_name"])
@pytest.mark.parametrize("value", ["", "   ", "123"])
def test_empty_names_are_refused(field: str, value: str) -> None:
    names = {"given_name": "Ada", "family_name": "Testperson", field: value}
    with pytest.raises(InvalidRecordError, match=field):
        Record(**names)


@pytest.mark.parametrize("text", ["1990-02-30", "19901301", "not a date", "2999-01-01"])
def test_invalid_dates_are_refused(text: str) -> None:
    with pytest.raises(InvalidRecordError, match="date_of_birth"):
        parse_date_of_birth(text)


def test_a_future_date_of_birth_is_refused() -> None:
    with pytest.raises(InvalidRecordError, match="date_of_birth"):
        Record("Ada", "Testperson", date_of_birth=date(2999, 1, 1))


def test_a_uprn_keeps_its_leading_zeros_and_must_be_digits() -> None:
    assert Record("Ada", "Testperson", uprn="000012345678").uprn == "000012345678"
    with pytest.raises(InvalidRecordError, match="uprn"):
        Record("Ada", "Testperson", uprn="12A")
