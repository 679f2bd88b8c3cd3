"""The officers' work queue: the cases they may work, filtered, sorted, paged by cursor,
and counted per status, on SQLite and PostgreSQL.

Who sees what is decided in the query: pages stay full and counts stay right however
many cases around them the officer may not see.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from townhall.cases.bootstrap import Cases, bootstrap
from townhall.cases.domain import commands
from townhall.cases.entrypoints.api.app import create
from townhall.cases.testing import bearer, settings_for
from townhall.runtime.clock import ManualClock
from townhall.runtime.outbox import EventContext
from townhall.runtime.testkit.data_keys import FakeDataKeys
from townhall.runtime.testkit.tokens import TestIssuer

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
#: Raises requests of any type (assisted digital), as the contact centre does.
CONTACT_CENTRE = commands.Actor("officer-cc", "officer", {"contact_centre": ("personal",)})
WASTE_OFFICER = "officer-waste"
WASTE = commands.Actor(WASTE_OFFICER, "officer", {"waste": ("personal",)})
DETAILS: dict[str, dict[str, Any]] = {
    "missed_bin": {"bin_type": "food"},
    "bulky_waste": {"items": ["sofa"]},
    "pest_control": {"pest": "wasps"},
    "council_tax_spd": {"account_number": "12345678", "living_alone_since": "2025-04-01"},
    "noise_complaint": {"source": "alarm"},
}


@dataclass
class World:
    http: httpx.AsyncClient
    services: Cases
    clock: ManualClock
    issuer: TestIssuer

    async def raise_case(
        self, code: str, *, channel: str = "phone", description: str = "", later: int = 1
    ) -> str:
        """A request of type ``code``, raised ``later`` minutes after the one before."""
        self.clock.advance(timedelta(minutes=later))
        command = commands.SubmitCase(
            service_code=code,
            details=DETAILS[code],
            channel=channel,
            actor=CONTACT_CENTRE,
            resident_id=uuid.uuid4(),
            location=commands.Location(address="1 High Street"),
            description=description,
        )
        submitted = await self.services.bus.handle(command, EventContext(correlation_id="queue"))
        return str(submitted.reference)

    def waste_officer(self) -> dict[str, str]:
        roles = [{"domain": "waste", "clearance": "personal"}]
        return bearer(self.issuer.token(WASTE_OFFICER, "officer", roles=roles, loa=2))

    async def queue(self, headers: dict[str, str] | None = None, **params: Any) -> httpx.Response:
        return await self.http.get("/queue", params=params, headers=headers or self.waste_officer())

    async def references(self, **params: Any) -> list[str]:
        response = await self.queue(**params)
        assert response.status_code == 200, response.text
        return [item["reference"] for item in response.json()["items"]]

    async def every_page(self, cursor: str | None = None, **params: Any) -> list[list[str]]:
        """Each page's references, from the first (or from ``cursor``) to the last."""
        pages: list[list[str]] = []
        while True:
            extra = {} if cursor is None else {"cursor": cursor}
            response = await self.queue(**params, **extra)
            assert response.status_code == 200, response.text
            pages.append([item["reference"] for item in response.json()["items"]])
            cursor = response.json()["next_cursor"]
            if cursor is None:
                return pages


@pytest.fixture
async def world(database_url: str, issuer: TestIssuer) -> AsyncIterator[World]:
    clock = ManualClock(START)
    services = bootstrap(settings_for(database_url, issuer), data_keys=FakeDataKeys(), clock=clock)
    app = create(services=services)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://cases") as http:
            yield World(http, services, clock, issuer)


async def test_pages_stay_full_and_counts_leave_out_cases_the_officer_may_not_see(
    world: World,
) -> None:
    mine: list[str] = []
    for n in range(12):
        for code in ("pest_control", "council_tax_spd", "noise_complaint"):
            await world.raise_case(code, description="rats again")
        mine.append(await world.raise_case("missed_bin" if n % 2 else "bulky_waste"))

    pages = await world.every_page(limit=5)

    assert [len(page) for page in pages] == [5, 5, 2]
    assert [ref for page in pages for ref in page] == mine[::-1], "newest first"
    counts = (await world.http.get("/queue/counts", headers=world.waste_officer())).json()
    assert counts["total"] == 12, counts
    assert {s: n for s, n in counts["by_status"].items() if n} == {
        "submitted": 6,
        "awaiting_payment": 6,
    }, "bulky waste has a fee"
    assert counts["by_status"]["closed"] == 0
    assert await world.references(q="rats") == [], "words in cases they may not see"


async def test_an_officer_sees_a_type_only_with_clearance_at_least_its_sensitivity(
    world: World,
) -> None:
    spd = await world.raise_case("council_tax_spd")
    bin_ = await world.raise_case("missed_bin")
    personal = bearer(world.issuer.officer(("council_tax", "personal")))
    sensitive = bearer(world.issuer.officer(("council_tax", "sensitive")))
    special = bearer(world.issuer.officer(("council_tax", "special"), ("waste", "public")))

    listed = {}
    for name, headers in (("personal", personal), ("sensitive", sensitive), ("special", special)):
        listed[name] = [
            i["reference"] for i in (await world.queue(headers=headers)).json()["items"]
        ]
    assert listed == {"personal": [], "sensitive": [spd], "special": [bin_, spd]}, (
        "missed bins are public: a public clearance in waste sees them"
    )
    opened = await world.http.get(f"/cases/{spd}", headers=personal)
    assert opened.status_code == 404, "the queue shows what opening it allows"


