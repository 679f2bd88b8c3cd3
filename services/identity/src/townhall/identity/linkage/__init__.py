"""Probabilistic record linkage for resident records (a library: no database, no HTTP).

Train once from the population with Splink (DuckDB), then match single records
in-process against an index kept current as residents change.
"""

from townhall.identity.linkage.errors import (
    InvalidRecordError,
    LinkageError,
    ModelNotTrainedError,
    UnknownResidentError,
)
from townhall.identity.linkage.matcher import (
    Candidate,
    Decision,
    FieldEvidence,
    Matcher,
    Outcome,
    Thresholds,
)
from townhall.identity.linkage.model import Model
from townhall.identity.linkage.record import Address, Record, parse_date_of_birth
from townhall.identity.linkage.training import TrainingOptions, train

__all__ = [
    "Address",
    "Candidate",
    "Decision",
    "FieldEvidence",
    "InvalidRecordError",
    "LinkageError",
    "Matcher",
    "Model",
    "ModelNotTrainedError",
    "Outcome",
    "Record",
    "Thresholds",
    "TrainingOptions",
    "UnknownResidentError",
    "parse_date_of_birth",
    "train",
]
