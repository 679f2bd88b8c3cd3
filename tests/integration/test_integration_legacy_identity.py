"""A legacy system's rows reach identity's real ``POST /records/match`` through the
legacy mapper: each person row becomes a resident (or joins one), keeps its legacy key as
the resident's reference in that system, and the row's next change goes to the same
resident without matching again."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import select

from townhall.connectors.debezium.envelope import Table
from townhall.connectors.debezium.types import mysql_column
from townhall.connectors.mapper.handler import Mapper, read_change_record
from townhall.connectors.mapper.identity import IdentityMatcher
from townhall.connectors.mapper.service import MIGRATIONS
from townhall.connectors.mapper.store import people
from townhall.connectors.mapping import load
from townhall.connectors.testing import change_records
from townhall.identity.config import IdentitySettings
from townhall.identity.entrypoints.api.app import create as create_identity
from townhall.identity.testing import Harness, bearer
from townhall.runtime.crypto import encode_key, generate_key
from townhall.runtime.db import create_engine, session_factory
from townhall.runtime.migrations import upgrade
from townhall.runtime.outbox import Outbox
from townhall.runtime.settings import KafkaSettings
from townhall.runtime.tables import outbox
from townhall.schemas.envelope import Envelope

MAPPING = """
system: counciltax
people:
  accounts: {name: holder, date_of_birth: dob, postcode: postcode, address: address}
interactions:
  accounts:
    person: {table: accounts, key: [id]}
    domain: council_tax
    sensitivity: sensitive
    type: account
    summary:
      created: "Council tax account {id} opened, band {band}"
      updated: "Council tax account {id} now band {band}"
