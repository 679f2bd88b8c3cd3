"""resident-view's OpenAPI document says what each operation answers, as problems."""

from __future__ import annotations

from typing import Any

import pytest

from townhall.resident_view.config import ResidentViewSettings
from townhall.resident_view.entrypoints.api.app import create

#: Beyond 200: 400 (a purpose or filter the server refuses), 401/403 (the access
#: table), 404 (not there, or not yours), 422 (parameters), 429 (an officer's limit),
#: 503 (identity's key set unavailable, so no token can be verified).
ANSWERS = {
    ("get", "/residents/{resident_id}/timeline"): {400, 401, 403, 422, 429, 503},
    ("get", "/residents/{resident_id}/timeline/{event_id}"): {400, 401, 403, 404, 422, 429, 503},
    ("get", "/residents/search"): {400, 401, 403, 422, 429, 503},
    ("get", "/tracking/{reference}"): {400, 401, 403, 404, 422, 429, 503},
    ("get", "/audit"): {401, 403, 422, 503},
    ("get", "/audit/lookups"): {401, 403, 422, 503},
    ("get", "/residents/{resident_id}/access-log"): {401, 403, 422, 503},
}


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return create(ResidentViewSettings(auth_jwks_url="file:///nowhere")).openapi()


def test_each_operation_documents_every_status_it_answers_as_a_problem(
    document: dict[str, Any],
) -> None:
    documented = {
        (method, path): {int(s) for s in operation["responses"] if s != "200"}
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
    }

    assert documented == ANSWERS
    for path, operations in document["paths"].items():
        for operation in operations.values():
            for status, response in operation["responses"].items():
                if status != "200":
                    assert list(response["content"]) == ["application/problem+json"], path


def test_the_purpose_is_as_strict_in_the_document_as_in_the_server(
    document: dict[str, Any],
) -> None:
    def purpose(path: str) -> dict[str, Any]:
        parameters = document["paths"][path]["get"]["parameters"]
        found: dict[str, Any] = next(p for p in parameters if p["name"] == "purpose")
        return found

    assert purpose("/residents/search")["required"] is True, "only officers search"
    assert purpose("/residents/search")["schema"]["minLength"] == 3
    timeline = purpose("/residents/{resident_id}/timeline")
    assert timeline["required"] is False, "residents need not say why they read their own"
    assert "Officers must state it" in timeline["schema"]["description"]


def test_entries_and_steps_document_their_summary_code_and_its_facts(
    document: dict[str, Any],
) -> None:
    schemas = document["components"]["schemas"]
    for model in ("Entry", "Step"):
        fields = schemas[model]["properties"]
        assert "registered" in fields["summary_code"]["description"], model
        assert "amount_pence" in fields["summary_params"]["description"], model
        assert {"summary_code", "summary_params"} <= set(schemas[model]["required"]), model