async def test_an_officer_with_no_role_in_any_area_has_an_empty_queue(world: World) -> None:
    await world.raise_case("missed_bin")
    contact_centre = bearer(world.issuer.officer(("contact_centre", "special")))
    response = await world.queue(headers=contact_centre)
    assert response.json() == {"items": [], "next_cursor": None}
    counted = await world.http.get("/queue/counts", headers=contact_centre)
    assert counted.json()["total"] == 0


async def test_cases_submitted_while_paging_neither_repeat_nor_push_others_off(
    world: World,
) -> None:
    before = [await world.raise_case("missed_bin") for _ in range(10)]
    first = (await world.queue(limit=4)).json()
    for _ in range(5):
        await world.raise_case("missed_bin")
    rest = await world.every_page(limit=4, cursor=first["next_cursor"])

    seen = [item["reference"] for item in first["items"]] + [r for page in rest for r in page]
    assert seen == before[::-1]


async def test_cases_submitted_in_the_same_instant_are_each_listed_once(world: World) -> None:
    same = [await world.raise_case("missed_bin", later=0) for _ in range(7)]
    for sort in ("newest", "oldest", "due_soonest"):
        pages = await world.every_page(limit=3, sort=sort)
        listed = [ref for page in pages for ref in page]
        assert sorted(listed) == sorted(same) and len(listed) == 7, sort


async def test_the_queue_sorts_by_age_or_by_the_sla_falling_due(world: World) -> None:
    bulky = await world.raise_case("bulky_waste")
    missed = await world.raise_case("missed_bin")
    older_bulky = await world.raise_case("bulky_waste")
    catalogue = world.services.catalogue
    sla = {code: catalogue.get(code).sla for code in ("bulky_waste", "missed_bin")}  # type: ignore[union-attr]
    assert sla["bulky_waste"] != sla["missed_bin"], "the bundled types' SLAs differ"

    assert await world.references(sort="oldest") == [bulky, missed, older_bulky]
    assert await world.references(sort="newest") == [older_bulky, missed, bulky]
    due = (await world.queue(sort="due_soonest")).json()["items"]
    assert [i["due_at"] for i in due] == sorted(i["due_at"] for i in due)
    assert {i["reference"] for i in due} == {bulky, missed, older_bulky}


async def test_each_filter_narrows_the_queue_to_what_it_names(world: World) -> None:
    bin_phone = await world.raise_case("missed_bin", description="Green bin left full")
    bin_letter = await world.raise_case("missed_bin", channel="letter", later=60 * 24)
    bulky = await world.raise_case("bulky_waste", channel="email", description="100% sofa_bed")
    bus, context = world.services.bus, EventContext(correlation_id="queue")
    await bus.handle(commands.AssignCase(bin_phone, "Crew 3", WASTE_OFFICER, WASTE), context)
    await bus.handle(commands.AssignCase(bin_letter, "Crew 3", None, WASTE), context)
    await bus.handle(commands.ChangeStatus(bin_letter, "triaged", "", WASTE), context)
    day_one = START.date().isoformat()

    expected: dict[str, tuple[dict[str, Any], set[str]]] = {
        "a type": ({"service_code": "bulky_waste"}, {bulky}),
        "two types": (
            {"service_code": ["bulky_waste", "missed_bin"]},
            {bin_phone, bin_letter, bulky},
        ),
        "an area": ({"domain": "waste"}, {bin_phone, bin_letter, bulky}),
        "an area with none of theirs": ({"domain": "parking"}, set()),
        "a status": ({"status": "triaged"}, {bin_letter}),
        "a channel": ({"channel": ["letter", "email"]}, {bin_letter, bulky}),
        "assigned to me": ({"assignee": "me"}, {bin_phone}),
        "no officer yet": ({"assignee": "unassigned"}, {bin_letter, bulky}),
        "a team": ({"team": "Crew 3"}, {bin_phone, bin_letter}),
        "a team's unallocated": ({"team": "Crew 3", "assignee": "unassigned"}, {bin_letter}),
        "a day": ({"submitted_from": day_one, "submitted_to": day_one}, {bin_phone}),
        "from a moment": ({"submitted_from": f"{day_one}T09:02:00+00:00"}, {bin_letter, bulky}),
        "words": ({"q": "GREEN BIN"}, {bin_phone}),
        "wildcards are words": ({"q": "100% sofa_"}, {bulky}),
        "a reference": ({"q": bin_letter.lower()}, {bin_letter}),
    }
    for what, (params, cases) in expected.items():
        assert set(await world.references(**params)) == cases, what
        counted = await world.http.get(
            "/queue/counts", params=params, headers=world.waste_officer()
        )
        assert counted.json()["total"] == len(cases), f"{what}: counts use the same filters"


async def test_the_sla_filters_find_what_is_overdue_and_what_falls_due_soon(world: World) -> None:
    sla = world.services.catalogue.get("missed_bin").sla  # type: ignore[union-attr]
    overdue = await world.raise_case("missed_bin")
    world.clock.advance(sla - timedelta(hours=2))
    due_later = await world.raise_case("missed_bin", later=0)
    world.clock.advance(timedelta(hours=3))
    done = await world.raise_case("missed_bin", later=0)
    context = EventContext(correlation_id="queue")
    await world.services.bus.handle(commands.ChangeStatus(done, "cancelled", "", WASTE), context)

    assert await world.references(sla="breached") == [overdue]
    assert await world.references(sla="due", due_within_hours=2) == []
    within = int(sla.total_seconds() // 3600)
    assert await world.references(sla="due", due_within_hours=within) == [due_later]
    world.clock.advance(sla - timedelta(hours=2))
    assert await world.references(sla="breached") == [due_later, overdue], "newest first"
    items = (await world.queue()).json()["items"]
    assert {i["reference"]: i["overdue"] for i in items} == {
        done: False,
        due_later: True,
        overdue: True,
    }, "a cancelled case is never overdue"
