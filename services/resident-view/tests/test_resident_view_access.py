"""resident-view's access table, row by row, through the real routes.

For each action, every kind of caller (anonymous, a resident at each level, a tracking
token for this request and for another, an officer, service clients) gets past the
table exactly when the table says so; every route names an action.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from townhall.resident_view.config import ResidentViewSettings
from townhall.resident_view.entrypoints.api.app import create
from townhall.resident_view.entrypoints.api.dependencies import services_of
from townhall.resident_view.reads import access_table as actions
from townhall.resident_view.reads.access_table import ACCESS
from townhall.resident_view.testing import Spec, envelope, write
from townhall.runtime.settings import KafkaSettings
from townhall.runtime.testkit.access import (
    REFUSED,
    Caller,
    allowed,
    callers,
    routes_by_action,
    unguarded_routes,
)
from townhall.runtime.testkit.tokens import TestIssuer
from townhall.schemas.envelope import Sensitivity

REFERENCE = "WB-2026-000042"
ROLES = (("admin", "special"), ("waste", "special"))


@dataclass
class Table:
    http: httpx.AsyncClient
    issuer: TestIssuer
    resident: str
    personal: str
    sensitive: str

    async def get(self, caller: Caller, path: str, **params: str) -> httpx.Response:
        params = {"purpose": "checking the access table", **params}
        return await self.http.get(path, params=params, headers=caller.headers)


@pytest.fixture
async def table(
    database_url: str, kafka_settings: KafkaSettings, tmp_path: Path
) -> AsyncIterator[Table]:
    issuer = TestIssuer(tmp_path)
    app = create(
        ResidentViewSettings(
            database_url=database_url, kafka=kafka_settings, auth_jwks_url=issuer.jwks_url
        )
    )
    resident = str(uuid.uuid4())
    personal = envelope(resident, Spec("waste", Sensitivity.PERSONAL), 1, case_reference=REFERENCE)
    sensitive = envelope(resident, Spec("waste", Sensitivity.SENSITIVE), 2)
    async with app.router.lifespan_context(app):
        services = services_of(app)
        async with services.runtime.sessions.begin() as session:
            await write(session, [personal, sensitive], services.live.generation.number)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://rv") as http:
            yield Table(http, issuer, resident, personal.id, sensitive.id)


Attempt = Callable[[Table, Caller], Awaitable[bool]]


def _passes(path: str, **params: str) -> Attempt:
    async def attempt(table: Table, caller: Caller) -> bool:
        response = await table.get(
            caller, path.format(r=table.resident, e=table.personal), **params
        )
        assert response.status_code < 500, response.text
        return response.status_code not in REFUSED

    return attempt


async def _sees_sensitive_history(table: Table, caller: Caller) -> bool:
    """``timeline.sensitive`` is the policy's row: the sensitive entry is in the page."""
    response = await table.get(caller, f"/residents/{table.resident}/timeline")
    shown = response.json()["entries"] if response.status_code == 200 else []
    return table.sensitive in {entry["event_id"] for entry in shown}


ATTEMPTS: dict[str, Attempt] = {
    actions.TIMELINE: _passes("/residents/{r}/timeline"),
    actions.ENTRY: _passes("/residents/{r}/timeline/{e}"),
    actions.SENSITIVE: _sees_sensitive_history,
    actions.SEARCH: _passes("/residents/search", name="Ada Lovelace"),
    actions.TRACKING: _passes(f"/tracking/{REFERENCE}"),
    actions.ACCESS_LOG: _passes("/residents/{r}/access-log"),
    actions.AUDIT: _passes("/audit"),
    actions.LOOKUPS: _passes("/audit/lookups"),
}


def test_every_action_is_tried_and_every_route_names_one() -> None:
    app = create(ResidentViewSettings(auth_jwks_url="file:///nowhere"))

    assert set(ATTEMPTS) == set(ACCESS)
    assert unguarded_routes(app) == []
    assert set(routes_by_action(app)) == set(ACCESS) - {actions.SENSITIVE}, "all but the policy's"


@pytest.mark.parametrize("action", list(ACCESS))
async def test_each_row_of_the_table_admits_exactly_the_callers_it_names(
    action: str, table: Table
) -> None:
    outcomes = {}
    for name, caller in callers(
        table.issuer, table.resident, REFERENCE, scope="resident-view:none", roles=ROLES
    ).items():
        admitted = await ATTEMPTS[action](table, caller)
        outcomes[name] = (allowed(ACCESS, action, caller, REFERENCE), admitted)

    wrong = {name: o for name, o in outcomes.items() if o[0] != o[1]}
    assert not wrong, f"{action}: (promised, admitted) {wrong}"


async def test_a_tracking_token_follows_its_request_and_reads_nothing_else(table: Table) -> None:
    code = callers(table.issuer, table.resident, REFERENCE, scope="none")["tracking this request"]

    followed = await table.get(code, f"/tracking/{REFERENCE}")
    history = await table.get(code, f"/residents/{table.resident}/timeline")
    log = await table.get(code, f"/residents/{table.resident}/access-log")

    assert followed.status_code == 200
    assert [step["event_id"] for step in followed.json()["steps"]] == [table.personal]
    assert (history.status_code, log.status_code) == (403, 403)
    assert history.json()["required_loa"] == 1


async def test_an_account_is_told_what_it_needs_to_see_its_sensitive_history(
    table: Table,
) -> None:
    found = callers(table.issuer, table.resident, REFERENCE, scope="none")
    account, verified = found["resident at level 1"], found["resident at level 2"]

    partial = (await table.get(account, f"/residents/{table.resident}/timeline")).json()
    whole = (await table.get(verified, f"/residents/{table.resident}/timeline")).json()

    assert [e["event_id"] for e in partial["entries"]] == [table.personal]
    assert partial["withheld_until_verified"] is True
    assert [e["event_id"] for e in whole["entries"]] == [table.sensitive, table.personal]
    assert whole["withheld_until_verified"] is False


async def test_the_tables_refusals_are_audited_like_the_policys(table: Table) -> None:
    found = callers(table.issuer, table.resident, REFERENCE, scope="none", roles=ROLES)
    await table.get(found["tracking another request"], f"/residents/{table.resident}/timeline")
    await table.get(found["service without it"], f"/tracking/{REFERENCE}")
    await table.get(found["resident at level 1"], "/residents/search", name="Ada Lovelace")

    log = await table.get(found["resident at level 1"], f"/residents/{table.resident}/access-log")
    lookups = await table.get(found["officer"], "/audit/lookups")

    assert [(a["viewer_kind"], a["outcome"]) for a in log.json()] == [
        ("service", "denied"),
        ("resident", "denied"),
    ]
    assert [(a["action"], a["outcome"], a["query"]) for a in lookups.json()] == [
        ("search", "denied", "name"),
        ("tracking", "denied", REFERENCE),
    ]
