"""The HTTP API: residents' preferences (with the access table), Notify's delivery
receipts (its bearer token), the development mailbox; each bad input a clear 4xx."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from townhall.notifications.adapters.orm import contacts, mailbox, notifications, preferences
from townhall.notifications.domain.commands import DispatchDue
from townhall.notifications.entrypoints.api.access_table import ACCESS
from townhall.notifications.entrypoints.consumer import Decisions
from townhall.notifications.testing import (
    CALLBACK_TOKEN,
    case_submitted,
    code_issued,
    contact_points,
    erased,
    services_of,
)
from townhall.runtime.outbox import EventContext
from townhall.runtime.tables import outbox
from townhall.runtime.testkit.access import (
    REFUSED,
    allowed,
    callers,
    routes_by_action,
    unguarded_routes,
)
from townhall.runtime.testkit.data_keys import FakeDataKeys
from townhall.runtime.testkit.tokens import TestIssuer
from townhall.schemas.envelope import Envelope

RESIDENT = str(uuid.uuid4())
ROLES = (("contact_centre", "personal"),)
NOTIFY = {"Authorization": f"Bearer {CALLBACK_TOKEN}"}


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _consume(http: httpx.AsyncClient, *envelopes: Envelope) -> None:
    services = services_of(http)
    decisions = Decisions(services.bus, services.rulebook)
    for envelope in envelopes:
        command = decisions.to_command(envelope)
        assert command is not None
        await services.bus.handle(command, EventContext("test", envelope.id))
    await services.bus.handle(DispatchDue(), EventContext("test"))


async def _published(http: httpx.AsyncClient) -> list[Envelope]:
    async with services_of(http).runtime.sessions() as session:
        query = select(outbox.c.envelope).order_by(outbox.c.sequence)
        rows = (await session.execute(query)).scalars().all()
    return [Envelope.model_validate_json(row) for row in rows]


def _request(action: str) -> tuple[str, str, dict[str, Any]]:
    path = f"/residents/{RESIDENT}/preferences"
    calls: dict[str, tuple[str, str, dict[str, Any]]] = {
        "preferences.read": ("GET", path, {}),
        "preferences.change": ("PUT", path, {"json": {"channels": ["sms"]}}),
        "dev.mailbox": ("GET", "/dev/mailbox", {}),
    }
    return calls[action]


@pytest.mark.parametrize("action", list(ACCESS))
async def test_each_row_of_the_table_admits_exactly_the_callers_it_names(
    action: str, http: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    method, path, arguments = _request(action)
    wrong = {}
    for name, caller in callers(
        issuer, RESIDENT, "PC-2026-000001", scope="none", roles=ROLES
    ).items():
        response = await http.request(method, path, **arguments, headers=caller.headers)
        assert response.status_code < 500, response.text
        promised = allowed(ACCESS, action, caller, "PC-2026-000001")
        if promised == (response.status_code in REFUSED):
            wrong[name] = (promised, response.status_code)
    assert not wrong, f"{action}: (promised, answered) {wrong}"


def test_every_route_names_an_action_but_notifys_callback(http: httpx.AsyncClient) -> None:
    app = http.app  # type: ignore[attr-defined]
    assert unguarded_routes(app) == [("POST", "/notify/receipts")]
    assert set(routes_by_action(app)) == set(ACCESS)


async def test_a_resident_sets_and_reads_their_own_preferences(
    http: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    me = _bearer(issuer.resident(RESIDENT))
    body = {"channels": ["sms", "email"], "language": "cy", "non_essential": False}
    put = await http.put(f"/residents/{RESIDENT}/preferences", json=body, headers=me)
    assert put.status_code == 200, put.text
    got = await http.get(f"/residents/{RESIDENT}/preferences", headers=me)
    assert got.json() == {"resident_id": RESIDENT, **body}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"channels": ["pigeon"]}, "channels"),
        ({"channels": ["sms", "sms"]}, None),
        ({"language": "fr"}, "language"),
        ({"channels": ["sms"], "colour": "blue"}, "colour"),
    ],
)
async def test_bad_preferences_are_a_422_and_change_nothing(
    http: httpx.AsyncClient, issuer: TestIssuer, body: dict[str, Any], field: str | None
) -> None:
    me = _bearer(issuer.resident(RESIDENT))
    answer = await http.put(f"/residents/{RESIDENT}/preferences", json=body, headers=me)
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    if field:
        assert field in answer.text
    got = await http.get(f"/residents/{RESIDENT}/preferences", headers=me)
    assert got.json()["channels"] == []


async def test_another_residents_preferences_are_refused(
    http: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    other = _bearer(issuer.resident(str(uuid.uuid4())))
    answer = await http.get(f"/residents/{RESIDENT}/preferences", headers=other)
    assert answer.status_code == 403


async def test_a_delivery_receipt_becomes_an_event_on_the_timeline(
    http: httpx.AsyncClient, keys: FakeDataKeys
) -> None:
    resident = uuid.uuid4()
    await _consume(
        http, contact_points(keys, resident, phone="+447700900123"), case_submitted(resident)
    )
    [message] = (await http.get("/dev/mailbox/messages")).json()["messages"]
    receipt = {
        "id": str(uuid.uuid4()),
        "reference": message["reference"],
        "status": "delivered",
        "to": "+447700900123",
        "notification_type": "sms",
        "created_at": "2026-01-05T10:00:00Z",
    }
    assert (await http.post("/notify/receipts", json=receipt, headers=NOTIFY)).status_code == 204
    assert (await http.post("/notify/receipts", json=receipt, headers=NOTIFY)).status_code == 204
    failed = {**receipt, "status": "permanent-failure"}
    assert (await http.post("/notify/receipts", json=failed, headers=NOTIFY)).status_code == 204
    types = [envelope.type.rsplit(".", 2)[-2] for envelope in await _published(http)]
    assert types == ["sent", "delivered"]  # a repeat and a late contradiction change nothing


async def test_a_failed_text_shows_its_channel_and_never_the_code(
    http: httpx.AsyncClient, keys: FakeDataKeys
) -> None:
    resident = uuid.uuid4()
    await _consume(http, code_issued(keys, resident, "sms", "+447700900123", "135790"))
    [message] = (await http.get("/dev/mailbox/messages")).json()["messages"]
    assert "135790" in message["body"]  # the resident gets it…
    receipt = {"id": "x", "reference": message["reference"], "status": "temporary-failure"}
    assert (await http.post("/notify/receipts", json=receipt, headers=NOTIFY)).status_code == 204
    published = await _published(http)
    assert "135790" not in str([e.model_dump() for e in published])  # …the timeline never
    assert "+447700900123" not in str([e.model_dump() for e in published])
    failed = published[-1]
    assert failed.type == "townhall.notifications.notification.failed.v1"
    assert (failed.data["channel"], failed.data["reason"]) == ("sms", "temporary-failure")
    assert (
        failed.data["summary"] == "Text message about request PC-2026-000123 could not be delivered"
    )
    assert failed.residentid == str(resident)


@pytest.mark.parametrize(
    ("headers", "status"),
    [({}, 401), ({"Authorization": "Bearer wrong"}, 401), ({"Authorization": "Basic eDp5"}, 401)],
)
async def test_a_receipt_without_notifys_token_is_refused(
    http: httpx.AsyncClient, headers: dict[str, str], status: int
) -> None:
    receipt = {"id": "x", "reference": str(uuid.uuid4()), "status": "delivered"}
    assert (
        await http.post("/notify/receipts", json=receipt, headers=headers)
    ).status_code == status


@pytest.mark.parametrize(
    ("receipt", "status"),
    [
        ({"id": "x", "reference": str(uuid.uuid4()), "status": "delivered"}, 404),
        ({"id": "x", "reference": "not-ours", "status": "delivered"}, 404),
        ({"id": "x", "reference": str(uuid.uuid4()), "status": "lost-in-the-post"}, 422),
        ({"id": "x", "status": "delivered"}, 422),
    ],
)
async def test_a_receipt_about_nothing_we_sent_is_a_4xx(
    http: httpx.AsyncClient, receipt: dict[str, Any], status: int
) -> None:
    answer = await http.post("/notify/receipts", json=receipt, headers=NOTIFY)
    assert answer.status_code == status, answer.text
    assert await _published(http) == []


async def test_the_mailbox_page_shows_each_message_as_the_resident_gets_it(
    http: httpx.AsyncClient, keys: FakeDataKeys
) -> None:
    resident = uuid.uuid4()
    await _consume(
        http, contact_points(keys, resident, email="ada@example.test"), case_submitted(resident)
    )
    page = await http.get("/dev/mailbox")
    assert page.status_code == 200
    assert "We have received your request PC-2026-000123" in page.text
    assert "ada@example.test" in page.text


async def test_erasure_leaves_nothing_readable_about_the_resident(
    http: httpx.AsyncClient, keys: FakeDataKeys, issuer: TestIssuer
) -> None:
    resident = uuid.uuid4()
    me = _bearer(issuer.resident(str(resident)))
    put = await http.put(f"/residents/{resident}/preferences", json={"language": "cy"}, headers=me)
    assert put.status_code == 200
    await _consume(http, contact_points(keys, resident, email="gone@example.test"))
    await _consume(http, case_submitted(resident, "PC-2026-000001"))
    assert len((await http.get("/dev/mailbox/messages")).json()["messages"]) == 1
    services = services_of(http)
    waiting = Decisions(services.bus, services.rulebook).to_command(
        case_submitted(resident, "PC-2026-000002")
    )
    await services.bus.handle(waiting, EventContext("test"))  # recorded, not yet sent
    await _consume(http, erased(resident))
    async with services.runtime.sessions() as session:
        for table in (contacts, preferences, mailbox):
            assert (await session.execute(select(table))).all() == []
        sealed = (await session.execute(select(notifications.c.sealed))).scalars().all()
    assert sealed == [None, None]
