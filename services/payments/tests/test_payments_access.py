"""Every row of the access table holds through the real routes, no route lacks one,
and the OpenAPI document lists what each route answers."""

from __future__ import annotations

import httpx
import pytest

from townhall.payments.entrypoints.api.access_table import ACCESS
from townhall.payments.testing import REFERENCE, RESIDENT
from townhall.runtime.testkit.access import (
    REFUSED,
    allowed,
    callers,
    routes_by_action,
    unguarded_routes,
)
from townhall.runtime.testkit.tokens import TestIssuer

PAYMENT = "00000000-0000-4000-8000-00000000abcd"
CALLS: dict[str, tuple[str, str, dict[str, object] | None]] = {
    "payment.create": (
        "POST",
        f"/cases/{REFERENCE}/payments",
        {"return_url": "https://x.example/"},
    ),
    "payment.list": ("GET", f"/cases/{REFERENCE}/payments", None),
    "payment.list_mine": ("GET", "/residents/me/payments", None),
    "payment.read": ("GET", f"/payments/{PAYMENT}", None),
    "case_payment.read": ("GET", f"/cases/{REFERENCE}/payments/{PAYMENT}", None),
    "payment.refund": (
        "POST",
        f"/payments/{PAYMENT}/refunds",
        {"amount": 1, "refund_amount_available": 1},
    ),
    "reconciliation.read": ("GET", "/reconciliation/2026-01-05", None),
    "webhook.govuk_pay": ("POST", "/webhooks/govuk-pay", {}),
    "sandbox.card": ("GET", "/sandbox/card/unknown", None),
}


def test_every_action_is_called_by_some_route_and_every_route_names_one(
    http: httpx.AsyncClient,
) -> None:
    app = http.app  # type: ignore[attr-defined]
    assert set(routes_by_action(app)) == set(ACCESS) == set(CALLS)
    assert unguarded_routes(app) == []


@pytest.mark.parametrize("action", list(ACCESS))
async def test_each_rule_of_the_table_holds(
    http: httpx.AsyncClient, issuer: TestIssuer, action: str
) -> None:
    method, path, body = CALLS[action]
    scope = ACCESS[action].scope or "none"
    roles = (("environmental_health", "officer"), ("finance", "officer"))
    for caller in callers(issuer, str(RESIDENT), REFERENCE, scope=scope, roles=roles).values():
        headers = {**caller.headers, "Idempotency-Key": f"key-{caller.name}"}
        answer = await http.request(method, path, json=body, headers=headers)
        got_past = answer.status_code not in REFUSED or (
            action == "webhook.govuk_pay"
            and answer.json().get("detail", "").startswith("Pay-Signature")
        )
        assert got_past == allowed(ACCESS, action, caller, REFERENCE), (caller.name, answer.text)


async def test_the_openapi_document_shows_each_routes_rule_and_problems(
    http: httpx.AsyncClient,
) -> None:
    document = (await http.get("/openapi.json")).json()
    create = document["paths"]["/cases/{reference}/payments"]["post"]
    assert create["x-townhall-access"]["action"] == "payment.create"
    assert {"401", "403", "404", "409", "422", "502"} <= set(create["responses"])
    refund = document["paths"]["/payments/{payment_id}/refunds"]["post"]
    assert "412" in refund["responses"]
    assert not any(p.startswith("/sandbox") for p in document["paths"])
