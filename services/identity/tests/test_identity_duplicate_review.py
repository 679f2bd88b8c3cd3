"""The duplicate pass's grey-zone pairs are review items (SQLite and PostgreSQL): one
item names the two residents with the evidence field by field; accepting merges them as
a ``resident.merged.v1`` event; rejecting is remembered, so no later pass asks again or
merges them; a pair already waiting is not asked about twice."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import httpx
import pytest

from townhall.identity.adapters.linkage_matcher import LinkageMatcher
from townhall.identity.adapters.orm import review_items
from townhall.identity.bootstrap import Identity
from townhall.identity.config import IdentitySettings
from townhall.identity.domain.commands import AskAboutDuplicate
from townhall.identity.domain.model import Address, Name, Resident, SourceRecord
from townhall.identity.entrypoints.api.app import create
from townhall.identity.linkage import Model
from townhall.identity.testing import Harness, bearer, ready
from townhall.runtime.outbox import EventContext

HOME = Address("3 Mill Lane", None, "Sampleton", "ZX4 7QT", "000000004711",
               house_number="3")  # fmt: skip
JOHN = SourceRecord(Name("John", "Hartley", title="Mr"), date(1971, 3, 9), None, HOME,
                    phone="07700900123")  # fmt: skip
#: "J Hartley" somewhere in ZX4 7QT: maybe John, maybe not (the grey zone).
INITIAL = SourceRecord(Name("", "Hartley", initials="J"), None, None,
                       Address(None, None, "Sampleton", "ZX4 7QT"))  # fmt: skip


@pytest.fixture
async def identity(identity_settings: IdentitySettings, model: Model) -> AsyncIterator[Harness]:
    settings = identity_settings.model_copy(update={"identity_duplicate_pass_every_s": 0})
    app = create(settings, matcher=LinkageMatcher(model))
    async with app.router.lifespan_context(app):
        await ready(app)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://identity") as http:
            yield Harness(app, http)


async def _add(services: Identity, source: SourceRecord) -> uuid.UUID:
    resident = Resident.from_source(source, "legacy")
    async with services.bus.uow_factory() as uow:
        await uow.residents.add(resident)
        await uow.commit()
    return resident.id


async def _officer(identity: Harness) -> dict[str, str]:
    return bearer(await identity.officer_token("id@example.org", ("identity", "personal")))


async def _queue(identity: Harness, headers: dict[str, str]) -> list[dict[str, Any]]:
    response = await identity.http.get("/review-items", headers=headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()
    return items


async def _merged_into(services: Identity, resident_id: uuid.UUID) -> uuid.UUID | None:
    async with services.bus.uow_factory() as uow:
        resident = await uow.residents.get(resident_id, follow=False)
        assert resident is not None
        return resident.merged_into


async def _pass(services: Identity) -> tuple[int, int, int]:
    assert services.duplicates is not None
    report = await services.duplicates.run()
    return report.merged, report.questions, report.asked


async def test_a_grey_pair_becomes_one_item_naming_both_with_evidence_field_by_field(
    identity: Harness,
) -> None:
    services = identity.services
    john = await _add(services, JOHN)
    initial = await _add(services, INITIAL)
    headers = await _officer(identity)

    assert await _pass(services) == (0, 1, 1)

    [item] = await _queue(identity, headers)
    assert item["kind"] == "duplicate"
    assert {item["resident_id"], item["other_resident_id"]} == {str(john), str(initial)}
    assert 0.5 <= item["probability"] < 0.99
    shown = {e["field"]: e for e in item["evidence"]}
    assert shown["family_name"]["agreement"] == "agree"
    assert shown["family_name"]["incoming"] == shown["family_name"]["existing"] == "hartley"
    assert shown["postcode"]["agreement"] == "agree" and shown["postcode"]["weight"] > 0
    assert shown["date_of_birth"]["agreement"] == "missing"
    assert item["record"]["family_name"] == "Hartley"
    assert await _pass(services) == (0, 0, 0), "still waiting: not asked about twice"
    assert await identity.count(review_items) == 1


async def test_accepting_a_duplicate_item_merges_the_two_as_an_event(identity: Harness) -> None:
    services = identity.services
    await _add(services, JOHN)
    await _add(services, INITIAL)
    headers = await _officer(identity)
    await _pass(services)
    [item] = await _queue(identity, headers)

    accepted = await identity.http.post(f"/review-items/{item['id']}/accept", headers=headers)

    assert accepted.status_code == 200, accepted.text
    assert (accepted.json()["outcome"], accepted.json()["resident_id"]) == (
        "merged", item["resident_id"]
    )  # fmt: skip
    survivor, other = uuid.UUID(item["resident_id"]), uuid.UUID(item["other_resident_id"])
    assert await _merged_into(services, other) == survivor
    merged = [e["data"] for e in await identity.events() if e["type"].endswith("merged.v1")]
    assert merged == [{"resident_id": str(survivor), "merged_id": str(other)}]
    assert await _queue(identity, headers) == []
    assert await _pass(services) == (0, 0, 0), "one resident now: nothing to ask"


async def test_a_rejected_pair_is_two_people_never_asked_again_nor_merged(
    identity: Harness,
) -> None:
    services = identity.services
    await _add(services, JOHN)
    await _add(services, INITIAL)
    headers = await _officer(identity)
    await _pass(services)
    [item] = await _queue(identity, headers)

    rejected = await identity.http.post(f"/review-items/{item['id']}/reject", headers=headers)

    assert rejected.json()["outcome"] == "separate"
    assert await _pass(services) == (0, 0, 0)
    assert await _queue(identity, headers) == []
    decided = await identity.http.post(f"/review-items/{item['id']}/accept", headers=headers)
    assert decided.status_code == 422, "a decided item stays decided"


async def test_a_pair_an_officer_said_are_two_people_is_not_merged_even_when_alike(
    identity: Harness,
) -> None:
    """Two residents the pass would merge (the same name, birth date, home and phone),
    rejected by an officer before: the pass leaves them apart."""
    services = identity.services
    first, second = await _add(services, JOHN), await _add(services, JOHN)
    command = AskAboutDuplicate(first, second, 0.7, {}, ())
    item_id = await services.bus.handle(command, EventContext("test"))
    assert await services.bus.handle(command, EventContext("test")) is None, "one per pair"
    headers = await _officer(identity)
    await identity.http.post(f"/review-items/{item_id}/reject", headers=headers)

    assert await _pass(services) == (0, 0, 0)

    assert await _merged_into(services, first) is None
    assert await _merged_into(services, second) is None


async def test_deciding_a_duplicate_item_that_does_not_exist_is_a_404_and_changes_nothing(
    identity: Harness,
) -> None:
    headers = await _officer(identity)
    response = await identity.http.post(f"/review-items/{uuid.uuid4()}/accept", headers=headers)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert await identity.count(review_items) == 0
