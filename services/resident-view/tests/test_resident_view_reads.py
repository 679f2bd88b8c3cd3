"""Reading the timeline: filters, pages, single entries and the access audit."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.exc import DBAPIError

from townhall.resident_view.config import ResidentViewSettings
from townhall.resident_view.entrypoints.api.app import create
from townhall.resident_view.entrypoints.api.dependencies import services_of
from townhall.resident_view.testing import Spec, access_audit, consent, envelope, write
from townhall.runtime.service import ServiceRuntime
from townhall.runtime.settings import KafkaSettings
from townhall.runtime.testkit.tokens import TestIssuer
from townhall.schemas.envelope import Envelope, Sensitivity

WASTE = Spec("waste", Sensitivity.PERSONAL)
PESTS = Spec("pest_control", Sensitivity.PERSONAL)


@dataclass
class Reader:
    client: httpx.AsyncClient
    runtime: ServiceRuntime
    issuer: TestIssuer
    resident: str

    async def get(self, path: str, token: str, **params: object) -> httpx.Response:
        return await self.client.get(
            path.format(r=self.resident),
            params=params,
            headers={"Authorization": f"Bearer {token}"},
        )

    def officer(self) -> str:
        return self.issuer.officer(("waste", "personal"), ("pest_control", "personal"))

    async def seed(self, envelopes: list[Envelope]) -> None:
        async with self.runtime.sessions.begin() as session:
            await write(session, envelopes)


@pytest.fixture
async def reader(
    database_url: str, kafka_settings: KafkaSettings, tmp_path: Path
) -> AsyncIterator[Reader]:
    issuer = TestIssuer(tmp_path)
    app = create(
        ResidentViewSettings(
            database_url=database_url, kafka=kafka_settings, auth_jwks_url=issuer.jwks_url
        )
    )
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://rv") as client:
            yield Reader(client, services_of(app).runtime, issuer, str(uuid.uuid4()))


async def test_pages_walk_the_whole_timeline_newest_first_without_repeats(reader: Reader) -> None:
    events = [envelope(reader.resident, WASTE if n % 2 else PESTS, n) for n in range(25)]
    await reader.seed(events)
    seen: list[str] = []
    cursor = None
    while True:
        params = {"purpose": "paging", "limit": 10, **({"cursor": cursor} if cursor else {})}
        page = (await reader.get("/residents/{r}/timeline", reader.officer(), **params)).json()
        seen += [e["event_id"] for e in page["entries"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [e.id for e in reversed(events)]


async def test_filters_narrow_the_timeline(reader: Reader) -> None:
    events = [
        envelope(reader.resident, WASTE, 0, case_reference="MB-2026-000001"),
        envelope(reader.resident, PESTS, 1, event_type="townhall.cases.case.opened.v1"),
        envelope(reader.resident, PESTS, 2, case_reference="PC-2026-000007"),
    ]
    by_phone = envelope(reader.resident, WASTE, 3)
    events.append(by_phone.model_copy(update={"data": {**by_phone.data, "channel": "phone"}}))
    await reader.seed(events)
    officer = reader.officer()

    async def ids(**params: object) -> list[str]:
        response = await reader.get("/residents/{r}/timeline", officer, purpose="filters", **params)
        assert response.status_code == 200, response.text
        return [e["event_id"] for e in response.json()["entries"]]

    assert await ids(domain="waste") == [events[3].id, events[0].id]
    assert await ids(type="townhall.cases.case.opened.v1") == [events[1].id]
    assert await ids(case="PC-2026-000007") == [events[2].id]
    assert await ids(since=events[1].time.isoformat(), until=events[2].time.isoformat()) == [
        events[1].id
    ]
    assert await ids(q="case OPENED") == [events[1].id]
    assert await ids(q="nothing like it") == []
    assert await ids(channel="phone") == [events[3].id]
    assert await ids(channel=["letter", "email"]) == []


@pytest.mark.parametrize(
    "params",
    [
        {"cursor": "not-a-cursor"},
        {"since": "yesterday"},
        {"since": "2026-11-01T10:00:00"},
        {"since": "2026-11-02T00:00:00Z", "until": "2026-11-01T00:00:00Z"},
        {"limit": 0},
        {"limit": 1000},
        {"q": "x"},
        {"purpose": ""},
    ],
)
async def test_bad_filters_get_a_problem(reader: Reader, params: dict[str, object]) -> None:
    response = await reader.get(
        "/residents/{r}/timeline", reader.officer(), **{"purpose": "testing", **params}
    )
    assert 400 <= response.status_code < 500, response.text
    assert response.headers["Content-Type"] == "application/problem+json"


async def test_one_entry_is_shown_only_where_the_policy_allows(reader: Reader) -> None:
    secret = envelope(reader.resident, Spec("social_care", Sensitivity.SPECIAL), 1)
    await reader.seed([secret])
    path = f"/residents/{{r}}/timeline/{secret.id}"
    allowed = await reader.get(
        path, reader.issuer.officer(("social_care", "special")), purpose="x-1"
    )
    hidden = await reader.get(path, reader.officer(), purpose="duty call")
    assert allowed.status_code == 200 and allowed.json()["view"] == "detail"
    assert hidden.status_code == 404, "existence itself is not disclosed"


async def test_an_administrator_without_a_domain_role_sees_nothing_even_with_consent(
    reader: Reader,
) -> None:
    await reader.seed([envelope(reader.resident, WASTE, 1), envelope(reader.resident, PESTS, 2)])
    async with reader.runtime.sessions.begin() as session:
        await consent(session, reader.resident, ["*"])
    admin = reader.issuer.officer(("admin", "special"))
    also_waste = reader.issuer.officer(("admin", "special"), ("waste", "public"))

    refused = await reader.get("/residents/{r}/timeline", admin, purpose="audit check")
    shown = await reader.get("/residents/{r}/timeline", also_waste, purpose="audit check")

    assert refused.status_code == 403, "the admin role is no domain role"
    assert shown.status_code == 200
    assert [e["view"] for e in shown.json()["entries"]] == [], "only up to its domain clearance"


async def test_every_read_is_audited_and_the_resident_sees_who_looked(reader: Reader) -> None:
    events = [envelope(reader.resident, WASTE, n) for n in range(3)]
    await reader.seed(events)
    officer = reader.issuer.token(
        "officer-7", "officer", roles=[{"domain": "waste", "clearance": "personal"}]
    )
    stranger_id = str(uuid.uuid4())
    stranger = reader.issuer.resident(stranger_id)
    await reader.get("/residents/{r}/timeline", officer, purpose="missed bin call", limit=2)
    refused = await reader.get("/residents/{r}/timeline", stranger)
    assert refused.status_code == 403

    log = await reader.get("/residents/{r}/access-log", reader.issuer.resident(reader.resident))
    assert log.status_code == 200
    trail = log.json()  # newest first
    assert [(a["viewer"], a["outcome"]) for a in trail] == [
        (stranger_id, "denied"),
        ("officer-7", "shown"),
    ]
    assert trail[1]["purpose"] == "missed bin call"
    assert trail[1]["entry_ids"] == [events[2].id, events[1].id]

    admin = reader.issuer.officer(("admin", "special"))
    queried = await reader.get("/audit", admin, resident_id=reader.resident)
    assert {a["outcome"] for a in queried.json()} == {"shown", "denied"}
    assert (await reader.get("/audit", reader.officer())).status_code == 403


async def test_administrators_narrow_the_audits_by_time_purpose_and_page(reader: Reader) -> None:
    for purpose in ("missed bin call", "complaint", "Missed bin visit"):
        await reader.get("/residents/{r}/timeline", reader.officer(), purpose=purpose)
    admin = reader.issuer.officer(("admin", "special"))
    bins = await reader.get("/audit", admin, resident_id=reader.resident, purpose="missed BIN")
    first = await reader.get("/audit", admin, resident_id=reader.resident, limit=2)
    second = await reader.get("/audit", admin, resident_id=reader.resident, limit=2, offset=2)
    later = await reader.get("/audit", admin, since="2100-01-01T00:00:00Z")
    wrong = await reader.get(
        "/audit", admin, since="2026-02-01T00:00:00Z", until="2026-01-01T00:00:00Z"
    )
    lookups = await reader.get("/audit/lookups", admin, resident_id=reader.resident)
    assert [a["purpose"] for a in bins.json()] == ["Missed bin visit", "missed bin call"]
    assert [a["purpose"] for a in first.json() + second.json()] == [
        "Missed bin visit",
        "complaint",
        "missed bin call",
    ]
    assert later.status_code == 200 and later.json() == []
    assert wrong.status_code == 422, wrong.text
    assert lookups.status_code == 200 and lookups.json() == []


async def test_an_officer_is_told_how_many_entries_they_may_not_see_but_not_special_ones(
    reader: Reader,
) -> None:
    housing = Spec("housing", Sensitivity.PERSONAL)
    social = Spec("social_care", Sensitivity.SPECIAL)
    await reader.seed(
        [
            envelope(reader.resident, WASTE, 1),
            envelope(reader.resident, housing, 2),
            envelope(reader.resident, housing, 3),
            envelope(reader.resident, social, 4),
        ]
    )
    officer = await reader.get("/residents/{r}/timeline", reader.officer(), purpose="count")
    own = await reader.get("/residents/{r}/timeline", reader.issuer.resident(reader.resident))
    assert officer.json()["not_shown"] == 2, "housing's two; social care's is not disclosed"
    assert own.json()["not_shown"] is None, "a resident is told of withheld entries instead"


async def test_the_access_audit_cannot_be_changed_or_deleted(reader: Reader) -> None:
    await reader.get("/residents/{r}/timeline", reader.officer(), purpose="a look")
    for statement in (
        update(access_audit).values(purpose="nothing to see"),
        delete(access_audit),
    ):
        with pytest.raises(DBAPIError, match="append-only"):
            async with reader.runtime.sessions.begin() as session:
                await session.execute(statement)
    async with reader.runtime.sessions() as session:
        purposes = (await session.execute(select(access_audit.c.purpose))).scalars().all()
    assert purposes == ["a look"]


async def test_times_are_given_in_utc_with_their_offset(reader: Reader) -> None:
    await reader.seed([envelope(reader.resident, WASTE, 1)])
    page = await reader.get("/residents/{r}/timeline", reader.officer(), purpose="a look")
    assert page.json()["entries"][0]["time"] == "2026-11-01T09:01:00Z"
    log = await reader.get("/residents/{r}/access-log", reader.issuer.resident(reader.resident))
    assert log.json()[0]["at"].endswith("Z")
