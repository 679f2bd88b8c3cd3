"""Checking a case's details against its service type's form (JSON Schema)."""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator, FormatChecker

from townhall.cases.domain.catalogue import ServiceType
from townhall.cases.domain.exceptions import InvalidDetailsError

_CHECKER = FormatChecker()


def check_details(service_type: ServiceType, details: dict[str, Any]) -> None:
    """Raise InvalidDetailsError listing every problem (path and message)."""
    validator = Draft202012Validator(service_type.form, format_checker=_CHECKER)
    problems = [
        (".".join(str(p) for p in error.absolute_path), error.message)
        for error in sorted(validator.iter_errors(details), key=lambda e: list(e.absolute_path))
    ]
    if problems:
        raise InvalidDetailsError(service_type.code, problems)
