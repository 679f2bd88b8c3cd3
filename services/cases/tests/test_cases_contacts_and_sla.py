"""Contacts and failure demand; SLA breaches emitted once."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from townhall.cases.bootstrap import bootstrap
from townhall.cases.entrypoints.api.dependencies import services_of
from townhall.cases.service_layer.unit_of_work import UnitOfWork
from townhall.cases.testing import MISSED_BIN, bearer, counts, envelopes
from townhall.runtime.clock import ManualClock
from townhall.runtime.testkit.tokens import TestIssuer


async def _case_for(client: httpx.AsyncClient, issuer: TestIssuer, resident_id: str) -> str:
    me = bearer(issuer.resident(resident_id))
    created = await client.post("/cases", json={**MISSED_BIN, "reporter": {}}, headers=me)
    return str(created.json()["reference"])


def _contact(resident_id: str, reason: str, reference: str | None) -> dict[str, object]:
    return {
        "resident_id": resident_id,
        "case_reference": reference,
        "channel": "phone",
        "reason": reason,
        "outcome": "no_action",
        "duration_seconds": 240,
    }


async def test_chasing_an_open_case_is_failure_demand(
    client: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    officer = bearer(issuer.officer(("waste", "personal")))
    resident_id = str(uuid.uuid4())
    reference = await _case_for(client, issuer, resident_id)
    for reason in ("progress_chase", "information"):
        body = _contact(resident_id, reason, reference)
        assert (await client.post("/contacts", json=body, headers=officer)).status_code == 201
    logged = [e for e in await envelopes(client) if e.type.endswith("contact.logged.v1")]
    assert [e.data["failure_demand"] for e in logged] == [True, False]
    assert logged[0].domain == "waste" and logged[0].residentid == resident_id


async def test_chasing_a_finished_case_is_not_failure_demand(
    client: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    officer = bearer(issuer.officer(("waste", "personal")))
    resident_id = str(uuid.uuid4())
    reference = await _case_for(client, issuer, resident_id)
    path = f"/cases/{reference}/transitions"
    await client.post(path, json={"to": "cancelled"}, headers=bearer(issuer.resident(resident_id)))
    body = _contact(resident_id, "progress_chase", reference)
    await client.post("/contacts", json=body, headers=officer)
    assert (await envelopes(client))[-1].data["failure_demand"] is False


async def test_a_contact_centre_officer_logs_a_contact_without_a_case(
    client: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    officer = bearer(issuer.officer(("contact_centre", "personal")))
    body = _contact(str(uuid.uuid4()), "information", None)
    assert (await client.post("/contacts", json=body, headers=officer)).status_code == 201
    assert (await envelopes(client))[-1].domain == "contact_centre"


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"channel": "pigeon"}, 422),
        ({"duration_seconds": -1}, 422),
        ({"resident_id": "not-a-uuid"}, 422),
        ({"case_reference": "MB-2026-999999"}, 404),
    ],
)
async def test_bad_contacts_are_refused_and_change_nothing(
    client: httpx.AsyncClient, issuer: TestIssuer, change: dict[str, object], status: int
) -> None:
    officer = bearer(issuer.officer(("waste", "personal")))
    body = {**_contact(str(uuid.uuid4()), "information", None), **change}
    assert (await client.post("/contacts", json=body, headers=officer)).status_code == status
    anonymous = await client.post("/contacts", json=_contact(str(uuid.uuid4()), "other", None))
    assert anonymous.status_code == 401
    assert set((await counts(client)).values()) == {0}


async def test_an_sla_breach_is_emitted_once(client: httpx.AsyncClient, issuer: TestIssuer) -> None:
    reference = await _case_for(client, issuer, str(uuid.uuid4()))
    await _case_for(client, issuer, str(uuid.uuid4()))
    running = services_of(client.app)  # type: ignore[attr-defined]
    outbox = running.runtime.outbox
    assert outbox is not None
    later = ManualClock(datetime.now(UTC) + timedelta(days=3))
    three_days_on = bootstrap(
        running.settings,
        catalogue=running.catalogue,
        uow=lambda: UnitOfWork(
            running.runtime.sessions,
            outbox,
            running.catalogue,
            data_keys=running.data_keys,
            clock=later,
        ),
        clock=later,
    )
    officer = bearer(issuer.officer(("waste", "personal")))
    await client.post(f"/cases/{reference}/transitions", json={"to": "rejected"}, headers=officer)
    await three_days_on.passes.check_once()
    await three_days_on.passes.check_once()
    breaches = [e for e in await envelopes(client) if e.type.endswith("sla_breached.v1")]
    assert len(breaches) == 1, "one open overdue case, one breach, however often we look"
    assert breaches[0].data["reference"] != reference, "a finished case never breaches"
