"""The cases access table, row by row, through the real routes (REST and Open311).

Each row is proved against every kind of caller the runtime's test kit knows (anonymous,
a resident at each level, tracking tokens for this request and another, an officer, a
service client with and without the scope): exactly the callers the table admits get
past it. The case is the resident's own and the officer's roles cover its area, so
past the table nothing else refuses them (a later 404 or 409 is not a refusal).

Access does not depend on the store, so these run on SQLite only.
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from townhall.cases.entrypoints.api.access_table import ACCESS, READ_SCOPE
from townhall.cases.testing import API_KEY, MISSED_BIN, bearer
from townhall.runtime.testkit.access import (
    REFUSED,
    allowed,
    callers,
    routes_by_action,
    unguarded_routes,
)
from townhall.runtime.testkit.tokens import TestIssuer

RESIDENT = str(uuid.uuid4())
ROLES = (("waste", "personal"), ("contact_centre", "personal"))
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
PHOTO = ("bin.png", b"\x89PNG\r\n\x1a\n" + bytes(32), "image/png")


async def _residents_case(http: httpx.AsyncClient, issuer: TestIssuer) -> str:
    me = bearer(issuer.resident(RESIDENT))
    created = await http.post("/cases", json={**MISSED_BIN, "reporter": {}}, headers=me)
    assert created.status_code == 201, created.text
    return str(created.json()["reference"])


def _request(action: str, reference: str) -> tuple[str, str, dict[str, Any]]:
    """(method, path, httpx keyword arguments) of a valid call of ``action``."""
    case = f"/cases/{reference}"
    open311 = "/open311/v2"
    contact = {
        "resident_id": RESIDENT,
        "channel": "phone",
        "reason": "information",
        "outcome": "no_action",
        "duration_seconds": 60,
    }
    form = {"api_key": API_KEY, "service_code": "fly_tipping", "lat": "51.5", "long": "-0.1"}
    calls: dict[str, tuple[str, str, dict[str, Any]]] = {
        "catalogue.read": ("GET", "/service-types", {}),
        "case.submit": ("POST", "/cases", {"json": MISSED_BIN}),
        "case.read": ("GET", case, {}),
        "case.list_mine": ("GET", "/residents/me/cases", {}),
        "queue.read": ("GET", "/queue", {}),
        "case.transition": ("POST", f"{case}/transitions", {"json": {"to": "cancelled"}}),
        "case.assign": ("PUT", f"{case}/assignment", {"json": {"team": "Crew 3"}}),
        "case.update": ("POST", f"{case}/updates", {"json": {"text": "On our way"}}),
        "case.note": ("POST", f"{case}/notes", {"json": {"text": "Gate code 1234"}}),
        "case.confirm_reporter": ("POST", f"{case}/confirm", {}),
        "case.evidence.add": ("POST", f"{case}/evidence", {"files": {"file": PHOTO}}),
        "case.evidence.read": ("GET", f"{case}/evidence", {}),
        "contact.log": ("POST", "/contacts", {"json": contact}),
        "open311.discover": ("GET", f"{open311}/services.json", {}),
        "open311.submit": (
            "POST",
            f"{open311}/requests.json",
            {"data": {**form, "attribute[waste_type]": "tyres"}, "headers": FORM},
        ),
        "open311.requests": ("GET", f"{open311}/requests.json", {}),
        "open311.token": ("GET", f"{open311}/tokens/unknown.json", {}),
        "open311.updates": (
            "GET",
            f"{open311}/servicerequestupdates.json",
            {"params": {"api_key": API_KEY}},
        ),
        "open311.post_update": (
            "POST",
            f"{open311}/servicerequestupdates.json",
            {"data": {"api_key": API_KEY, "description": "Still there"}, "headers": FORM},
        ),
    }
    return calls[action]


@pytest.mark.parametrize("action", list(ACCESS))
async def test_each_row_of_the_table_admits_exactly_the_callers_it_names(
    action: str, http: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    reference = await _residents_case(http, issuer)
    scope = ACCESS[action].scope or READ_SCOPE
    method, path, arguments = _request(action, reference)
    outcomes: dict[str, tuple[bool, int]] = {}
    for name, caller in callers(issuer, RESIDENT, reference, scope=scope, roles=ROLES).items():
        headers = {**arguments.get("headers", {}), **caller.headers}
        response = await http.request(method, path, **{**arguments, "headers": headers})
        assert response.status_code < 500, response.text
        outcomes[name] = (allowed(ACCESS, action, caller, reference), response.status_code)

    wrong = {n: o for n, o in outcomes.items() if o[0] == (o[1] in REFUSED)}
    assert not wrong, f"{action}: (promised, answered) {wrong}"


def test_every_route_names_an_action_and_every_action_has_a_route(
    http: httpx.AsyncClient,
) -> None:
    app = http.app  # type: ignore[attr-defined]
    assert unguarded_routes(app) == []
    assert set(routes_by_action(app)) == set(ACCESS)


def test_the_openapi_document_shows_each_operations_rule(http: httpx.AsyncClient) -> None:
    document = http.app.openapi()  # type: ignore[attr-defined]
    rule = document["paths"]["/cases/{reference}"]["get"]["x-townhall-access"]
    assert rule["action"] == "case.read" and rule["residents_min_loa"] == 1
    assert "anonymous" not in rule
