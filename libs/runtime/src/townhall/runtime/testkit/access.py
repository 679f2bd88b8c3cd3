"""Proving every row of a service's access table through its real routes.

:func:`callers` gives one token per kind of caller that matters to a rule (anonymous,
a resident at each level, a tracking token for this request and for another, an
officer, a service client with and without a scope); :func:`allowed` says what the
table promises for each. A service's test calls its route with each and asserts that
exactly the promised ones get past the table (anything but 401 and 403)::

    @pytest.mark.parametrize("action", ACCESS)
    async def test_each_rule_of_the_table_holds(action, ...):
        for name, caller in callers(issuer, resident_id, reference, scope="x").items():
            response = await call(action, caller)
            assert (response.status_code not in REFUSED) == allowed(ACCESS, action, caller)
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant

from townhall.runtime.access import AccessTable, action_of, operations
from townhall.runtime.auth import Principal, principal_from_claims
from townhall.runtime.testkit.tokens import TestIssuer

__all__ = ["REFUSED", "Caller", "allowed", "callers", "routes_by_action", "unguarded_routes"]

#: What a refusal by the table looks like.
REFUSED = frozenset({401, 403})


@dataclass(frozen=True)
class Caller:
    """One caller: its token (None: anonymous) and the principal it stands for."""

    name: str
    token: str | None
    principal: Principal | None

    @property
    def headers(self) -> dict[str, str]:
        return {} if self.token is None else {"Authorization": f"Bearer {self.token}"}


def callers(
    issuer: TestIssuer,
    resident_id: str,
    reference: str,
    *,
    scope: str,
    roles: tuple[tuple[str, str], ...] = (),
) -> dict[str, Caller]:
    """Every kind of caller a rule distinguishes, acting on ``reference`` of ``resident_id``."""
    claims: dict[str, dict[str, object]] = {
        "anonymous": {},
        "tracking this request": {
            "sub": resident_id,
            "kind": "resident",
            "loa": 0,
            "ref": reference,
        },
        "tracking another request": {
            "sub": resident_id,
            "kind": "resident",
            "loa": 0,
            "ref": f"{reference}-OTHER",
        },
        **{
            f"resident at level {loa}": {"sub": resident_id, "kind": "resident", "loa": loa}
            for loa in range(4)
        },
        "officer": {
            "sub": "officer-1",
            "kind": "officer",
            "loa": 2,
            "roles": [{"domain": d, "clearance": c} for d, c in roles],
        },
        "service with the scope": {"sub": "svc", "kind": "service", "scope": scope},
        "service without it": {"sub": "svc", "kind": "service", "scope": "unrelated:scope"},
    }
    found: dict[str, Caller] = {}
    for name, claim in claims.items():
        if not claim:
            found[name] = Caller(name, None, None)
            continue
        subject, kind = str(claim.pop("sub")), str(claim.pop("kind"))
        token = issuer.token(subject, kind, **claim)
        principal = principal_from_claims({"sub": subject, "kind": kind, **claim})
        found[name] = Caller(name, token, principal)
    return found


def allowed(table: AccessTable, action: str, caller: Caller, reference: str) -> bool:
    """Whether the table lets ``caller`` attempt ``action`` on ``reference``."""
    return table.refusal(caller.principal, action, reference=reference) is None


def _guards(dependant: Dependant) -> Iterator[tuple[AccessTable, str]]:
    pending = list(dependant.dependencies)
    while pending:
        dependant = pending.pop()
        if dependant.call is not None and (found := action_of(dependant.call)) is not None:
            yield found
        pending.extend(dependant.dependencies)


def routes_by_action(app: FastAPI) -> dict[str, list[tuple[str, str]]]:
    """Each action the app's routes enforce, with the (method, path) of each route."""
    found: dict[str, list[tuple[str, str]]] = {}
    for route in operations(app):
        for _table, action in _guards(route.dependant):
            for method in sorted(route.methods):
                found.setdefault(action, []).append((method, route.path))
    return found


def unguarded_routes(app: FastAPI) -> list[tuple[str, str]]:
    """Documented routes that name no action: each should, or be in a public allow-list."""
    return [
        (method, route.path)
        for route in operations(app)
        if route.documented and not any(_guards(route.dependant))
        for method in sorted(route.methods)
    ]
