"""The OpenAPI document says what cases and its Open311 API really answer.

Each operation lists exactly the statuses it can answer (a fuzzer fails on any other),
errors as RFC 9457 problems, except under /open311/v2/, where every error is GeoReport
v2's list in the format the path asks for (JSON or XML). The app is built, never started.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from townhall.cases.entrypoints.api.app import create
from townhall.cases.testing import settings_for
from townhall.runtime.testkit.tokens import TestIssuer

PROBLEM = "application/problem+json"
OPEN311 = ["application/json", "text/xml"]
#: Every guarded operation: no token where one is needed, or one the table refuses; and
#: a path parameter the server does not accept.
GUARDED = {"401", "403"}
BODY = {"400", "413", "422"}
#: Evidence downloads answer the file itself, in the type recognised when it was added.
FILES = ["application/pdf", "image/jpeg", "image/png"]
#: Writes that seal what is written about a resident answer 503 when identity cannot
#: give the resident's data key (nothing is saved, nothing published in clear).
STATUSES: dict[tuple[str, str], set[str]] = {
    ("get", "/service-types"): {"200", "422"} | GUARDED,
    ("get", "/service-types/{code}"): {"200", "404", "422"} | GUARDED,
    ("get", "/queue"): {"200", "400", "422"} | GUARDED,
    ("get", "/queue/counts"): {"200", "422"} | GUARDED,
    ("get", "/residents/me/cases"): {"200", "422"} | GUARDED,
    ("post", "/cases"): {"201", "503"} | BODY | GUARDED,
    ("get", "/cases/{reference}"): {"200", "404", "422", "429"} | GUARDED,
    ("post", "/cases/{reference}/transitions"): {"200", "404", "409", "503"} | BODY | GUARDED,
    ("put", "/cases/{reference}/assignment"): {"204", "404", "409"} | BODY | GUARDED,
    ("post", "/cases/{reference}/updates"): {"201", "404", "409", "503"} | BODY | GUARDED,
    ("post", "/cases/{reference}/notes"): {"201", "404", "409", "503"} | BODY | GUARDED,
    ("post", "/cases/{reference}/confirm"): {"200", "404", "409", "422"} | GUARDED,
    ("post", "/cases/{reference}/evidence"): {"201", "404", "409", "415", "503"} | BODY | GUARDED,
    ("get", "/cases/{reference}/evidence"): {"200", "404", "422", "429"} | GUARDED,
    ("get", "/cases/{reference}/evidence/{evidence_id}"): {"200", "404", "422", "429"} | GUARDED,
    ("post", "/contacts"): {"201", "404"} | BODY | GUARDED,
    ("get", "/open311/v2/discovery.{fmt}"): {"200", "400"} | GUARDED,
    ("get", "/open311/v2/services.{fmt}"): {"200", "400", "404"} | GUARDED,
    ("get", "/open311/v2/services/{service_code}.{fmt}"): {"200", "400", "404"} | GUARDED,
    ("post", "/open311/v2/requests.{fmt}"): {"201", "400", "404", "413", "503"} | GUARDED,
    ("get", "/open311/v2/requests.{fmt}"): {"200", "400", "404", "429"} | GUARDED,
    ("get", "/open311/v2/requests/{service_request_id}.{fmt}"): {"200", "400", "404", "429"}
    | GUARDED,
    ("get", "/open311/v2/tokens/{token}.{fmt}"): {"200", "400", "404", "429"} | GUARDED,
    ("get", "/open311/v2/servicerequestupdates.{fmt}"): {"200", "400", "404"} | GUARDED,
    ("post", "/open311/v2/servicerequestupdates.{fmt}"): {"200", "201", "400", "404", "413", "503"}
    | GUARDED,
}


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    directory: Path = tmp_path_factory.mktemp("openapi")
    app = create(
        settings_for(f"sqlite+aiosqlite:///{directory / 'cases.db'}", TestIssuer(directory))
    )
    built: dict[str, Any] = app.openapi()
    return built


def _operations(document: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (method, path): operation
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
    }


def test_each_operation_lists_exactly_the_statuses_it_answers(document: dict[str, Any]) -> None:
    documented = {key: set(op["responses"]) for key, op in _operations(document).items()}
    assert set(documented) == set(STATUSES), "every operation is specified here"
    wrong = {
        key: (documented[key], STATUSES[key])
        for key in STATUSES
        if documented[key] != STATUSES[key]
    }
    assert not wrong, "(documented, answered): " + repr(wrong)


def test_errors_are_problems_except_under_open311(document: dict[str, Any]) -> None:
    for (method, path), operation in _operations(document).items():
        open311 = path.startswith("/open311/")
        for status, response in operation["responses"].items():
            media = sorted(response.get("content", {}))
            if int(status) < 400 and path.endswith("/evidence/{evidence_id}"):
                expected = FILES
            elif int(status) < 400:
                expected = OPEN311 if open311 else (["application/json"] if media else [])
            elif open311:
                expected = OPEN311
            else:
                expected = [PROBLEM]
            assert media == expected, f"{method} {path} {status}"


def test_request_schemas_are_as_strict_as_the_server(document: dict[str, Any]) -> None:
    operations = _operations(document)
    case = operations[("get", "/cases/{reference}")]["parameters"][0]
    assert case["schema"]["pattern"] == r"^[A-Z]{2,4}-[0-9]{4}-[0-9]{6,9}$"
    requests = operations[("get", "/open311/v2/requests.{fmt}")]["parameters"]
    assert next(p for p in requests if p["name"] == "fmt")["schema"]["enum"] == ["json", "xml"]
    form = operations[("post", "/open311/v2/requests.{fmt}")]["requestBody"]["content"]
    assert form["application/x-www-form-urlencoded"]["schema"]["required"] == [
        "api_key",
        "service_code",
    ]
    submit = document["components"]["schemas"]["SubmitCaseRequest"]
    assert submit["additionalProperties"] is False
