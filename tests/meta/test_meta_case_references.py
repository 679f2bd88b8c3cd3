"""Every service that takes a case reference takes every reference cases makes.

Booking and payments once checked references with patterns of their own (six digits,
up to five letters), so the millionth case of a year would have been refused by them.
The form is cases' contract (``CASE_REFERENCE_PATTERN``); each service's OpenAPI
document is read for the pattern its ``reference`` parameters declare.
"""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.meta.test_meta_topics import SERVICES
from townhall.cases.domain.model import reference_for
from townhall.schemas.events.cases import CASE_REFERENCE_PATTERN

TAKING_REFERENCES = ("cases", "booking", "payments")


@pytest.mark.parametrize("service", TAKING_REFERENCES)
def test_a_services_reference_parameters_use_cases_own_pattern(
    service: str, tmp_path: Path
) -> None:
    app = SERVICES[service](f"sqlite+aiosqlite:///{tmp_path / service}.db", tmp_path)
    document = app.openapi()
    patterns = {
        parameter["schema"].get("pattern")
        for operations in document["paths"].values()
        for operation in operations.values()
        for parameter in operation.get("parameters", [])
        if parameter["name"] == "reference" and parameter["in"] == "path"
    }
    assert patterns == {CASE_REFERENCE_PATTERN}


@pytest.mark.parametrize("number", [1, 123, 999_999, 1_000_000, 123_456_789])
def test_every_reference_cases_makes_fits_the_pattern(number: int) -> None:
    pest = SimpleNamespace(prefix="PC")  # all reference_for reads of a service type
    reference = reference_for(pest, 2026, number)  # type: ignore[arg-type]
    assert re.fullmatch(CASE_REFERENCE_PATTERN, reference), reference
