"""Merge and unmerge travel through the outbox and the relay to a consumer."""

from __future__ import annotations

import json

import pytest
from aiokafka import ConsumerRecord

from townhall.identity.config import IdentitySettings
from townhall.identity.testing import Harness, bearer
from townhall.runtime.settings import KafkaSettings
from townhall.runtime.testkit.topics import read_all
from townhall.runtime.testkit.waiting import eventually


@pytest.fixture
def identity_settings(
    identity_settings: IdentitySettings, kafka_settings: KafkaSettings
) -> IdentitySettings:
    return identity_settings.model_copy(update={"relay_enabled": True, "kafka": kafka_settings})


async def test_merge_and_unmerge_reach_a_consumer_keyed_by_the_surviving_id(
    identity: Harness, kafka_settings: KafkaSettings
) -> None:
    survivor, duplicate = await identity.register(), await identity.register(given_name="Ada2")
    token = await identity.officer_token("id@example.org", ("identity", "personal"))
    headers, body = bearer(token), {"merged_id": duplicate}
    await identity.http.post(f"/residents/{survivor}/merge", json=body, headers=headers)
    await identity.http.post(f"/residents/{survivor}/unmerge", json=body, headers=headers)

    async def published() -> list[ConsumerRecord[bytes, bytes]]:
        everything = await read_all(kafka_settings, "identity.events", at_least=10**9, timeout_s=1)
        return [r for r in everything if r.key == survivor.encode()]

    mine = await eventually(published, lambda records: len(records) >= 3, timeout_s=30)
    types = [dict(r.headers)["ce_type"].decode().rsplit(".", 2)[-2] for r in mine]
    assert types == ["registered", "merged", "unmerged"]
    assert json.loads(mine[1].value or b"{}")["merged_id"] == duplicate