"""
ACCOUNTS = Table(
    "counciltax", "mariadb", "counciltax", None, "accounts",
    (
        mysql_column("id", "int", "int(11)", nullable=False),
        mysql_column("holder", "varchar", "varchar(100)", nullable=True),
        mysql_column("dob", "date", "date", nullable=True),
        mysql_column("postcode", "varchar", "varchar(10)", nullable=True),
        mysql_column("address", "varchar", "varchar(100)", nullable=True),
        mysql_column("band", "char", "char(1)", nullable=True),
    ),
    ("id",),
)  # fmt: skip


class Legacy:
    def __init__(self, mapper: Mapper, url: str):
        self.mapper, self.url, self.position = mapper, url, 100

    async def change(self, op: str, row: dict[str, Any]) -> None:
        self.position += 1
        made = change_records(ACCOUNTS, op, row, pos=self.position)
        engine = create_engine(self.url)
        try:
            async with session_factory(engine).begin() as session:
                await self.mapper(session, [read_change_record(r) for r in made])
        finally:
            await engine.dispose()

    async def people(self) -> list[dict[str, Any]]:
        engine = create_engine(self.url)
        try:
            async with session_factory(engine)() as session:
                query = select(people).order_by(people.c.holder)
                return [dict(row) for row in (await session.execute(query)).mappings()]
        finally:
            await engine.dispose()

    async def entries_for_account(self, account: int) -> set[str]:
        """The residents whose timelines have an entry about council tax ``account``."""
        said = f"Council tax account {account} "
        return {
            str(e.residentid) for e in await self.entries() if e.data["summary"].startswith(said)
        }

    async def entries(self) -> list[Envelope]:
        engine = create_engine(self.url)
        try:
            async with session_factory(engine)() as session:
                rows = (await session.execute(select(outbox.c.envelope))).scalars()
                return [Envelope.model_validate_json(text) for text in rows]
        finally:
            await engine.dispose()


@pytest.fixture
async def identity(identity_database_url: str) -> AsyncIterator[Harness]:
    """Identity as in production, but asking an officer about every record that has a
    candidate at all: the officer's part of the path is what these tests are about."""
    settings = IdentitySettings(
        database_url=identity_database_url,
        kafka=KafkaSettings(),
        relay_enabled=False,
        identity_key_encryption_key=encode_key(generate_key()),
        identity_password_hashing="cheapest-for-tests",
        identity_match_link_threshold=0.999999,
        identity_match_review_threshold=0.0,
    )
    app = create_identity(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://identity") as http:
            yield Harness(app, http)


@pytest.fixture
async def legacy(identity: Harness, tmp_path: Path) -> AsyncIterator[Legacy]:
    admin = bearer(await identity.admin_token())
    body = {"client_id": "legacy", "scopes": ["residents:match"]}
    registered = await identity.http.post("/service-clients", json=body, headers=admin)
    assert registered.status_code == 201, registered.text
    matcher = IdentityMatcher(
        "http://identity",
        "legacy",
        SecretStr(registered.json()["client_secret"]),
        transport=httpx.ASGITransport(app=identity.app),
    )
    (tmp_path / "counciltax.yaml").write_text(MAPPING)
    url = f"sqlite+aiosqlite:///{tmp_path / 'legacy.db'}"
    await upgrade(url, MIGRATIONS)
    try:
        yield Legacy(Mapper([load(tmp_path / "counciltax.yaml")], matcher, Outbox("legacy")), url)
    finally:
        await matcher.aclose()


ROW = {"id": 7, "holder": "MRS A PRICE", "dob": date(1983, 9, 9), "postcode": "CF10 1AA",
       "address": "4 Heol y Wern", "band": "C"}  # fmt: skip


async def test_a_legacy_account_holder_becomes_a_resident_who_keeps_the_accounts_changes(
    identity: Harness, legacy: Legacy
) -> None:
    await legacy.change("c", ROW)
    await legacy.change("u", {**ROW, "band": "D"})
    opened, changed = await legacy.entries()
    assert opened.residentid == changed.residentid
    assert changed.data["summary"] == "Council tax account 7 now band D"
    officer = bearer(await identity.officer_token("records@example.org", ("identity", "special")))
    record = await identity.http.get(f"/residents/{opened.residentid}", headers=officer)
    assert record.status_code == 200, record.text
    assert record.json()["identifiers"] == [{"system": "counciltax", "value": "accounts:7"}]
    [name] = record.json()["names"]
    assert (name["title"], name["family"]) == ("Mrs", "Price")
    assert record.json()["date_of_birth"] == "1983-09-09"
    assert record.json()["addresses"][0]["postcode"] == "CF10 1AA"


async def test_a_joint_accounts_second_holder_is_never_merged_into_the_first(
    identity: Harness, legacy: Legacy
) -> None:
    """Mr G and Mrs A Price share the account, the address and the surname: identity
    (which asks an officer about anyone with a candidate, here) never links her to him;
    her husband's timeline gets the account, hers once she is known."""
    await legacy.change("c", {**ROW, "id": 8, "holder": "Mr G & Mrs A Price"})
    first, second = await legacy.people()
    assert first["outcome"] == "created"
    assert second["outcome"] in ("created", "review")
    assert second["resident_id"] != first["resident_id"]
    placed = {entry.residentid for entry in await legacy.entries()}
    expected = {first["resident_id"], second["resident_id"]} - {None}
    assert placed == {str(resident) for resident in expected}


async def test_a_holder_left_for_an_officer_gets_the_account_once_the_officer_decides(
    identity: Harness, legacy: Legacy
) -> None:
    """Mrs A Price of account 7 is already a resident, so the holders of the joint
    account 9 have a candidate and (this identity asks about any) wait for an officer,
    never for each other: a joint account's holders are two people. Once the officer
    decides (here: new residents), each gets the account on their own timeline."""
    await legacy.change("c", ROW)
    await legacy.change("c", {**ROW, "id": 9, "holder": "Mr G & Mrs A Price"})
    joint = [p for p in await legacy.people() if p["legacy_key"] == "9"]
    waiting = [p for p in joint if p["outcome"] == "review"]
    assert waiting, "an officer is asked"
    known = {str(p["resident_id"]) for p in joint if p["outcome"] != "review"}
    assert await legacy.entries_for_account(9) == known, "only a holder already known has it"
    officer = bearer(await identity.officer_token("records@example.org", ("identity", "special")))
    for holder in waiting:
        url = f"/review-items/{holder['review_id']}/reject"
        decided = await identity.http.post(url, headers=officer)
        assert decided.status_code == 200, decided.text
    engine = create_engine(legacy.url)
    try:
        assert await legacy.mapper.recheck(session_factory(engine)) == len(waiting)
    finally:
        await engine.dispose()
    placed = [p for p in await legacy.people() if p["legacy_key"] == "9"]
    assert {p["outcome"] for p in placed} <= {"created", "linked"}
    residents = {str(p["resident_id"]) for p in placed}
    assert len(residents) == 2, "two holders, two residents"
    assert await legacy.entries_for_account(9) == residents
