"""Identity's access table holds on its real routes: each row admits exactly the callers
it names, and identity's own checks (roles, one's own record) narrow it further."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

from townhall.identity.config import IdentitySettings
from townhall.identity.entrypoints.api.access_table import ACCESS, OFFICER_ROLES
from townhall.identity.testing import Harness
from townhall.runtime.auth import JWKSVerifier
from townhall.runtime.testkit.access import (
    REFUSED,
    Caller,
    allowed,
    callers,
    routes_by_action,
    unguarded_routes,
)
from townhall.runtime.testkit.tokens import AUDIENCE, ISSUER, TestIssuer

RESIDENT = "0f0c5cc6-0000-4000-8000-000000000001"
SOMEONE_ELSE = "0f0c5cc6-0000-4000-8000-000000000002"
OFFICER = "0f0c5cc6-0000-4000-8000-0000000000aa"
REFERENCE = "PC-2026-000001"
PATH_VALUES = {
    "resident_id": RESIDENT,
    "officer_id": OFFICER,
    "review_id": str(uuid.uuid4()),
    "decision": "accept",
    "system": "waste",
    "domain": "waste",
}


class _Issuer(TestIssuer):
    """The test kit's tokens, with officers named as identity names them (a UUID)."""

    def token(self, subject: str, kind: str, **claims: Any) -> str:
        return super().token(OFFICER if kind == "officer" else subject, kind, **claims)


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """The table does not depend on the database: SQLite only."""
    return f"sqlite+aiosqlite:///{tmp_path / 'identity.db'}"


@pytest.fixture
def identity_settings(identity_settings: IdentitySettings) -> IdentitySettings:
    return identity_settings.model_copy(update={"environment": "development"})


@pytest.fixture
def issuer(identity: Harness, tmp_path: Path) -> TestIssuer:
    """Identity trusts the test kit's issuer, so every kind of caller can be made."""
    issuer = _Issuer(tmp_path)
    identity.app.state.verifier = JWKSVerifier(issuer.jwks_url, issuer=ISSUER, audience=AUDIENCE)
    return issuer


async def _call(identity: Harness, method: str, path: str, caller: Caller) -> int:
    url = path.format(**PATH_VALUES)
    body = {} if method in ("POST", "PUT") else None
    response = await identity.http.request(method, url, json=body, headers=caller.headers)
    return response.status_code


def test_every_route_names_an_action_and_every_action_has_a_route(identity: Harness) -> None:
    assert unguarded_routes(identity.app) == []
    assert set(routes_by_action(identity.app)) == set(ACCESS)


async def test_every_row_of_the_table_admits_exactly_the_callers_it_names(
    identity: Harness, issuer: TestIssuer
) -> None:
    wrong: list[str] = []
    for action, routes in routes_by_action(identity.app).items():
        scope = ACCESS[action].scope or "unrelated:scope"
        # The officer is an administrator: they hold every role identity checks.
        found = callers(issuer, RESIDENT, REFERENCE, scope=scope, roles=(("admin", "special"),))
        for (method, path), caller in ((r, c) for r in routes for c in found.values()):
            promised = allowed(ACCESS, action, caller, REFERENCE)
            status = await _call(identity, method, path, caller)
            expected_refusal = 401 if caller.token is None else 403
            if promised == (status in REFUSED) or (not promised and status != expected_refusal):
                wrong.append(f"{action} {method} {path} {caller.name}: {status}")
    assert wrong == []


async def test_a_tracking_token_opens_no_part_of_the_record(
    identity: Harness, issuer: TestIssuer
) -> None:
    tracking = callers(issuer, RESIDENT, REFERENCE, scope="")["tracking this request"]
    # naming a reported request: only a code to report's token (test_identity_reported_request)
    residents_may = [
        action
        for action, rule in ACCESS.items()
        if rule.residents is not None and action != "auth.name_request"
    ]
    statuses = {
        (action, method, path): await _call(identity, method, path, tracking)
        for action in residents_may
        for method, path in routes_by_action(identity.app)[action]
    }
    assert residents_may and set(statuses.values()) == {403}


async def test_an_officer_needs_the_role_each_action_names(
    identity: Harness, issuer: TestIssuer
) -> None:
    waste = callers(issuer, RESIDENT, REFERENCE, scope="", roles=(("waste", "special"),))
    officer = waste["officer"]
    statuses = {
        action: await _call(identity, method, path, officer)
        for action in OFFICER_ROLES
        for method, path in routes_by_action(identity.app)[action]
    }
    assert set(statuses.values()) == {403}


async def test_a_resident_acts_only_on_their_own_record(
    identity: Harness, issuer: TestIssuer
) -> None:
    verified = callers(issuer, SOMEONE_ELSE, REFERENCE, scope="")["resident at level 3"]
    on_a_record = [
        (action, method, path)
        for action, rule in ACCESS.items()
        if rule.residents is not None
        for method, path in routes_by_action(identity.app)[action]
        if "{resident_id}" in path
    ]
    statuses = {route: await _call(identity, *route[1:], verified) for route in on_a_record}
    assert on_a_record and set(statuses.values()) == {403}


def test_the_openapi_document_shows_each_operations_rule(identity: Harness) -> None:
    document = identity.app.openapi()
    rules = {
        (method.upper(), path): operation["x-townhall-access"]["action"]
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
    }
    assert set(rules.values()) == set(ACCESS)
    assert rules[("GET", "/residents/{resident_id}")] == "resident.read"
