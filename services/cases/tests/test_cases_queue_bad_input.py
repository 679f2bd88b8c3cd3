"""Bad queue parameters get a problem naming the parameter, and change nothing.

Parsing does not depend on the store, so these run on SQLite only.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from townhall.cases.domain.queue import After
from townhall.cases.entrypoints.api.cursors import encode, fingerprint
from townhall.cases.testing import MISSED_BIN, bearer, counts
from townhall.runtime.testkit.tokens import TestIssuer

PROBLEM = "application/problem+json"


@pytest.fixture
def officer(issuer: TestIssuer) -> dict[str, str]:
    return bearer(issuer.officer(("waste", "personal")))


async def _with_cases(http: httpx.AsyncClient, officer: dict[str, str], n: int) -> None:
    body = {**MISSED_BIN, "reporter": {}, "resident_id": str(uuid.uuid4()), "channel": "phone"}
    for _ in range(n):
        assert (await http.post("/cases", json=body, headers=officer)).status_code == 201


BAD = [
    pytest.param({"status": "flying"}, "status", id="unknown-status"),
    pytest.param({"service_code": "dragons"}, "service_code", id="unknown-service-type"),
    pytest.param({"service_code": "Not A Code"}, "service_code", id="malformed-service-type"),
    pytest.param({"domain": "dragons"}, "domain", id="unknown-area"),
    pytest.param({"channel": "pigeon"}, "channel", id="unknown-channel"),
    pytest.param({"assignee": "them"}, "assignee", id="unknown-assignee"),
    pytest.param({"sla": "late"}, "sla", id="unknown-sla"),
    pytest.param({"sla": "due", "due_within_hours": "0"}, "due_within_hours", id="no-window"),
    pytest.param({"due_within_hours": "5"}, "due_within_hours", id="window-without-sla-due"),
    pytest.param({"submitted_from": "2026-13-01"}, "submitted_from", id="no-13th-month"),
    pytest.param({"submitted_from": "yesterday"}, "submitted_from", id="not-a-date"),
    pytest.param({"submitted_to": "2026-03-01T10:00:00"}, "submitted_to", id="no-timezone"),
    pytest.param(
        {"submitted_from": "2026-03-02", "submitted_to": "2026-03-01"},
        "submitted_to",
        id="to-before-from",
    ),
    pytest.param({"q": "a"}, "q", id="text-too-short"),
    pytest.param({"team": "x" * 101}, "team", id="team-too-long"),
    pytest.param({"sort": "random"}, "sort", id="unknown-sort"),
    pytest.param({"limit": "0"}, "limit", id="page-too-small"),
    pytest.param({"limit": "101"}, "limit", id="page-too-large"),
    pytest.param({"limit": "ten"}, "limit", id="page-not-a-number"),
    pytest.param({"stauts": "submitted"}, "stauts", id="unknown-parameter"),
    pytest.param({"assignee": ["me", "unassigned"]}, "assignee", id="one-value-given-twice"),
]


@pytest.mark.parametrize(("params", "parameter"), BAD)
async def test_a_bad_parameter_is_a_problem_that_names_it(
    http: httpx.AsyncClient, officer: dict[str, str], params: dict[str, Any], parameter: str
) -> None:
    await _with_cases(http, officer, 1)
    before = await counts(http)
    for path in ("/queue", "/queue/counts"):
        if path.endswith("counts") and parameter in ("sort", "limit"):
            continue
        response = await http.get(path, params=params, headers=officer)
        assert response.status_code == 422, f"{path}: {response.text}"
        assert response.headers["Content-Type"] == PROBLEM
        named = [e["loc"] for e in response.json()["errors"]]
        assert ["query", parameter] in [loc[:2] for loc in named], named
    assert await counts(http) == before


async def test_paging_parameters_are_refused_by_the_dashboard_counts(
    http: httpx.AsyncClient, officer: dict[str, str]
) -> None:
    response = await http.get("/queue/counts", params={"limit": "5"}, headers=officer)
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["query", "limit"]


async def _a_cursor(http: httpx.AsyncClient, officer: dict[str, str], **params: Any) -> str:
    page = await http.get("/queue", params={"limit": 1, **params}, headers=officer)
    cursor: str = page.json()["next_cursor"]
    assert cursor
    return cursor


async def test_a_tampered_or_foreign_cursor_is_refused_naming_the_cursor(
    http: httpx.AsyncClient, officer: dict[str, str]
) -> None:
    await _with_cases(http, officer, 3)
    cursor = await _a_cursor(http, officer)
    flipped = cursor[:-3] + ("A" if cursor[-3] != "A" else "B") + cursor[-2:]
    forged = encode(After(datetime.now(UTC), uuid.uuid4()), fingerprint({"another": "query"}))
    attempts = {
        "garbage": ({"cursor": "not a cursor at all"}),
        "edited": ({"cursor": flipped}),
        "truncated": ({"cursor": cursor[:10]}),
        "for another query": ({"cursor": forged}),
        "with other filters": ({"cursor": cursor, "status": "submitted"}),
        "with another sort": ({"cursor": cursor, "sort": "oldest"}),
    }
    for what, params in attempts.items():
        response = await http.get("/queue", params={"limit": 1, **params}, headers=officer)
        assert response.status_code == 400, f"{what}: {response.text}"
        assert response.headers["Content-Type"] == PROBLEM
        assert response.json()["errors"][0]["loc"] == ["query", "cursor"], what
    follows = await http.get("/queue", params={"limit": 1, "cursor": cursor}, headers=officer)
    assert follows.status_code == 200, "the real one still works"


async def test_a_cursor_follows_the_same_filters_given_in_another_order(
    http: httpx.AsyncClient, officer: dict[str, str]
) -> None:
    await _with_cases(http, officer, 3)
    cursor = await _a_cursor(http, officer, status=["submitted", "triaged"])
    again = {"limit": 1, "status": ["triaged", "submitted"], "cursor": cursor}
    assert (await http.get("/queue", params=again, headers=officer)).status_code == 200


async def test_residents_and_anonymous_callers_have_no_queue(
    http: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    resident = bearer(issuer.resident(str(uuid.uuid4())))
    assert (await http.get("/queue", headers=resident)).status_code == 403
    assert (await http.get("/queue/counts")).status_code == 401
