"""The booking access table, row by row, through the real routes.

Each row is proved against every kind of caller the runtime's test kit knows: exactly
the callers the table admits get past it (a later 404, 409 or 422 is not a refusal).
The case is the resident's own and the officer's roles cover its area. SQLite only:
access does not depend on the store.
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from townhall.booking.bootstrap import Booking
from townhall.booking.entrypoints.api.access_table import ACCESS, READ_SCOPE
from townhall.booking.testing import SLOT, known_case
from townhall.runtime.testkit.access import (
    REFUSED,
    allowed,
    callers,
    routes_by_action,
    unguarded_routes,
)
from townhall.runtime.testkit.tokens import TestIssuer

RESIDENT = uuid.uuid4()
ROLES = (("pest_control", "personal"),)


def _request(action: str, reference: str) -> tuple[str, str, dict[str, Any]]:
    case = f"/cases/{reference}"
    some = uuid.uuid4()
    slot = {"resource": "van-1", "starts_at": SLOT.isoformat()}
    calls: dict[str, tuple[str, str, dict[str, Any]]] = {
        "availability.read": ("GET", f"{case}/availability", {}),
        "appointment.read": ("GET", f"{case}/appointments", {}),
        "appointment.list_mine": ("GET", "/residents/me/appointments", {}),
        "hold.create": ("POST", f"{case}/holds", {"json": slot}),
        "appointment.confirm": ("POST", f"{case}/holds/{some}/confirm", {}),
        "appointment.cancel": ("POST", f"{case}/appointments/{some}/cancel", {"json": {}}),
        "appointment.reschedule": (
            "POST",
            f"{case}/appointments/{some}/reschedule",
            {"json": slot},
        ),
        "runsheet.read": ("GET", "/resources/van-1/run-sheet/2026-03-04", {}),
        "visit.record": (
            "POST",
            f"/appointments/{some}/outcome",
            {"json": {"outcome": "completed"}},
        ),
    }
    return calls[action]


@pytest.mark.parametrize("action", list(ACCESS))
async def test_each_row_of_the_table_admits_exactly_the_callers_it_names(
    action: str, http: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    booking: Booking = http.booking  # type: ignore[attr-defined]
    reference = (await known_case(booking, resident_id=RESIDENT)).reference
    scope = ACCESS[action].scope or READ_SCOPE
    method, path, arguments = _request(action, reference)
    outcomes: dict[str, tuple[bool, int]] = {}
    for name, caller in callers(issuer, str(RESIDENT), reference, scope=scope, roles=ROLES).items():
        response = await http.request(method, path, **arguments, headers=caller.headers)
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
    rule = document["paths"]["/cases/{reference}/holds"]["post"]["x-townhall-access"]
    assert rule["action"] == "hold.create" and rule["residents_min_loa"] == 1
    assert "tracking_token" in rule
